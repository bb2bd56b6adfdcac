import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import {
  ApiError,
  createConversation,
  getConversation,
  stopAnswer,
  streamAnswer,
  type ConversationItem,
  type Message,
} from './api';
import { handleFailure } from './failure';
import {
  canRegenerate,
  chatReducer,
  initialChat,
  isBusy,
  retryAction,
  type ChatState,
} from './chatState';
import { useMarkdown } from './markdownLoader';

interface Props {
  conversationId: string | null;
  onCreated: (item: ConversationItem) => void;
  onTouched: (id: string, title?: string) => void;
  onRemoved: (id: string) => void;
}

const STOP_GRACE_MS = 5000;

export function Chat({ conversationId, onCreated, onTouched }: Props) {
  const [state, dispatch] = useReducer(chatReducer, initialChat);
  // The callbacks read the latest committed state without being re-created on
  // every change (and `send` updates it early with the adopted id).
  const stateRef = useRef<ChatState>(state);
  useLayoutEffect(() => {
    stateRef.current = state;
  });
  const abortRef = useRef<AbortController | null>(null);
  const stopRequested = useRef(false);
  const [announcement, setAnnouncement] = useState('');

  // Open the conversation in the URL (unless it is the one being created).
  useEffect(() => {
    if (conversationId !== null && conversationId === stateRef.current.conversationId) return;
    abortRef.current?.abort();
    dispatch({ type: 'open', id: conversationId });
    if (!conversationId) return;
    let cancelled = false;
    getConversation(conversationId)
      .then((c) => !cancelled && dispatch({ type: 'loaded', conversation: c }))
      .catch((e: unknown) => {
        if (!cancelled) handleFailure(e, (error) => dispatch({ type: 'load_failed', error }));
      });
    return () => {
      cancelled = true;
    };
  }, [conversationId]);

  useEffect(() => () => abortRef.current?.abort(), []);

  const run = useCallback(
    async (id: string, content: string | null) => {
      const controller = new AbortController();
      abortRef.current = controller;
      stopRequested.current = false;
      let terminal = false;
      try {
        await streamAnswer(
          id,
          content,
          (event) => {
            dispatch({ type: 'stream', event, now: new Date().toISOString() });
            if (event.type === 'start' && stopRequested.current)
              void stopAnswer(id).catch(() => {});
            if (event.type === 'title') onTouched(id, event.title);
            if (event.type === 'done') {
              terminal = true;
              setAnnouncement(
                event.status === 'complete' ? 'Answer complete' : 'Answer ' + event.status,
              );
            }
            if (event.type === 'error') {
              terminal = true;
              setAnnouncement('The answer failed');
            }
          },
          controller.signal,
        );
        if (!terminal)
          throw new ApiError(
            0,
            'network',
            'The connection dropped while the answer was streaming.',
          );
      } catch (e) {
        if ((e as Error).name === 'AbortError') {
          if (stopRequested.current) dispatch({ type: 'aborted' });
          return;
        }
        handleFailure(e, (error) => dispatch({ type: 'request_failed', error }));
      } finally {
        if (abortRef.current === controller) abortRef.current = null;
        onTouched(id);
      }
    },
    [onTouched],
  );

  const send = useCallback(
    async (content: string) => {
      const s = stateRef.current;
      if (isBusy(s) || !content.trim()) return;
      dispatch({ type: 'send', content, now: new Date().toISOString() });
      let id = s.conversationId;
      if (!id) {
        try {
          const item = await createConversation();
          id = item.id;
          dispatch({ type: 'adopt', id, title: item.title });
          stateRef.current = { ...stateRef.current, conversationId: id };
          onCreated(item);
        } catch (e) {
          handleFailure(e, (error) => dispatch({ type: 'request_failed', error }));
          return;
        }
      }
      await run(id, content);
    },
    [run, onCreated],
  );

  const regenerate = useCallback(async () => {
    const s = stateRef.current;
    if (!s.conversationId || isBusy(s)) return;
    dispatch({ type: 'regenerate' });
    await run(s.conversationId, null);
  }, [run]);

  const stop = useCallback(() => {
    const s = stateRef.current;
    if (!s.conversationId) return;
    stopRequested.current = true;
    dispatch({ type: 'stopping' });
    const controller = abortRef.current;
    void stopAnswer(s.conversationId).catch(() => controller?.abort());
    // The server answers `done` (stopped) within a second; if it does not,
    // stop reading and keep what arrived.
    setTimeout(() => {
      if (abortRef.current === controller) controller?.abort();
    }, STOP_GRACE_MS);
  }, []);

  const retry = useCallback(() => {
    const s = stateRef.current;
    const action = retryAction(s);
    if (!action) return;
    if (action.type === 'resend') void send(action.content);
    else if (action.type === 'regenerate') void regenerate();
    else if (s.conversationId) {
      dispatch({ type: 'open', id: null });
      dispatch({ type: 'open', id: s.conversationId });
      getConversation(s.conversationId)
        .then((c) => dispatch({ type: 'loaded', conversation: c }))
        .catch((e: unknown) =>
          handleFailure(e, (error) => dispatch({ type: 'load_failed', error })),
        );
    }
  }, [send, regenerate]);

  const busy = isBusy(state);
  const streaming =
    state.phase === 'streaming' || state.phase === 'stopping' || state.phase === 'sending';

  return (
    <section className="chat" aria-label={state.title || 'New chat'}>
      <h1 className="visually-hidden">{state.title || 'New chat'}</h1>
      <MessageList state={state} onRegenerate={() => void regenerate()} />
      <div className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </div>
      {state.notice && (
        <div
          className={'banner ' + (state.notice.kind === 'stopped' ? 'info' : 'error')}
          role="alert"
          data-testid="notice"
          data-kind={state.notice.kind}
        >
          <span>{state.notice.text}</span>
          {retryAction(state) && (
            <button type="button" onClick={retry}>
              Retry
            </button>
          )}
          <button type="button" className="link" onClick={() => dispatch({ type: 'dismiss' })}>
            Dismiss
          </button>
        </div>
      )}
      <Composer
        busy={busy}
        streaming={streaming}
        stopping={state.phase === 'stopping'}
        onSend={send}
        onStop={stop}
      />
    </section>
  );
}

