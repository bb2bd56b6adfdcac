// The JSON API of DESIGN.md ("Conversations", "/api/auth/*"), with the CSRF
// token on every unsafe call and one error type for everything it can say.
import { readSse, type SseEvent } from './sse';

export interface User {
  id: string;
  name: string;
  email: string;
  image?: string;
  roles: string[];
}
// PARLEY_ADMIN_ROLE's default, named in help text; whether this user is an
// administrator comes from GET /api/me (the server knows the configured
// role). The admin API decides on its own, whatever the UI shows.
export const ADMIN_ROLE = 'Parley.Admin';
export interface Me {
  id: string;
  admin: boolean;
  admin_role: string;
}

export interface Session {
  user: User;
  expires: string;
}
export interface ConversationItem {
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
  // The PARLEY_MODELS name its answers go to; null: the default model.
  model?: string | null;
}
// GET /api/models: the models a conversation may choose, the default first.
export interface ModelList {
  items: { id: string }[];
  default: string | null;
}
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}
export type MessageStatus = 'streaming' | 'complete' | 'stopped' | 'failed' | 'filtered';
export interface Message {
  id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  status: MessageStatus;
  model: string | null;
  usage: Usage | null;
  created_at: string;
}
export interface Conversation extends ConversationItem {
  messages: Message[];
}
export interface Page {
  items: ConversationItem[];
  next_cursor: string | null;
}

// kind: what the UI shows. `network` = no answer at all (fetch threw).
export type ErrorKind =
  | 'unauthorized'
  | 'busy'
  | 'quota'
  | 'conflict'
  | 'not_found'
  | 'too_large'
  | 'filtered'
  | 'network'
  | 'failed';

// When the server said to try again (Retry-After): in `seconds` from when
// the answer arrived, i.e. at `at` (epoch milliseconds).
export interface RetryAfter {
  seconds: number;
  at: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retry: RetryAfter | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get kind(): ErrorKind {
    return classify(this.status, this.code);
  }
}

// Any failure of a call as an ApiError. Whatever else a call can throw (a
// body that is not the JSON it should be, a dropped stream) means no usable
// answer arrived: kind `network`, so the UI offers Retry.
export function toApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'network', String(e));
}

export function classify(status: number, code: string): ErrorKind {
  // A disabled account (403 account_disabled) goes through sign-in too: the
  // sign-in page then says the access was disabled and whom to contact.
  if (status === 401 || code === 'account_disabled') return 'unauthorized';
  if (code === 'quota_exceeded') return 'quota';
  if (status === 429 || /rate|busy|too_many|429/i.test(code)) return 'busy';
  if (/filter/i.test(code)) return 'filtered';
  if (status === 409) return 'conflict';
  if (status === 404) return 'not_found';
  if (status === 413) return 'too_large';
  if (status === 0 || code === 'network') return 'network';
  return 'failed';
}

export const signInUrl = (callback: string) =>
  '/api/auth/signin/microsoft-entra-id?callbackUrl=' + encodeURIComponent(callback);

let csrfToken: string | null = null;

export async function getCsrfToken(refresh = false): Promise<string> {
  if (csrfToken && !refresh) return csrfToken;
  const r = await request('GET', '/api/auth/csrf');
  const body = (await r.json()) as { csrfToken: string };
  csrfToken = body.csrfToken;
  return csrfToken;
}

export function resetCsrfToken() {
  csrfToken = null;
}

// Retry-After is delay-seconds or an HTTP date (RFC 9110 10.2.3).
export function retryAfterFrom(header: string | null, now: number): RetryAfter | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return { seconds: Number(value), at: now + Number(value) * 1000 };
  const at = /^[A-Za-z]{3}, /.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) return null;
  return { seconds: Math.max(0, Math.round((at - now) / 1000)), at };
}

async function errorFrom(r: Response): Promise<ApiError> {
  let code = 'http_' + r.status;
  let message = r.statusText || 'Request failed';
  try {
    const body = (await r.json()) as { error?: { code?: string; message?: string } };
    if (body?.error?.code) code = body.error.code;
    if (body?.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(
    r.status,
    code,
    message,
    retryAfterFrom(r.headers.get('Retry-After'), Date.now()),
  );
}

async function request(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  accept = 'application/json',
): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const unsafe = method !== 'GET' && method !== 'HEAD';
  for (let attempt = 0; ; attempt++) {
    if (unsafe) headers['X-CSRF-Token'] = await getCsrfToken(attempt > 0);
    let r: Response;
    try {
      r = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'network', 'The network connection was lost.');
    }
    if (r.ok) return r;
    const err = await errorFrom(r);
    // A stale token (the session was renewed elsewhere): fetch a new one once.
    if (unsafe && r.status === 403 && err.code === 'csrf' && attempt === 0) continue;
    throw err;
  }
}

// The body of a successful call, as the contract describes it.
async function json<T>(response: Promise<Response>): Promise<T> {
  return (await (await response).json()) as T;
}

