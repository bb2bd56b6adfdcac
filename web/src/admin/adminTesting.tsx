// Tests only: a scripted server for the admin pages and a way to open one.
// Routes are "METHOD /path" (a route's function looks at the query string
// itself); every request is recorded with its CSRF header and body.
import { act } from 'react';
import { vi } from 'vitest';
import { mount, settle, type Mounted } from '../testing';
import AdminApp from './AdminApp';
import type { AdminUser, AuditEvent, UserDetail } from './adminApi';

export interface Seen {
  method: string;
  path: string;
  params: URLSearchParams;
  body: unknown;
  csrf: string | undefined;
}
export type Route = (req: Seen) => Response;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
export const noContent = () => new Response(null, { status: 204 });
export const apiError = (status: number, code: string, message = code) =>
  json(status, { error: { code, message } });

export const ADMIN = {
  user: {
    id: 'a0000000-0000-4000-8000-000000000001',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    roles: ['Parley.Admin'],
  },
  expires: '2026-12-01T00:00:00.000Z',
};

export function fakeServer(routes: Record<string, Route>) {
  const seen: Seen[] = [];
  const fetch = vi.fn((url: string, init: RequestInit = {}) => Promise.resolve(answer(url, init)));
  const answer = (url: string, init: RequestInit): Response => {
    const u = new URL(url, 'http://parley.test');
    const method = init.method ?? 'GET';
    const headers = (init.headers ?? {}) as Record<string, string>;
    const req: Seen = {
      method,
      path: u.pathname,
      params: u.searchParams,
      body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
      csrf: headers['X-CSRF-Token'],
    };
    seen.push(req);
    if (u.pathname === '/api/auth/csrf') return json(200, { csrfToken: 'tok' });
    const route = routes[`${method} ${u.pathname}`];
    if (route) return route(req);
    if (u.pathname === '/api/auth/session') return json(200, ADMIN);
    return apiError(404, 'not_found', 'Not found');
  };
  vi.stubGlobal('fetch', fetch);
  return {
    seen,
    // The requests other than the CSRF token's and the session's.
    calls: () => seen.filter((r) => r.path !== '/api/auth/csrf' && r.path !== '/api/auth/session'),
  };
}

export const sampleUser = (n: number, over: Partial<AdminUser> = {}): AdminUser => ({
  id: `u0000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name: `User ${n}`,
  email: `user${n}@example.com`,
  tenant_id: '11111111-2222-3333-4444-555555555555',
  object_id: `0b000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  roles: [],
  created_at: '2026-01-02T03:04:05Z',
  last_login_at: '2026-11-28T09:00:00Z',
  disabled_at: null,
  ...over,
});

export const sampleDetail = (over: Partial<UserDetail> = {}): UserDetail => ({
  ...sampleUser(7, {
    id: 'b0000000-0000-4000-8000-000000000007',
    name: 'Grace Hopper',
    email: 'grace@example.com',
  }),
  sign_ins: [
    {
      at: '2026-11-28T09:00:00Z',
      result: 'success',
      reason: null,
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131',
    },
    {
      at: '2026-11-27T08:00:00Z',
      result: 'failure',
      reason: 'nonce_mismatch',
      ip: '203.0.113.8',
      user_agent: 'curl/8',
    },
  ],
  sessions: [
    {
      id: 's1',
      created_at: '2026-11-28T09:00:00Z',
      last_seen_at: '2026-11-28T10:00:00Z',
      expires_at: '2026-12-28T09:00:00Z',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0 Firefox/133',
    },
  ],
  usage: {
    today: { prompt_tokens: 1200, completion_tokens: 340, messages: 4 },
    last_30_days: { prompt_tokens: 45000, completion_tokens: 12000, messages: 120 },
  },
  quota: { daily_tokens: null, concurrent_streams: 2 },
  ...over,
});

export const sampleEvent = (seq: number, over: Partial<AuditEvent> = {}): AuditEvent => ({
  seq,
  at: '2026-11-28T09:00:00Z',
  type: 'auth.sign_in',
  actor: 'b0000000-0000-4000-8000-000000000007',
  subject: null,
  ip: '203.0.113.7',
  detail: { result: 'success' },
  hash: seq.toString(16).padStart(64, 'a'),
  ...over,
});

// Opens the admin area at `path` (the page a browser would load) and lets
// its first requests settle.
export async function openAdmin(path: string): Promise<Mounted> {
  history.replaceState(null, '', path);
  const view = mount(<AdminApp />);
  await settle();
  return view;
}

// The browser's Back button (jsdom fires popstate asynchronously).
export async function goBack() {
  await act(async () => {
    const popped = new Promise((r) => addEventListener('popstate', r, { once: true }));
    history.back();
    await popped;
  });
  await settle();
}

// Picks an option of a <select> as a user would.
export function choose(select: HTMLSelectElement, value: string) {
  act(() => {
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  });
}
