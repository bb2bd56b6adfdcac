// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportFilename, resetCsrfToken, type User } from './api';
import { click, mount, settle, type Mounted } from './testing';
import { UserMenu } from './UserMenu';

let view: Mounted;
afterEach(() => {
  view.unmount();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  resetCsrfToken();
});

const user = (roles: string[]): User => ({
  id: 'u1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  roles,
});
const open = () => click(view.container.querySelector('.avatar'));
const button = (name: RegExp) =>
  [...view.container.querySelectorAll('button')].find((b) => name.test(b.textContent))!;
const links = () => [...view.container.querySelectorAll('.menu a')].map((a) => a.textContent);

describe('UserMenu', () => {
  // GET /api/me answers `admin`: the server knows PARLEY_ADMIN_ROLE.
  const me = (admin: boolean) =>
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string) =>
        Promise.resolve(
          url === '/api/me'
            ? Response.json({ id: 'u1', admin, admin_role: 'Bank.Operators' })
            : new Response('{}', { status: 500 }),
        ),
      ),
    );

  it('an administrator (the server says so) is offered the administration', async () => {
    me(true);
    view = mount(<UserMenu user={user(['Reader', 'Bank.Operators'])} />);
    await settle();
    open();
    const admin = view.container.querySelector('[data-testid="admin-link"]')!;
    expect(admin.textContent).toBe('Administration');
    expect(admin.getAttribute('href')).toBe('/admin');
  });

  it('a plain user is not, whatever their roles look like', async () => {
    me(false);
    view = mount(<UserMenu user={user(['Parley.Admin'])} />);
    await settle();
    open();
    expect(view.container.querySelector('[data-testid="admin-link"]')).toBeNull();
    expect(links()).toEqual([]);
  });

  it('when /api/me fails, no entry is offered', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('offline'))),
    );
    view = mount(<UserMenu user={user(['Parley.Admin'])} />);
    await settle();
    open();
    expect(view.container.querySelector('[data-testid="admin-link"]')).toBeNull();
  });

  it('in the admin area it leads back to the chat', () => {
    view = mount(<UserMenu user={user(['Parley.Admin'])} area="admin" />);
    open();
    expect(links()).toEqual(['Back to chat']);
  });

  it('"Export my data" saves GET /api/me/export as a file (no CSRF needed for a GET)', async () => {
    const body = '{"conversations":[]}';
    const fetch = vi.fn(() =>
      Promise.resolve(
        new Response(body, {
          status: 200,
          headers: {
            'Content-Type': 'application/json',
            'Content-Disposition': 'attachment; filename="parley-export-u1.json"',
          },
        }),
      ),
    );
    vi.stubGlobal('fetch', fetch);
    const saved: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      saved.push({ href: this.href, download: this.download });
    });
    const blobs: Blob[] = [];
    vi.stubGlobal('URL', {
      ...URL,
      createObjectURL: (b: Blob) => (blobs.push(b), 'blob:parley/1'),
      revokeObjectURL: vi.fn(),
    });
    view = mount(<UserMenu user={user([])} area="admin" />);
    open();
    click(button(/^Export my data$/));
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]).toEqual([
      '/api/me/export',
      expect.objectContaining({ method: 'GET' }),
    ]);
    expect(saved).toEqual([{ href: 'blob:parley/1', download: 'parley-export-u1.json' }]);
    expect(await blobs[0].text()).toBe(body);
    expect(button(/^Export my data$/).disabled).toBe(false);
    expect(view.container.querySelector('[role="alert"]')).toBeNull();
  });

  it('a failed export says why, in the menu (and the button is usable again)', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() =>
        Promise.resolve(
          new Response(JSON.stringify({ error: { code: 'internal', message: 'Try later.' } }), {
            status: 500,
            headers: { 'Content-Type': 'application/json' },
          }),
        ),
      ),
    );
    view = mount(<UserMenu user={user([])} area="admin" />);
    open();
    click(button(/^Export my data$/));
    await settle();
    expect(view.container.querySelector('[role="alert"]')!.textContent).toBe(
      'The export failed: Try later.',
    );

    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))),
    );
    click(button(/^Export my data$/));
    await settle();
    expect(view.container.querySelector('[role="alert"]')!.textContent).toMatch(
      /Check your connection/,
    );
    expect(button(/^Export my data$/).disabled).toBe(false);
  });

  it('the file is named by the server when that name is safe, else by the UTC day', () => {
    const now = new Date('2026-12-03T23:30:00Z');
    expect(exportFilename('attachment; filename="parley-export.json"', now)).toBe(
      'parley-export.json',
    );
    expect(exportFilename('attachment; filename="../../etc/passwd"', now)).toBe(
      'parley-export-2026-12-03.json',
    );
    expect(exportFilename(null, now)).toBe('parley-export-2026-12-03.json');
  });
});
