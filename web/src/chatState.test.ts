import { describe, expect, it } from 'vitest';
import { ApiError, type Conversation, type StreamEvent } from './api';
import {
  canRegenerate,
  chatReducer,
  initialChat,
  isBusy,
  retryAction,
  type ChatAction,
  type ChatState,
} from './chatState';

const now = '2026-11-29T10:00:00.000Z';
const run = (s: ChatState, ...actions: ChatAction[]) => actions.reduce(chatReducer, s);
const ev = (event: StreamEvent): ChatAction => ({ type: 'stream', event, now });
const start = ev({ type: 'start', user_message_id: 'u1', assistant_message_id: 'a1' });
const delta = (text: string) => ev({ type: 'delta', text });

const conversation: Conversation = {
  id: 'c1',
  title: 'Hello',
  created_at: now,
  updated_at: now,
  messages: [
    {
      id: 'u0',
      role: 'user',
      content: 'hi',
      status: 'complete',
      model: null,
      usage: null,
      created_at: now,
    },
    {
      id: 'a0',
      role: 'assistant',
      content: 'hello',
      status: 'complete',
      model: 'm',
      usage: null,
      created_at: now,
    },
  ],
};
const opened = run(initialChat, { type: 'open', id: 'c1' }, { type: 'loaded', conversation });

