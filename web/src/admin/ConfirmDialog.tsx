// A modal question before an admin action (a <dialog>: focus stays inside,
// Escape cancels). `typeToConfirm`: an irreversible action is enabled only
// once that text is typed.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger = false,
  typeToConfirm,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  typeToConfirm?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
    }
  }, []);
  const ready = !typeToConfirm || typed.trim() === typeToConfirm;
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={id + '-title'}
      aria-describedby={id + '-body'}
      onCancel={onCancel}
    >
      <h2 id={id + '-title'}>{title}</h2>
      <div id={id + '-body'}>{children}</div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) onConfirm();
        }}
      >
        {typeToConfirm && (
          <label className="confirm-field">
            Type <strong>{typeToConfirm}</strong> to confirm
            <input
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          </label>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={!ready}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
