import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, resetCsrfToken } from '../api';
import {
  deleteUserData,
  disableUser,
  enableUser,
  endSessions,
  getUsage,
  getUser,
  listAudit,
  listUsers,
  query,
  setQuota,
  usagePath,
} from './adminApi';
import { apiError, fakeServer, json, noContent, sampleDetail, sampleUser } from './adminTesting';

afterEach(() => {
  vi.unstubAllGlobals();
  resetCsrfToken();
});

const ID = 'b0000000-0000-4000-8000-000000000007';

describe('admin API calls (DESIGN.md paths and fields)', () => {
  it('query() keeps the parameters that have a value, escaped', () => {
    expect(query({ q: 'ada l', status: undefined, cursor: null, limit: 50, x: '' })).toBe(
      '?q=ada+l&limit=50',
    );
    expect(query({})).toBe('');
  });

  it('lists users with q, status, cursor and limit', async () => {
    const server = fakeServer({
      'GET /api/admin/users': () => json(200, { items: [sampleUser(1)], next_cursor: 'c2' }),
    });
    const page = await listUsers({ q: 'Ada', status: 'disabled' }, 'c1', 25);
    expect(page.next_cursor).toBe('c2');
    expect(page.items[0].email).toBe('user1@example.com');
    const [r] = server.calls();
    expect(Object.fromEntries(r.params)).toEqual({
      q: 'Ada',
      status: 'disabled',
      cursor: 'c1',
      limit: '25',
    });
  });

  it('reads one user', async () => {
    const server = fakeServer({ [`GET /api/admin/users/${ID}`]: () => json(200, sampleDetail()) });
    expect((await getUser(ID)).sessions).toHaveLength(1);
    expect(server.calls()[0].path).toBe(`/api/admin/users/${ID}`);
  });

  it('changes send the CSRF token: disable, enable, sign out everywhere, delete data', async () => {
    const server = fakeServer({
      [`POST /api/admin/users/${ID}/disable`]: () =>
        json(200, sampleUser(7, { disabled_at: '2026-11-29T10:00:00Z' })),
      [`POST /api/admin/users/${ID}/enable`]: () => json(200, sampleUser(7)),
      [`DELETE /api/admin/users/${ID}/sessions`]: noContent,
      [`DELETE /api/admin/users/${ID}/data`]: noContent,
    });
    expect((await disableUser(ID)).disabled_at).toBe('2026-11-29T10:00:00Z');
    expect((await enableUser(ID)).disabled_at).toBeNull();
    await endSessions(ID);
    await deleteUserData(ID);
    expect(server.calls().map((r) => `${r.method} ${r.path} ${r.csrf}`)).toEqual([
      `POST /api/admin/users/${ID}/disable tok`,
      `POST /api/admin/users/${ID}/enable tok`,
      `DELETE /api/admin/users/${ID}/sessions tok`,
      `DELETE /api/admin/users/${ID}/data tok`,
    ]);
  });

  it('PUT quota: nulls for defaults; the answer is used when it is a quota', async () => {
    let answer: unknown = { daily_tokens: 5000, concurrent_streams: null };
    const server = fakeServer({
      [`PUT /api/admin/users/${ID}/quota`]: () => json(200, answer),
    });
    expect(await setQuota(ID, { daily_tokens: 4000, concurrent_streams: null })).toEqual({
      daily_tokens: 5000,
      concurrent_streams: null,
    });
    expect(server.calls()[0].body).toEqual({ daily_tokens: 4000, concurrent_streams: null });
    answer = { ok: true };
    expect(await setQuota(ID, { daily_tokens: 1, concurrent_streams: 2 })).toEqual({
      daily_tokens: 1,
      concurrent_streams: 2,
    });
  });

  it('usage: from, to, group_by; CSV is the same query with format=csv', async () => {
    const server = fakeServer({
      'GET /api/admin/usage': () =>
        json(200, {
          rows: [{ key: 'gpt-4o', prompt_tokens: 1, completion_tokens: 2, messages: 3 }],
        }),
    });
    const q = { from: '2026-11-01', to: '2026-11-30', group_by: 'model' as const };
    expect((await getUsage(q))[0].key).toBe('gpt-4o');
    expect(server.calls()[0].params.toString()).toBe(
      'from=2026-11-01&to=2026-11-30&group_by=model',
    );
    expect(usagePath(q, 'csv')).toBe(
      '/api/admin/usage?from=2026-11-01&to=2026-11-30&group_by=model&format=csv',
    );
  });

  it('audit: cursor and filters', async () => {
    const server = fakeServer({
      'GET /api/admin/audit': () => json(200, { items: [], next_cursor: null }),
    });
    await listAudit({ type: 'admin.read_user', actor: ID, from: '2026-11-01' }, 'c9');
    expect(Object.fromEntries(server.calls()[0].params)).toEqual({
      cursor: 'c9',
      type: 'admin.read_user',
      actor: ID,
      from: '2026-11-01',
    });
  });

  it('a 403 from the server is an ApiError with its code', async () => {
    fakeServer({
      'GET /api/admin/users': () => apiError(403, 'forbidden', 'Administrators only'),
    });
    const e = (await listUsers({}, null).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(403);
    expect(e.code).toBe('forbidden');
  });
});