describe('chatReducer', () => {
  it('open -> loading -> loaded shows the history', () => {
    const s = run(initialChat, { type: 'open', id: 'c1' });
    expect(s.phase).toBe('loading');
    expect(chatReducer(s, { type: 'loaded', conversation }).messages).toHaveLength(2);
  });

  it("remembers the conversation's model; a new chat starts with the default", () => {
    expect(opened.model).toBeNull();
    const small = run(
      initialChat,
      { type: 'open', id: 'c1' },
      {
        type: 'loaded',
        conversation: { ...conversation, model: 'small' },
      },
    );
    expect(small.model).toBe('small');
    expect(run(small, { type: 'model', model: null }).model).toBeNull();
    expect(run(small, { type: 'open', id: null }).model).toBeNull();
    // Picked in a new chat, kept when its first message creates the conversation.
    const picked = run(initialChat, { type: 'model', model: 'small' });
    expect(run(picked, { type: 'adopt', id: 'n1', title: 'New chat' }).model).toBe('small');
  });

  it('a model no longer offered is said so, not "deleted"', () => {
    const s = run(opened, {
      type: 'request_failed',
      error: new ApiError(404, 'model_not_found', 'The model does not exist'),
    });
    expect(s.notice).toMatchObject({ text: 'That model is not available any more.', retry: null });
  });

  it('ignores a late load of another conversation', () => {
    const s = run(initialChat, { type: 'open', id: 'c2' }, { type: 'loaded', conversation });
    expect(s.messages).toHaveLength(0);
  });

  it('send -> start -> deltas -> done builds the answer token by token', () => {
    let s = run(opened, { type: 'send', content: 'question', now });
    expect(s.phase).toBe('sending');
    expect(isBusy(s)).toBe(true);
    expect(s.messages.at(-1)).toMatchObject({ role: 'user', content: 'question' });
    s = run(s, start, delta('Hel'));
    expect(s.phase).toBe('streaming');
    expect(s.messages.at(-2)!.id).toBe('u1');
    expect(s.messages.at(-1)).toMatchObject({ id: 'a1', content: 'Hel', status: 'streaming' });
    s = run(
      s,
      delta('lo'),
      ev({
        type: 'done',
        message_id: 'a1',
        status: 'complete',
        finish_reason: 'stop',
        usage: { prompt_tokens: 1, completion_tokens: 2 },
      }),
    );
    expect(s.phase).toBe('idle');
    expect(s.messages.at(-1)).toMatchObject({
      content: 'Hello',
      status: 'complete',
      usage: { prompt_tokens: 1, completion_tokens: 2 },
    });
    expect(s.notice).toBeNull();
  });

  it('a second send while busy is ignored', () => {
    const s = run(
      opened,
      { type: 'send', content: 'one', now },
      { type: 'send', content: 'two', now },
    );
    expect(s.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      'hi',
      'one',
    ]);
  });

  it('title event renames the conversation', () => {
    expect(
      run(
        opened,
        { type: 'send', content: 'q', now },
        start,
        ev({ type: 'title', title: 'New title' }),
      ).title,
    ).toBe('New title');
  });

  it('stopped keeps the partial answer and offers regenerate', () => {
    const s = run(
      opened,
      { type: 'send', content: 'q', now },
      start,
      delta('partial'),
      { type: 'stopping' },
      ev({ type: 'done', message_id: 'a1', status: 'stopped', finish_reason: null, usage: null }),
    );
    expect(s.messages.at(-1)).toMatchObject({ content: 'partial', status: 'stopped' });
    expect(s.notice?.kind).toBe('stopped');
    expect(retryAction(s)).toEqual({ type: 'regenerate' });
  });

  it('client-side abort after Stop keeps the partial answer as stopped', () => {
    const s = run(
      opened,
      { type: 'send', content: 'q', now },
      start,
      delta('part'),
      { type: 'stopping' },
      { type: 'aborted' },
    );
    expect(s.phase).toBe('idle');
    expect(s.messages.at(-1)).toMatchObject({ content: 'part', status: 'stopped' });
  });

  it('filtered answer: no retry', () => {
    const s = run(
      opened,
      { type: 'send', content: 'q', now },
      start,
      ev({
        type: 'done',
        message_id: 'a1',
        status: 'filtered',
        finish_reason: 'content_filter',
        usage: null,
      }),
    );
    expect(s.notice?.kind).toBe('filtered');
    expect(retryAction(s)).toBeNull();
  });

  it('error event marks the answer failed, keeps partial text, Retry regenerates', () => {
    const s = run(
      opened,
      { type: 'send', content: 'q', now },
      start,
      delta('par'),
      ev({ type: 'error', code: 'upstream_error', message: 'The model failed', message_id: 'a1' }),
    );
    expect(s.messages.at(-1)).toMatchObject({ content: 'par', status: 'failed' });
    expect(s.notice).toMatchObject({ kind: 'failed', text: 'The model failed' });
    expect(retryAction(s)).toEqual({ type: 'regenerate' });
  });

  it('error event with a rate-limit code is shown as busy', () => {
    const s = run(
      opened,
      { type: 'send', content: 'q', now },
      start,
      ev({ type: 'error', code: 'llm.rate_limited', message: 'x', message_id: 'a1' }),
    );
    expect(s.notice?.kind).toBe('busy');
  });

  it('429 before streaming: busy, the prompt is not shown as sent, Retry resends it', () => {
    const s = run(
      opened,
      { type: 'send', content: 'q', now },
      { type: 'request_failed', error: new ApiError(429, 'busy', 'Busy') },
    );
    expect(s.notice?.kind).toBe('busy');
    expect(s.messages).toHaveLength(2);
    expect(retryAction(s)).toEqual({ type: 'resend', content: 'q' });
  });

  it('429 quota_exceeded: says when the daily limit resets, Retry resends the prompt', () => {
    // Retry-After: seconds to the next UTC midnight.
    const received = Date.parse('2026-11-29T22:30:00Z');
    const error = new ApiError(429, 'quota_exceeded', 'Daily token budget used up', {
      seconds: 5400,
      at: received + 5400 * 1000,
    });
    const s = run(opened, { type: 'send', content: 'q', now }, { type: 'request_failed', error });
    expect(s.notice?.kind).toBe('quota');
    expect(s.notice?.text).toMatch(/^You have reached your daily usage limit\./);
    expect(s.notice?.text).toContain('(midnight UTC)');
    expect(s.messages).toHaveLength(2);
    expect(retryAction(s)).toEqual({ type: 'resend', content: 'q' });
  });

  it('network drop mid-stream: partial kept, answer failed, Retry regenerates', () => {
    const s = run(opened, { type: 'send', content: 'q', now }, start, delta('abc'), {
      type: 'request_failed',
      error: new ApiError(0, 'network', 'dropped'),
    });
    expect(s.notice?.kind).toBe('network');
    expect(s.messages.at(-1)).toMatchObject({ content: 'abc', status: 'failed' });
    expect(retryAction(s)).toEqual({ type: 'regenerate' });
  });

  it('409 while another answer streams: Retry reloads', () => {
    const s = run(
      opened,
      { type: 'send', content: 'q', now },
      { type: 'request_failed', error: new ApiError(409, 'conflict', 'busy') },
    );
    expect(s.notice?.kind).toBe('conflict');
    expect(retryAction(s)).toEqual({ type: 'reload' });
  });

  it('regenerate replaces the last answer', () => {
    expect(canRegenerate(opened)).toBe(true);
    let s = run(opened, { type: 'regenerate' });
    expect(s.messages.map((m) => m.id)).toEqual(['u0']);
    s = run(
      s,
      ev({ type: 'start', user_message_id: 'u0', assistant_message_id: 'a2' }),
      delta('again'),
    );
    expect(s.messages.map((m) => m.id)).toEqual(['u0', 'a2']);
    expect(canRegenerate(s)).toBe(false);
  });

  it('a new send after a failed one replaces the leftover optimistic message', () => {
    const failed = run(
      opened,
      { type: 'send', content: 'q', now },
      { type: 'request_failed', error: new ApiError(0, 'network', 'x') },
    );
    const s = run(failed, { type: 'send', content: 'q', now });
    expect(s.messages.filter((m) => m.content === 'q')).toHaveLength(1);
  });

  it('adopting a created conversation keeps the optimistic message', () => {
    const s = run(
      initialChat,
      { type: 'send', content: 'first', now },
      { type: 'adopt', id: 'new', title: '' },
      { type: 'open', id: 'new' },
    );
    expect(s.conversationId).toBe('new');
    expect(s.messages).toHaveLength(1);
    expect(s.phase).toBe('sending');
  });
});
