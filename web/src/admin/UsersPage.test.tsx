// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetCsrfToken } from '../api';
import { click, settle, typeInto, type Mounted } from '../testing';
import {
  apiError,
  choose,
  fakeServer,
  goBack,
  json,
  openAdmin,
  sampleUser,
  type Seen,
} from './adminTesting';

let view: Mounted;
afterEach(() => {
  view.unmount();
  vi.unstubAllGlobals();
  resetCsrfToken();
});

const $ = (sel: string) => view.container.querySelector(sel);
const button = (name: string) =>
  [...view.container.querySelectorAll('button')].find((b) => b.textContent === name)!;
const rows = () => [...view.container.querySelectorAll('[data-testid="users-table"] tbody tr')];

// Three pages of users; the cursor is the page number.
function users(req: Seen) {
  const page = Number(req.params.get('cursor') ?? '1');
  const items = [
    sampleUser(page * 10 + 1),
    sampleUser(page * 10 + 2, { disabled_at: '2026-11-01T00:00:00Z' }),
  ];
  return json(200, { items, next_cursor: page < 3 ? String(page + 1) : null });
}

describe('Users page', () => {
  it('lists the users of the contract shape: name links to the detail, status, roles', async () => {
    fakeServer({
      'GET /api/admin/users': () =>
        json(200, {
          items: [
            sampleUser(1, { name: 'Ada Lovelace', roles: ['Parley.Admin', 'A', 'B', 'C', 'D'] }),
            sampleUser(2, { disabled_at: '2026-11-01T00:00:00Z', last_login_at: null }),
          ],
          next_cursor: null,
        }),
    });
    view = await openAdmin('/admin');
    expect(document.title).toBe('Users · Parley administration');
    expect($('h1')!.textContent).toBe('Users');
    expect(rows()).toHaveLength(2);
    const link = rows()[0].querySelector('a')!;
    expect(link.textContent).toBe('Ada Lovelace');
    expect(link.getAttribute('href')).toBe('/admin/users/u0000000-0000-4000-8000-000000000001');
    expect(rows()[0].textContent).toContain('Parley.Admin, A, B +2 more');
    expect(rows()[0].textContent).toContain('Active');
    expect(rows()[1].textContent).toContain('Disabled');
    expect(rows()[1].textContent).toContain('—'); // never signed in
    expect(button('Next page').disabled).toBe(true);
    expect(button('Previous page').disabled).toBe(true);
  });

  it('search and status go into the URL and the query; Back restores the form', async () => {
    const server = fakeServer({ 'GET /api/admin/users': users });
    view = await openAdmin('/admin/users');
    typeInto($('input[type="search"]') as HTMLInputElement, ' ada ');
    choose($('select') as HTMLSelectElement, 'disabled');
    click(button('Search'));
    await settle();
    expect(location.pathname + location.search).toBe('/admin/users?q=ada&status=disabled');
    const last = server.calls().at(-1)!;
    expect(last.params.get('q')).toBe('ada');
    expect(last.params.get('status')).toBe('disabled');
    expect(last.params.get('limit')).toBe('50');
    await goBack();
    expect(location.search).toBe('');
    expect(($('input[type="search"]') as HTMLInputElement).value).toBe('');
  });

  it('pages forward with next_cursor and back through the cursors seen', async () => {
    const server = fakeServer({ 'GET /api/admin/users': users });
    view = await openAdmin('/admin/users');
    expect(rows()[0].textContent).toContain('User 11');
    click(button('Next page'));
    await settle();
    expect(server.calls().at(-1)!.params.get('cursor')).toBe('2');
    expect(rows()[0].textContent).toContain('User 21');
    click(button('Next page'));
    await settle();
    expect(rows()[0].textContent).toContain('User 31');
    expect(button('Next page').disabled).toBe(true);
    expect(view.container.textContent).toContain('Page 3');
    click(button('Previous page'));
    await settle();
    expect(rows()[0].textContent).toContain('User 21');
    expect(server.calls().at(-1)!.params.get('cursor')).toBe('2');
  });

  it('a 403 (not an administrator) says so, with no table', async () => {
    fakeServer({ 'GET /api/admin/users': () => apiError(403, 'forbidden', 'Forbidden') });
    view = await openAdmin('/admin');
    expect($('[data-testid="admin-forbidden"]')!.textContent).toContain('Administrators only');
    expect($('[data-testid="users-table"]')).toBeNull();
  });

  it('a server error is an alert with Retry, which loads again', async () => {
    let fail = true;
    fakeServer({
      'GET /api/admin/users': (req) =>
        fail ? apiError(500, 'internal', 'Internal error') : users(req),
    });
    view = await openAdmin('/admin');
    expect($('[role="alert"]')!.textContent).toContain(
      'The users could not be loaded: Internal error.',
    );
    fail = false;
    click(button('Retry'));
    await settle();
    expect(rows()).toHaveLength(2);
  });

  it('no match says so', async () => {
    fakeServer({ 'GET /api/admin/users': () => json(200, { items: [], next_cursor: null }) });
    view = await openAdmin('/admin?q=nobody');
    expect(view.container.textContent).toContain('No users match.');
    expect(($('input[type="search"]') as HTMLInputElement).value).toBe('nobody');
  });
});
