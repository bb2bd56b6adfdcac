// The conversation's messages: follows the stream unless the user scrolled
// up, and serves the copy buttons of rendered code blocks (one delegated
// listener, since the blocks are sanitised HTML, not React elements).
import { useEffect, useLayoutEffect, useRef, type MouseEvent } from 'react';
import { canRegenerate, type ChatState } from './chatState';
import { copyText } from './clipboard';
import { MessageView } from './MessageView';

export function MessageList({
  state,
  onRegenerate,
}: {
  state: ChatState;
  onRegenerate: () => void;
}) {
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
