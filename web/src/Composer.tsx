// The message box: Enter sends, Shift+Enter is a new line; while an answer
// streams it is read-only and Send becomes Stop.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

export function Composer({
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