// For other modules' calls (the admin area): the same CSRF handling and errors.
export async function apiJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  return json(request(method, path, body));
}
export async function apiCall(method: string, path: string, body?: unknown): Promise<void> {
  await request(method, path, body);
}

export async function getSession(): Promise<Session | null> {
  return json(request('GET', '/api/auth/session'));
}

export async function getMe(): Promise<Me> {
  return json(request('GET', '/api/me'));
}

export async function listConversations(cursor?: string | null): Promise<Page> {
  const q = cursor ? '?cursor=' + encodeURIComponent(cursor) : '';
  return json(request('GET', '/api/conversations' + q));
}
export async function createConversation(
  title?: string,
  model?: string | null,
): Promise<ConversationItem> {
  const body: { title?: string; model?: string } = {};
  if (title) body.title = title;
  if (model) body.model = model;
  return json(request('POST', '/api/conversations', body));
}
export async function getConversation(id: string): Promise<Conversation> {
  return json(request('GET', '/api/conversations/' + encodeURIComponent(id)));
}
export async function renameConversation(id: string, title: string): Promise<ConversationItem> {
  return json(request('PATCH', '/api/conversations/' + encodeURIComponent(id), { title }));
}
// Chooses the model of the conversation's next answers (null: the default).
export async function setConversationModel(
  id: string,
  model: string | null,
): Promise<ConversationItem> {
  return json(request('PATCH', '/api/conversations/' + encodeURIComponent(id), { model }));
}
export async function listModels(): Promise<ModelList> {
  return json(request('GET', '/api/models'));
}
export async function deleteConversation(id: string): Promise<void> {
  await request('DELETE', '/api/conversations/' + encodeURIComponent(id));
}
export async function stopAnswer(id: string): Promise<void> {
  await request('POST', '/api/conversations/' + encodeURIComponent(id) + '/stop', {});
}

// Stream events of POST .../messages and .../regenerate (DESIGN.md).
export type StreamEvent =
  | { type: 'start'; user_message_id: string; assistant_message_id: string }
  | { type: 'delta'; text: string }
  | { type: 'title'; title: string }
  | {
      type: 'done';
      message_id: string;
      status: MessageStatus;
      finish_reason: string | null;
      usage: Usage | null;
    }
  | { type: 'error'; code: string; message: string; message_id: string | null };

export function toStreamEvent(ev: SseEvent): StreamEvent | null {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(ev.data) as Record<string, unknown>;
  } catch {
    return null;
  }
  switch (ev.event) {
    case 'start':
    case 'delta':
    case 'title':
    case 'done':
    case 'error':
      return { type: ev.event, ...data } as StreamEvent;
    default:
      return null; // unknown events are ignored (forward compatible)
  }
}

// Sends (content given) or regenerates (content null); calls onEvent per
// event. Rejects with ApiError before streaming (plain JSON errors), with
// ApiError kind `network` when the stream breaks, or AbortError.
export async function streamAnswer(
  conversationId: string,
  content: string | null,
  onEvent: (ev: StreamEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const base = '/api/conversations/' + encodeURIComponent(conversationId);
  const r =
    content === null
      ? await request('POST', base + '/regenerate', {}, signal, 'text/event-stream')
      : await request('POST', base + '/messages', { content }, signal, 'text/event-stream');
  if (!r.body) throw new ApiError(0, 'network', 'The answer could not be read.');
  try {
    await readSse(r.body, (raw) => {
      const ev = toStreamEvent(raw);
      if (ev) onEvent(ev);
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The connection dropped while the answer was streaming.');
  }
}

// The caller's own conversations and messages (GET /api/me/export), as a
// file to save. Read through fetch rather than a plain link so that a
// failure is an ApiError like any other (a link would save the error body).
export interface Export {
  blob: Blob;
  filename: string;
}
export async function exportMyData(now = new Date()): Promise<Export> {
  const r = await request('GET', '/api/me/export');
  const blob = await r.blob();
  return { blob, filename: exportFilename(r.headers.get('Content-Disposition'), now) };
}

// The server's filename (Content-Disposition) if it gives a safe one, else
// parley-export-<UTC day>.json.
export function exportFilename(disposition: string | null, now: Date): string {
  const m = /filename="?([^";]+)"?/i.exec(disposition ?? '');
  const name = m?.[1].trim();
  if (name && /^[\w.-]+$/.test(name) && !name.startsWith('.')) return name;
  return `parley-export-${now.toISOString().slice(0, 10)}.json`;
}

// Sign-out is the CSRF-protected form POST (a top-level navigation, so the
// browser follows the redirect to Entra's end-session endpoint).
export async function signOut(): Promise<void> {
  const token = await getCsrfToken(true);
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = '/api/auth/signout';
  const input = document.createElement('input');
  input.type = 'hidden';
  input.name = 'csrfToken';
  input.value = token;
  form.appendChild(input);
  document.body.appendChild(form);
  form.submit();
}
