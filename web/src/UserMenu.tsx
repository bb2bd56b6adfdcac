import { useEffect, useId, useRef, useState } from 'react';
import { isAdmin, signOut, type User } from './api';

// `area`: where the menu is shown; it links to the other one (the admin
// area only for administrators).
export function UserMenu({ user, area = 'chat' }: { user: User; area?: 'chat' | 'admin' }) {
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
          {area === 'chat' && isAdmin(user) && (
            <a className="menu-link" href="/admin" data-testid="admin-link">
              Administration
            </a>
          )}
          {area === 'admin' && (
            <a className="menu-link" href="/">
              Back to chat
            </a>
          )}
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
