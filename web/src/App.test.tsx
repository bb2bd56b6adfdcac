// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { resetCsrfToken } from './api';
import { forgetModels } from './ModelPicker';
import { loadMarkdown } from './markdownLoader';
import { press, typeInto } from './testing';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const session = {
  user: { id: 'u-1', name: 'Ada Lovelace', email: 'ada@example.com', roles: [] },
  expires: '2026-12-01T00:00:00.000Z',
};
const now = '2026-11-29T10:00:00.000Z';

// A scripted server: the stream is fed by the test, frame by frame.
let feed: ReadableStreamDefaultController<Uint8Array> | null = null;
const enc = new TextEncoder();
const frame = (event: string, data: unknown) =>
  feed!.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
const requests: Array<{ method: string; url: string; body?: string }> = [];
// Set by a test: posting a message is refused over the daily quota.
let overQuota = false;

function server(url: string, init: RequestInit = {}): Response {
  const method = init.method ?? 'GET';
  requests.push({ method, url, body: init.body as string | undefined });
  if (url === '/api/auth/session') return json(200, session);
  if (url === '/api/auth/csrf') return json(200, { csrfToken: 'tok' });
  if (url === '/api/conversations' && method === 'GET')
    return json(200, {
      items: [{ id: 'old', title: 'Older chat', created_at: now, updated_at: now }],
      next_cursor: null,
    });
  if (url === '/api/models')
    return json(200, { items: [{ id: 'gpt-4o' }, { id: 'small' }], default: 'gpt-4o' });
  if (url === '/api/conversations' && method === 'POST') {
    const { model } = JSON.parse((init.body as string) || '{}') as { model?: string };
    return json(201, { id: 'new1', title: '', created_at: now, updated_at: now, model });
  }
  if (url === '/api/conversations/new1' && method === 'PATCH') {
    const { model } = JSON.parse(init.body as string) as { model: string | null };
    return json(200, { id: 'new1', title: 'Arithmetic', created_at: now, updated_at: now, model });
  }
  if (url === '/api/conversations/new1/messages' && overQuota)
    return new Response(
      JSON.stringify({ error: { code: 'quota_exceeded', message: 'Daily token budget used' } }),
      { status: 429, headers: { 'Content-Type': 'application/json', 'Retry-After': '7200' } },
    );
  if (url === '/api/conversations/new1/messages') {
    return new Response(new ReadableStream<Uint8Array>({ start: (c) => void (feed = c) }), {
      status: 200,
      headers: { 'Content-Type': 'text/event-stream' },
    });
  }
  if (url === '/api/conversations/new1/stop') return new Response(null, { status: 202 });
  return json(404, { error: { code: 'not_found', message: 'nope' } });
}

let root: Root;
let container: HTMLDivElement;

async function flush() {
  for (let i = 0; i < 5; i++) await act(async () => await new Promise((r) => setTimeout(r, 0)));
}

beforeEach(async () => {
  forgetModels();
  requests.length = 0;
  feed = null;
  overQuota = false;
  history.replaceState(null, '', '/');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => server(url, init)),
  );
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
  await act(async () => root.render(<App />));
  await flush();
});

afterEach(async () => {
  await act(async () => root.unmount());
  container.remove();
  vi.unstubAllGlobals();
  resetCsrfToken();
});

function typeAndEnter(text: string) {
  const ta = container.querySelector<HTMLTextAreaElement>('#composer-input')!;
  typeInto(ta, text);
  press(ta, 'Enter');
}

