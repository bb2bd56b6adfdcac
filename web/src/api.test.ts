import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  classify,
  resetCsrfToken,
  retryAfterFrom,
  streamAnswer,
  toApiError,
  type StreamEvent,
} from './api';

function sseResponse(frames: string[], opts: { cut?: boolean } = {}): Response {
  const enc = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < frames.length) c.enqueue(enc.encode(frames[i++]));
      else if (opts.cut) c.error(new TypeError('network error'));
      else c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

afterEach(() => {
  vi.unstubAllGlobals();
  resetCsrfToken();
});

describe('streamAnswer', () => {
  it('POSTs the message with the CSRF token and yields typed events in order', async () => {
    const calls: Array<[string, RequestInit]> = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push([url, init]);
        if (url === '/api/auth/csrf') return json(200, { csrfToken: 'tok' });
        return sseResponse([
          'event: start\ndata: {"user_message_id":"u","assistant_message_id":"a"}\n\n',
          'event: delta\ndata: {"text":"Hel"}\n\nevent: del',
          'ta\ndata: {"text":"lo"}\n\n',
          'event: title\ndata: {"title":"Greeting"}\n\n',
          'event: done\ndata: {"message_id":"a","status":"complete","finish_reason":"stop","usage":null}\n\n',
        ]);
      }),
    );
    const events: StreamEvent[] = [];
    await streamAnswer('c 1', 'hi', (e) => events.push(e));
    expect(events.map((e) => e.type)).toEqual(['start', 'delta', 'delta', 'title', 'done']);
    expect(
      events
        .filter((e) => e.type === 'delta')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe('Hello');
    const [url, init] = calls[1];
    expect(url).toBe('/api/conversations/c%201/messages');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok');
    expect(JSON.parse(init.body as string)).toEqual({ content: 'hi' });
  });

  it('regenerate posts to /regenerate', async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        urls.push(url);
        return url === '/api/auth/csrf' ? json(200, { csrfToken: 't' }) : sseResponse([]);
      }),
    );
    await streamAnswer('c', null, () => {});
    expect(urls.at(-1)).toBe('/api/conversations/c/regenerate');
  });

  it('a JSON error before streaming rejects with its status and code', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url === '/api/auth/csrf'
          ? json(200, { csrfToken: 't' })
          : json(429, { error: { code: 'rate_limited', message: 'Slow down' } }),
      ),
    );
    const err = await streamAnswer('c', 'x', () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('busy');
    expect((err as ApiError).message).toBe('Slow down');
  });

  it('a stale CSRF token is refreshed once', async () => {
    let n = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (url === '/api/auth/csrf') return json(200, { csrfToken: 'tok' + n++ });
        return n === 1 ? json(403, { error: { code: 'csrf', message: 'no' } }) : sseResponse([]);
      }),
    );
    await expect(streamAnswer('c', 'x', () => {})).resolves.toBeUndefined();
    expect(n).toBe(2);
  });

  it('a stream cut mid-way rejects as a network error after the partial events', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url === '/api/auth/csrf'
          ? json(200, { csrfToken: 't' })
          : sseResponse(
              [
                'event: start\ndata: {"user_message_id":"u","assistant_message_id":"a"}\n\nevent: delta\ndata: {"text":"x"}\n\n',
              ],
              { cut: true },
            ),
      ),
    );
    const events: StreamEvent[] = [];
    const err = await streamAnswer('c', 'x', (e) => events.push(e)).catch((e: unknown) => e);
    expect((err as ApiError).kind).toBe('network');
    expect(events).toHaveLength(2);
  });

  it('fetch failing outright is a network error', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    const err = await streamAnswer('c', 'x', () => {}).catch((e: unknown) => e);
    expect((err as ApiError).kind).toBe('network');
  });
});

describe('classify', () => {
  it.each([
    [401, 'unauthorized', 'unauthorized'],
    [403, 'account_disabled', 'unauthorized'],
    [403, 'forbidden', 'failed'],
    [429, 'anything', 'busy'],
    [429, 'quota_exceeded', 'quota'],
    [400, 'content_filter', 'filtered'],
    [409, 'conflict', 'conflict'],
    [404, 'not_found', 'not_found'],
    [413, 'too_large', 'too_large'],
    [0, 'network', 'network'],
    [500, 'internal', 'failed'],
  ])('%i %s -> %s', (status, code, kind) => expect(classify(status, code)).toBe(kind));
});

describe('quota_exceeded', () => {
  it('a 429 before streaming carries Retry-After as the time to try again', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url === '/api/auth/csrf'
          ? json(200, { csrfToken: 't' })
          : new Response(
              JSON.stringify({ error: { code: 'quota_exceeded', message: 'Daily budget used' } }),
              {
                status: 429,
                headers: { 'Content-Type': 'application/json', 'Retry-After': '3600' },
              },
            ),
      ),
    );
    const before = Date.now();
    const err = (await streamAnswer('c', 'x', () => {}).catch((e: unknown) => e)) as ApiError;
    expect(err.kind).toBe('quota');
    expect(err.retry?.seconds).toBe(3600);
    expect(err.retry!.at).toBeGreaterThanOrEqual(before + 3600_000);
    expect(err.retry!.at).toBeLessThanOrEqual(Date.now() + 3600_000);
  });

  it('Retry-After as seconds or an HTTP date; anything else is ignored', () => {
    const now = Date.parse('2026-11-29T23:00:00Z');
    expect(retryAfterFrom('120', now)).toEqual({ seconds: 120, at: now + 120_000 });
    expect(retryAfterFrom('Mon, 30 Nov 2026 00:00:00 GMT', now)).toEqual({
      seconds: 3600,
      at: Date.parse('2026-11-30T00:00:00Z'),
    });
    expect(retryAfterFrom(null, now)).toBeNull();
    expect(retryAfterFrom('soon', now)).toBeNull();
    expect(retryAfterFrom('-5', now)).toBeNull();
  });
});

describe('toApiError', () => {
  it('keeps an ApiError as it is', () => {
    const e = new ApiError(413, 'too_large', 'Too long');
    expect(toApiError(e)).toBe(e);
  });

  it.each([
    ['a TypeError', new TypeError('Failed to fetch')],
    ['a body that is not JSON', new SyntaxError('Unexpected token <')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('%s becomes a network error with status 0', (_name, thrown) => {
    const e = toApiError(thrown);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(0);
    expect(e.code).toBe('network');
    expect(e.kind).toBe('network');
    expect(e.message).toBe(String(thrown));
  });
});
