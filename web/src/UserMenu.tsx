import { useEffect, useId, useRef, useState } from 'react';
import { signOut, type User } from './api';

export function UserMenu({ user }: { user: User }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const initials = user.name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0].toUpperCase())
    .join('');

  return (
    <div className="user-menu" ref={root}>
      <button
        type="button"
        className="avatar"
        aria-haspopup="true"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((v) => !v)}
      >
        <span aria-hidden="true">{initials || '?'}</span>
        <span className="visually-hidden">Account: {user.name}</span>
      </button>
      {open && (
        <div className="menu" id={id}>
          <p className="menu-name" data-testid="user-name">
            {user.name}
          </p>
          <p className="menu-email muted" data-testid="user-email">
            {user.email}
          </p>
          <p className="menu-id muted" data-testid="user-id">
            User id <code>{user.id}</code>
          </p>
          {/* A plain download: the browser streams the export to disk as the
              server writes it (never whole in this page's memory). */}
          <a className="menu-link" href="/api/me/export" download>
            Download my data
          </a>
          {error && (
            <p role="alert" className="error-text">
              {error}
            </p>
          )}
          <button
            type="button"
            className="sign-out"
            onClick={() =>
              void signOut().catch(() =>
                setError('Sign-out failed. Check your connection and try again.'),
              )
            }
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