describe('App', () => {
  it('shows the signed-in user and the conversation list', () => {
    expect(container.querySelector('.avatar')!.textContent).toContain('Account: Ada Lovelace');
    expect(container.querySelector('[data-testid="conversation-list"]')!.textContent).toContain(
      'Older chat',
    );
  });

  it('Shift+Enter does not send', () => {
    const ta = container.querySelector<HTMLTextAreaElement>('#composer-input')!;
    act(() => {
      ta.dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true }),
      );
    });
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('Enter creates a conversation, moves to /c/<id> and streams the answer in', async () => {
    typeAndEnter('What is 2+2?');
    await flush();
    expect(location.pathname).toBe('/c/new1');
    const post = requests.find((r) => r.url === '/api/conversations/new1/messages')!;
    expect(JSON.parse(post.body!)).toEqual({ content: 'What is 2+2?' });
    // While streaming: Stop is offered and the composer is read-only.
    expect(container.querySelector('button.stop')).not.toBeNull();
    expect(container.querySelector<HTMLTextAreaElement>('#composer-input')!.readOnly).toBe(true);

    await act(async () => frame('start', { user_message_id: 'u1', assistant_message_id: 'a1' }));
    await act(async () => frame('delta', { text: 'It is ' }));
    await flush();
    const answer = () => container.querySelector('[data-testid="message-assistant"]')!;
    expect(answer().textContent).toContain('It is');
    expect(answer().getAttribute('aria-busy')).toBe('true');
    await act(async () => frame('delta', { text: '**4**.' }));
    await act(async () => frame('title', { title: 'Arithmetic' }));
    await act(async () =>
      frame('done', { message_id: 'a1', status: 'complete', finish_reason: 'stop', usage: null }),
    );
    await act(async () => feed!.close());
    // The markdown chunk loads on its own schedule (a dynamic import that
    // Vitest transforms on first use): wait for it rather than for ticks.
    await act(async () => void (await loadMarkdown()));
    await flush();
    expect(answer().querySelector('strong')!.textContent).toBe('4');
    expect(answer().getAttribute('data-status')).toBe('complete');
    expect(container.querySelector('[data-testid="conversation-list"]')!.textContent).toContain(
      'Arithmetic',
    );
    expect(container.querySelector('button.stop')).toBeNull();
    expect(container.textContent).toContain('Regenerate');
  });

  it('Stop posts /stop and keeps the partial answer', async () => {
    typeAndEnter('Long story');
    await flush();
    await act(async () => frame('start', { user_message_id: 'u1', assistant_message_id: 'a1' }));
    await act(async () => frame('delta', { text: 'Once upon' }));
    await flush();
    act(() => container.querySelector<HTMLButtonElement>('button.stop')!.click());
    await flush();
    expect(
      requests.some((r) => r.url === '/api/conversations/new1/stop' && r.method === 'POST'),
    ).toBe(true);
    await act(async () =>
      frame('done', { message_id: 'a1', status: 'stopped', finish_reason: null, usage: null }),
    );
    await act(async () => feed!.close());
    await flush();
    const answer = container.querySelector('[data-testid="message-assistant"]')!;
    expect(answer.getAttribute('data-status')).toBe('stopped');
    expect(answer.textContent).toContain('Once upon');
    expect(container.querySelector('[data-testid="notice"]')!.getAttribute('data-kind')).toBe(
      'stopped',
    );
  });

  it('a post over the daily quota says when the limit resets and offers Retry', async () => {
    overQuota = true;
    typeAndEnter('One more question');
    await flush();
    const notice = container.querySelector('[data-testid="notice"]')!;
    expect(notice.getAttribute('role')).toBe('alert');
    expect(notice.getAttribute('data-kind')).toBe('quota');
    const reset = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
    // Retry-After 7200: two hours from now, in the reader's own time.
    const low = reset.format(Date.now() + 7200_000 - 60_000);
    const high = reset.format(Date.now() + 7200_000);
    expect(notice.textContent).toMatch(/You have reached your daily usage limit\./);
    expect([low, high].some((t) => notice.textContent.includes(t))).toBe(true);
    expect(notice.textContent).toContain('Retry');
    // Nothing was stored: the prompt is not shown as sent.
    expect(container.querySelector('[data-testid="message-user"]')).toBeNull();
  });
  it('a new chat is created with the model picked for it, then PATCHes a new choice', async () => {
    const select = container.querySelector<HTMLSelectElement>('select#model-picker')!;
    expect(select.value).toBe('gpt-4o');
    act(() => {
      select.value = 'small';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(requests.some((r) => r.method === 'PATCH')).toBe(false);
    typeAndEnter('Hi');
    await flush();
    const created = requests.find((r) => r.url === '/api/conversations' && r.method === 'POST')!;
    expect(JSON.parse(created.body!)).toEqual({ model: 'small' });
    expect(container.querySelector<HTMLSelectElement>('#model-picker')!.disabled).toBe(true);
    await act(async () => frame('start', { user_message_id: 'u1', assistant_message_id: 'a1' }));
    await act(async () =>
      frame('done', { message_id: 'a1', status: 'complete', finish_reason: 'stop', usage: null }),
    );
    await act(async () => feed!.close());
    await flush();
    const picker = container.querySelector<HTMLSelectElement>('#model-picker')!;
    expect(picker.value).toBe('small');
    act(() => {
      picker.value = 'gpt-4o';
      picker.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await flush();
    const patch = requests.find((r) => r.method === 'PATCH')!;
    expect(patch.url).toBe('/api/conversations/new1');
    expect(JSON.parse(patch.body!)).toEqual({ model: 'gpt-4o' });
    expect(container.querySelector<HTMLSelectElement>('#model-picker')!.value).toBe('gpt-4o');
  });
});
