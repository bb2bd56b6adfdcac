// The modal question before a conversation is deleted (a <dialog>, so focus
// stays inside and Escape cancels).
import { useEffect, useRef } from 'react';
import type { ConversationItem } from './api';

export function ConfirmDelete({
  item,
  onConfirm,
  onCancel,
}: {
  item: ConversationItem;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
    }
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="delete-title" onCancel={onCancel}>
      <h2 id="delete-title">Delete conversation?</h2>
      <p>
        “{item.title || 'New chat'}” and all its messages will be deleted. This cannot be undone.
      </p>
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={onConfirm}>
          Delete
        </button>
      </div>
    </dialog>
  );
}
