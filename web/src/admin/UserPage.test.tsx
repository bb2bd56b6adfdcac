// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetCsrfToken } from '../api';
import { click, settle, typeInto, type Mounted } from '../testing';
import type { ChartProps } from './charts';
import {
  ADMIN,
  apiError,
  fakeServer,
  json,
  noContent,
  openAdmin,
  sampleDetail,
} from './adminTesting';

// jsdom has no canvas: the chart is a stub that shows what it was given.
vi.mock('./charts', () => ({
  default: ({ series, label }: ChartProps) => (
    <div data-testid="chart-stub" aria-label={label}>
      {series.labels.join('|')}
    </div>
  ),
}));

let view: Mounted;
afterEach(() => {
  view.unmount();
  vi.unstubAllGlobals();
  resetCsrfToken();
});

const ID = 'b0000000-0000-4000-8000-000000000007';
const PATH = '/api/admin/users/' + ID;
const $ = (sel: string) => view.container.querySelector(sel);
const button = (name: string, root: ParentNode = view.container) =>
  [...root.querySelectorAll('button')].find((b) => b.textContent === name)!;
const dialog = () => view.container.querySelector('dialog')!;
const text = () => view.container.textContent;

describe('User page', () => {
  it('shows who the user is, usage (table and chart), quota, sessions and sign-ins', async () => {
    const server = fakeServer({ [`GET ${PATH}`]: () => json(200, sampleDetail()) });
    view = await openAdmin('/admin/users/' + ID);
    await vi.waitFor(() => expect($('[data-testid="chart-stub"]')).not.toBeNull());
    expect(server.calls().map((r) => r.path)).toEqual([PATH]);
    expect($('h1')!.textContent).toBe('Grace Hopper');
    expect(text()).toContain('grace@example.com');
    expect(text()).toContain(ID);
    expect(text()).toContain('Active');
    expect($('[data-testid="chart-stub"]')!.textContent).toBe('Today (UTC)|Last 30 days');
    expect($('[data-testid="chart-stub"]')!.getAttribute('aria-label')).toMatch(/last 30 days 57/);
    const usage = [...view.container.querySelectorAll('section')].find((s) =>
      s.textContent.startsWith('Usage'),
    )!;
    expect(usage.textContent).toMatch(/Last 30 days45[,.\s]?00012[,.\s]?000120/);
    expect(text()).toContain('Active sessions (1)');
    expect($('[data-testid="sessions-table"]')!.textContent).toContain('Firefox/133');
    const signIns = $('[data-testid="sign-ins-table"]')!.textContent;
    expect(signIns).toContain('failure');
    expect(signIns).toContain('nonce_mismatch');
    expect(signIns).toContain('203.0.113.8');
    const daily = [...view.container.querySelectorAll('label')].find((l) =>
      l.textContent.startsWith('Daily tokens'),
    )!;
    expect(daily.querySelector('input')!.value).toBe('');
  });

  it('Disable asks first, POSTs with the CSRF token, then shows Disabled and no sessions', async () => {
    const server = fakeServer({
      [`GET ${PATH}`]: () => json(200, sampleDetail()),
      [`POST ${PATH}/disable`]: () =>
        json(200, { ...sampleDetail(), disabled_at: '2026-11-29T10:00:00Z' }),
    });
    view = await openAdmin('/admin/users/' + ID);
    click(button('Disable'));
    expect(dialog().textContent).toContain('Disable Grace Hopper?');
    expect(server.calls().some((r) => r.method === 'POST')).toBe(false);
    click(button('Disable', dialog()));
    await settle();
    const post = server.calls().find((r) => r.method === 'POST')!;
    expect(post.path).toBe(PATH + '/disable');
    expect(post.csrf).toBe('tok');
    expect($('dialog')).toBeNull();
    expect($('[role="status"].action-status')!.textContent).toBe(
      'Grace Hopper is disabled and signed out everywhere.',
    );
    expect($('.user-head')!.textContent).toContain('Disabled');
    expect(text()).toContain('Active sessions (0)');
    expect(button('Enable')).toBeDefined();
  });

  it('Cancel in the dialog changes nothing', async () => {
    const server = fakeServer({ [`GET ${PATH}`]: () => json(200, sampleDetail()) });
    view = await openAdmin('/admin/users/' + ID);
    click(button('Sign out everywhere'));
    click(button('Cancel', dialog()));
    expect($('dialog')).toBeNull();
    expect(server.calls()).toHaveLength(1);
  });

  it('Enable a disabled user', async () => {
    const server = fakeServer({
      [`GET ${PATH}`]: () => json(200, sampleDetail({ disabled_at: '2026-11-01T00:00:00Z' })),
      [`POST ${PATH}/enable`]: () => json(200, { ...sampleDetail(), disabled_at: null }),
    });
    view = await openAdmin('/admin/users/' + ID);
    click(button('Enable'));
    click(button('Enable', dialog()));
    await settle();
    expect(server.calls().at(-1)!.path).toBe(PATH + '/enable');
    expect($('.user-head')!.textContent).toContain('Active');
  });

  it('Sign out everywhere: DELETE sessions (204), the sessions list empties', async () => {
    const server = fakeServer({
      [`GET ${PATH}`]: () => json(200, sampleDetail()),
      [`DELETE ${PATH}/sessions`]: noContent,
    });
    view = await openAdmin('/admin/users/' + ID);
    click(button('Sign out everywhere'));
    click(button('Sign out everywhere', dialog()));
    await settle();
    expect(server.calls().at(-1)).toMatchObject({ method: 'DELETE', path: PATH + '/sessions' });
    expect(text()).toContain('No active sessions.');
  });

  it('Delete conversations needs the email typed, then DELETEs the data', async () => {
    const server = fakeServer({
      [`GET ${PATH}`]: () => json(200, sampleDetail()),
      [`DELETE ${PATH}/data`]: noContent,
    });
    view = await openAdmin('/admin/users/' + ID);
    click(button('Delete conversations…'));
    const confirm = button('Delete conversations', dialog());
    expect(confirm.disabled).toBe(true);
    typeInto(dialog().querySelector('input')!, 'grace@example');
    expect(confirm.disabled).toBe(true);
    typeInto(dialog().querySelector('input')!, 'grace@example.com');
    click(confirm);
    await settle();
    expect(server.calls().at(-1)).toMatchObject({ method: 'DELETE', path: PATH + '/data' });
    expect(text()).toContain('Grace Hopper’s conversations and messages are deleted.');
  });

  it('the quota editor PUTs the overrides', async () => {
    const server = fakeServer({
      [`GET ${PATH}`]: () => json(200, sampleDetail()),
      [`PUT ${PATH}/quota`]: (req) => json(200, req.body),
    });
    view = await openAdmin('/admin/users/' + ID);
    const input = (name: string) =>
      [...view.container.querySelectorAll('label')]
        .find((l) => l.textContent.startsWith(name))!
        .querySelector('input')!;
    typeInto(input('Daily tokens'), '200000');
    typeInto(input('Answers at once'), '');
    click(button('Save quota'));
    await settle();
    expect(server.calls().at(-1)).toMatchObject({
      method: 'PUT',
      path: PATH + '/quota',
      body: { daily_tokens: 200000, concurrent_streams: null },
      csrf: 'tok',
    });
    expect(text()).toContain('The quota is saved.');
    expect(text()).toMatch(/Now: 200[,.\s]?000 tokens a day/);
  });

  it('a refused change is an alert with the server’s reason; the page stays as it was', async () => {
    fakeServer({
      [`GET ${PATH}`]: () => json(200, sampleDetail()),
      [`POST ${PATH}/disable`]: () => apiError(409, 'conflict', 'You cannot disable yourself'),
    });
    view = await openAdmin('/admin/users/' + ID);
    click(button('Disable'));
    click(button('Disable', dialog()));
    await settle();
    expect($('[role="alert"]')!.textContent).toContain(
      'The change failed: You cannot disable yourself.',
    );
    expect(text()).toContain('Active sessions (1)');
  });

  it('warns an administrator who is about to disable themselves', async () => {
    fakeServer({
      [`GET /api/admin/users/${ADMIN.user.id}`]: () =>
        json(200, sampleDetail({ id: ADMIN.user.id, name: 'Ada Lovelace' })),
    });
    view = await openAdmin('/admin/users/' + ADMIN.user.id);
    click(button('Disable'));
    expect(dialog().textContent).toContain('This is your own account');
  });

  it('an unknown user: not found, no Retry', async () => {
    fakeServer({ [`GET ${PATH}`]: () => apiError(404, 'not_found', 'Not found') });
    view = await openAdmin('/admin/users/' + ID);
    expect($('[role="alert"]')!.textContent).toBe('This user was not found.');
    expect(view.container.querySelector('[role="alert"] button')).toBeNull();
  });

  it('a non-administrator gets the 403 panel', async () => {
    fakeServer({ [`GET ${PATH}`]: () => apiError(403, 'forbidden', 'Forbidden') });
    view = await openAdmin('/admin/users/' + ID);
    expect($('[data-testid="admin-forbidden"]')).not.toBeNull();
  });
});
