// The state of the open conversation and its transitions: pure, so the
// rules (what a stream event does, what each failure shows, what Retry
// does) are unit-tested without a browser.
import type { ApiError, Conversation, ErrorKind, Message, StreamEvent } from './api';
import { quotaText } from './failure';

export type Phase = 'idle' | 'loading' | 'sending' | 'streaming' | 'stopping';

export interface Notice {
  kind: ErrorKind | 'stopped';
  text: string;
  // What Retry does: resend the prompt (nothing was stored), regenerate the
  // answer (the server has the user message), reload the conversation.
  retry: 'resend' | 'regenerate' | 'reload' | null;
}

export interface ChatState {
  conversationId: string | null;
  title: string;
  // The model the next answer goes to (null: the default). A new chat keeps
  // the choice until its first message creates the conversation with it.
  model: string | null;
  messages: Message[];
  phase: Phase;
  notice: Notice | null;
  // The prompt being sent, kept until the server confirms it (for Retry).
  pendingPrompt: string | null;
  // Whether the current stream got its `start` (the user message is stored).
  started: boolean;
}

export const initialChat: ChatState = {
  conversationId: null,
  title: '',
  model: null,
  messages: [],
  phase: 'idle',
  notice: null,
  pendingPrompt: null,
  started: false,
};

export type ChatAction =
  | { type: 'open'; id: string | null }
  | { type: 'adopt'; id: string; title: string }
  | { type: 'loaded'; conversation: Conversation }
  | { type: 'load_failed'; error: ApiError }
  | { type: 'send'; content: string; now: string }
  | { type: 'regenerate' }
  | { type: 'stream'; event: StreamEvent; now: string }
  | { type: 'request_failed'; error: ApiError }
  | { type: 'stopping' }
  | { type: 'aborted' }
  | { type: 'dismiss' }
  | { type: 'renamed'; title: string }
  | { type: 'model'; model: string | null };

const TEMP_USER = 'pending-user';
const TEMP_ASSISTANT = 'pending-assistant';

export const isBusy = (s: ChatState) =>
  s.phase === 'sending' || s.phase === 'streaming' || s.phase === 'stopping';

function noticeFor(error: ApiError, started: boolean): Notice {
  const kind = error.kind;
  switch (kind) {
    case 'busy':
      return {
        kind,
        text: 'Parley is busy right now. Please try again in a moment.',
        retry: started ? 'regenerate' : 'resend',
      };
    case 'quota':
      // Nothing was stored: Retry resends the prompt once the limit allows.
      return { kind, text: quotaText(error.retry), retry: started ? 'regenerate' : 'resend' };
    case 'filtered':
      return { kind, text: 'The answer was blocked by the content filter.', retry: null };
    case 'network':
      return {
        kind,
        text: started
          ? 'The connection dropped while the answer was streaming.'
          : 'The network connection was lost. Check your connection and try again.',
        retry: started ? 'regenerate' : 'resend',
      };
    case 'conflict':
      return {
        kind,
        text: 'An answer is already being written in this conversation.',
        retry: 'reload',
      };
    case 'too_large':
      return { kind, text: 'That message is too long.', retry: null };
    case 'not_found':
      if (error.code === 'model_not_found')
        return { kind, text: 'That model is not available any more.', retry: null };
      return { kind, text: 'This conversation does not exist or was deleted.', retry: null };
    case 'unauthorized':
      return { kind, text: 'Your session has expired. Signing you in again…', retry: null };
    default:
      return {
        kind: 'failed',
        text: error.message || 'Something went wrong.',
        retry: started ? 'regenerate' : 'resend',
      };
  }
}

function updateAssistant(messages: Message[], f: (m: Message) => Message): Message[] {
  const i = messages.length - 1;
  if (i < 0 || messages[i].role !== 'assistant') return messages;
  const copy = messages.slice();
  copy[i] = f(messages[i]);
  return copy;
}

function placeholder(id: string, role: Message['role'], content: string, now: string): Message {
  return {
    id,
    role,
    content,
    status: role === 'assistant' ? 'streaming' : 'complete',
    model: null,
    usage: null,
    created_at: now,
  };
}

