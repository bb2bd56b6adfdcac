// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetCsrfToken } from '../api';
import { click, settle, type Mounted } from '../testing';
import { apiError, fakeServer, json, openAdmin, sampleDetail, sampleUser } from './adminTesting';

// jsdom has no canvas.
vi.mock('./charts', () => ({ default: () => <div data-testid="chart-stub" /> }));

let view: Mounted;
afterEach(() => {
  view.unmount();
  vi.unstubAllGlobals();
  resetCsrfToken();
});

const $ = (sel: string) => view.container.querySelector(sel);
const link = (name: string) =>
  [...view.container.querySelectorAll('a')].find((a) => a.textContent === name)!;

describe('Admin area', () => {
  it('has a navigation with the current section, a way back to chat and the user menu', async () => {
    fakeServer({
      'GET /api/admin/users': () => json(200, { items: [sampleUser(1)], next_cursor: null }),
    });
    view = await openAdmin('/admin');
    const nav = $('nav[aria-label="Administration"]')!;
    expect([...nav.querySelectorAll('a')].map((a) => a.textContent)).toEqual([
      'Users',
      'Usage',
      'Audit trail',
    ]);
    expect(link('Users').getAttribute('aria-current')).toBe('page');
    expect(link('Chat').getAttribute('href')).toBe('/');
    expect($('.avatar')!.textContent).toContain('Account: Ada Lovelace');
  });

  it('links move between pages without a reload: URL, title, current section and focus', async () => {
    fakeServer({
      'GET /api/admin/users': () => json(200, { items: [sampleUser(1)], next_cursor: null }),
      'GET /api/admin/users/u0000000-0000-4000-8000-000000000001': () =>
        json(200, sampleDetail({ id: 'u0000000-0000-4000-8000-000000000001' })),
      'GET /api/admin/audit': () => json(200, { items: [], next_cursor: null }),
    });
    view = await openAdmin('/admin');
    click(link('User 1'));
    await settle();
    expect(location.pathname).toBe('/admin/users/u0000000-0000-4000-8000-000000000001');
    expect($('h1')!.textContent).toBe('Grace Hopper');
    expect(link('Users').getAttribute('aria-current')).toBe('page');
    click(link('Audit trail'));
    await settle();
    expect(location.pathname).toBe('/admin/audit');
    expect(document.title).toBe('Audit trail · Parley administration');
    expect(link('Audit trail').getAttribute('aria-current')).toBe('page');
    expect(document.activeElement).toBe($('#admin-main'));
  });

  it('an unknown admin page says so', async () => {
    fakeServer({});
    view = await openAdmin('/admin/settings');
    expect($('h1')!.textContent).toBe('Not found');
  });

  it('a signed-in user who is not an administrator sees "Administrators only"', async () => {
    fakeServer({
      'GET /api/auth/session': () =>
        json(200, {
          user: { id: 'g', name: 'Grace Hopper', email: 'grace@example.com', roles: [] },
          expires: '2026-12-01T00:00:00.000Z',
        }),
      'GET /api/admin/users': () => apiError(403, 'forbidden', 'Forbidden'),
    });
    view = await openAdmin('/admin');
    const panel = $('[data-testid="admin-forbidden"]')!;
    expect(panel.getAttribute('role')).toBe('alert');
    expect(panel.textContent).toContain('Parley.Admin');
    expect(panel.querySelector('a')!.getAttribute('href')).toBe('/');
  });
});
