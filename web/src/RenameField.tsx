// Renaming a conversation in place: Enter or leaving the field keeps the
// title, Escape cancels; the first of them wins (a blur can follow Enter or
// Escape as the field goes away, and must not save again).
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ConversationItem } from './api';

export function RenameField({
  item,
  onDone,
  onCancel,
}: {
  item: ConversationItem;
  onDone: (t: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(item.title);
  const ref = useRef<HTMLInputElement>(null);
  const finished = useRef(false);
  const finish = (f: () => void) => {
    if (finished.current) return;
    finished.current = true;
    f();
  };
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      finish(() => onDone(value));
    } else if (e.key === 'Escape') {
      e.preventDefault();
      finish(onCancel);
    }
  };
  return (
    <input
      ref={ref}
      className="rename-input"
      aria-label="Conversation title"
      value={value}
      maxLength={200}
      onChange={(e) => setValue(e.target.value)}
      onKeyDown={onKey}
      onBlur={() => finish(() => onDone(value))}
    />
  );
}