function MessageList({ state, onRegenerate }: { state: ChatState; onRegenerate: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const last = state.messages[state.messages.length - 1];

  // Follow the stream unless the user scrolled up; a new message re-arms it.
  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  };
  useLayoutEffect(() => {
    if (last?.role === 'user') follow.current = true;
  }, [state.messages.length, last?.role]);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => {
    follow.current = true;
  }, [state.conversationId]);

  const onClick = (e: MouseEvent) => {
    const button = (e.target as HTMLElement).closest('.copy-code');
    if (!button) return;
    const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    void copyText(code).then((ok) => {
      button.textContent = ok ? 'Copied' : 'Copy failed';
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    });
  };

  const regenerable = canRegenerate(state);
  return (
    <div
      className="messages"
      ref={ref}
      onScroll={onScroll}
      onClick={onClick}
      data-testid="messages"
    >
      <div
        className="messages-inner"
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label="Messages"
      >
        {state.phase === 'loading' && <p className="muted">Loading conversation…</p>}
        {state.phase !== 'loading' && state.messages.length === 0 && (
          <div className="empty">
            <h2>How can I help?</h2>
            <p className="muted">Your conversations are private to you.</p>
          </div>
        )}
        {state.messages.map((m, i) => (
          <MessageView
            key={m.id}
            message={m}
            canRegenerate={regenerable && i === state.messages.length - 1}
            onRegenerate={onRegenerate}
          />
        ))}
        {state.phase === 'sending' && last?.role === 'user' && (
          <p className="muted thinking" aria-live="off">
            Thinking…
          </p>
        )}
      </div>
    </div>
  );
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

const statusLabel: Partial<Record<Message['status'], string>> = {
  stopped: 'Stopped',
  failed: 'Failed',
  filtered: 'Filtered',
};

const MessageView = memo(function MessageView({
  message,
  canRegenerate,
  onRegenerate,
}: {
  message: Message;
  canRegenerate: boolean;
  onRegenerate: () => void;
}) {
  const [copied, setCopied] = useState(false);
  const renderMarkdown = useMarkdown();
  const html = useMemo(
    () => (message.role === 'assistant' && renderMarkdown ? renderMarkdown(message.content) : null),
    [message.role, message.content, renderMarkdown],
  );
  const isStreaming = message.status === 'streaming';
  const copy = async () => {
    setCopied(await copyText(message.content));
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <article
      className={'message ' + message.role}
      data-testid={'message-' + message.role}
      data-status={message.status}
      aria-busy={isStreaming}
      aria-label={message.role === 'user' ? 'You said' : 'Parley answered'}
    >
      {message.role === 'assistant' && isStreaming && !message.content ? (
        <p className="muted thinking">Writing…</p>
      ) : message.role === 'assistant' && !message.content ? (
        <p className="muted">No answer was written.</p>
      ) : message.role === 'assistant' && html !== null ? (
        <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <div className="plain">{message.content}</div>
      )}
      {!isStreaming && (
        <div className="message-actions">
          {statusLabel[message.status] && (
            <span className={'badge ' + message.status}>{statusLabel[message.status]}</span>
          )}
          <button
            type="button"
            className="link"
            onClick={() => void copy()}
            aria-label={message.role === 'user' ? 'Copy your message' : 'Copy answer'}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
          {canRegenerate && (
            <button type="button" className="link" onClick={onRegenerate}>
              Regenerate
            </button>
          )}
        </div>
      )}
    </article>
  );
});

function Composer({
  busy,
  streaming,
  stopping,
  onSend,
  onStop,
}: {
  busy: boolean;
  streaming: boolean;
  stopping: boolean;
  onSend: (c: string) => Promise<void>;
  onStop: () => void;
}) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const submit = () => {
    if (busy || !text.trim()) return;
    const content = text;
    setText('');
    void onSend(content);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends, Shift+Enter is a new line; not while an IME composes.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  useEffect(() => {
    if (!busy) ref.current?.focus();
  }, [busy]);
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label htmlFor="composer-input" className="visually-hidden">
        Message Parley
      </label>
      <textarea
        id="composer-input"
        ref={ref}
        rows={2}
        value={text}
        placeholder="Message Parley (Enter to send, Shift+Enter for a new line)"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        readOnly={busy}
        aria-disabled={busy}
      />
      {streaming ? (
        <button type="button" className="stop" onClick={onStop} disabled={stopping}>
          {stopping ? 'Stopping…' : 'Stop'}
        </button>
      ) : (
        <button type="submit" className="primary" disabled={busy || !text.trim()}>
          Send
        </button>
      )}
    </form>
  );
}