export function chatReducer(s: ChatState, a: ChatAction): ChatState {
  switch (a.type) {
    case 'open':
      if (a.id === s.conversationId && a.id !== null) return s;
      return { ...initialChat, conversationId: a.id, phase: a.id ? 'loading' : 'idle' };
    case 'adopt':
      // The conversation created for the first message: keep the state.
      return { ...s, conversationId: a.id, title: a.title };
    case 'loaded':
      if (a.conversation.id !== s.conversationId) return s;
      return {
        ...s,
        title: a.conversation.title,
        model: a.conversation.model ?? null,
        messages: a.conversation.messages,
        // A reload while the server still streams shows the partial answer.
        phase: 'idle',
        notice: null,
      };
    case 'load_failed':
      return { ...s, phase: 'idle', notice: noticeFor(a.error, false) };
    case 'send': {
      if (isBusy(s)) return s;
      // A failed attempt's leftovers are replaced by the new attempt.
      const messages = s.messages.filter((m) => m.id !== TEMP_USER && m.id !== TEMP_ASSISTANT);
      return {
        ...s,
        phase: 'sending',
        notice: null,
        pendingPrompt: a.content,
        started: false,
        messages: [...messages, placeholder(TEMP_USER, 'user', a.content, a.now)],
      };
    }
    case 'regenerate': {
      if (isBusy(s)) return s;
      let messages = s.messages.filter((m) => m.id !== TEMP_USER && m.id !== TEMP_ASSISTANT);
      const last = messages[messages.length - 1];
      if (last && last.role === 'assistant') messages = messages.slice(0, -1);
      return { ...s, phase: 'sending', notice: null, started: true, pendingPrompt: null, messages };
    }
    case 'stream':
      return onStream(s, a.event, a.now);
    case 'request_failed': {
      const notice = noticeFor(a.error, s.started);
      let messages = s.messages;
      if (!s.started) {
        // Nothing was stored: drop the optimistic user message; Retry resends it.
        messages = messages.filter((m) => m.id !== TEMP_USER);
      } else {
        messages = updateAssistant(messages, (m) =>
          m.status === 'streaming' ? { ...m, status: 'failed' } : m,
        );
      }
      return { ...s, phase: 'idle', notice, messages };
    }
    case 'stopping':
      return s.phase === 'streaming' || s.phase === 'sending' ? { ...s, phase: 'stopping' } : s;
    case 'aborted':
      // The client gave up waiting for the server's `done` after Stop.
      return {
        ...s,
        phase: 'idle',
        notice: {
          kind: 'stopped',
          text: 'Stopped. The partial answer is kept.',
          retry: 'regenerate',
        },
        messages: updateAssistant(s.messages, (m) =>
          m.status === 'streaming' ? { ...m, status: 'stopped' } : m,
        ),
      };
    case 'dismiss':
      return { ...s, notice: null };
    case 'renamed':
      return { ...s, title: a.title };
    case 'model':
      return { ...s, model: a.model };
  }
}

function onStream(s: ChatState, ev: StreamEvent, now: string): ChatState {
  switch (ev.type) {
    case 'start': {
      const messages = s.messages.map((m) =>
        m.id === TEMP_USER ? { ...m, id: ev.user_message_id } : m,
      );
      messages.push(placeholder(ev.assistant_message_id, 'assistant', '', now));
      return {
        ...s,
        phase: s.phase === 'stopping' ? 'stopping' : 'streaming',
        started: true,
        pendingPrompt: null,
        messages,
      };
    }
    case 'delta':
      return {
        ...s,
        messages: updateAssistant(s.messages, (m) => ({ ...m, content: m.content + ev.text })),
      };
    case 'title':
      return { ...s, title: ev.title };
    case 'done': {
      const messages = updateAssistant(s.messages, (m) => ({
        ...m,
        id: ev.message_id || m.id,
        status: ev.status,
        usage: ev.usage ?? m.usage,
      }));
      let notice: Notice | null = null;
      if (ev.status === 'stopped')
        notice = {
          kind: 'stopped',
          text: 'Stopped. The partial answer is kept.',
          retry: 'regenerate',
        };
      if (ev.status === 'filtered')
        notice = {
          kind: 'filtered',
          text: 'The answer was stopped by the content filter.',
          retry: null,
        };
      return { ...s, phase: 'idle', messages, notice };
    }
    case 'error': {
      const messages = updateAssistant(s.messages, (m) => ({
        ...m,
        id: ev.message_id || m.id,
        status: 'failed',
      }));
      const kind = /filter/i.test(ev.code)
        ? 'filtered'
        : /rate|busy|429/i.test(ev.code)
          ? 'busy'
          : 'failed';
      const text =
        kind === 'filtered'
          ? 'The answer was blocked by the content filter.'
          : kind === 'busy'
            ? 'The model is busy right now. Please try again in a moment.'
            : ev.message || 'The answer failed.';
      return {
        ...s,
        phase: 'idle',
        messages,
        notice: { kind, text, retry: kind === 'filtered' ? null : 'regenerate' },
      };
    }
  }
}

// What Retry does for the current notice.
export function retryAction(
  s: ChatState,
): { type: 'resend'; content: string } | { type: 'regenerate' } | { type: 'reload' } | null {
  if (!s.notice?.retry) return null;
  if (s.notice.retry === 'resend')
    return s.pendingPrompt ? { type: 'resend', content: s.pendingPrompt } : null;
  return { type: s.notice.retry };
}

// Whether "Regenerate" is offered: the last message is a finished assistant answer.
export function canRegenerate(s: ChatState): boolean {
  if (isBusy(s) || s.phase === 'loading') return false;
  const last = s.messages[s.messages.length - 1];
  return !!last && last.role === 'assistant' && last.status !== 'streaming';
}
