import { useEffect, useId, useRef, useState } from 'react';
import { exportMyData, getMe, signOut, type User } from './api';
import { saveFile } from './download';
import { handleFailure } from './failure';

// `area`: where the menu is shown; it links to the other one (the admin
// area only for administrators).
export function UserMenu({ user, area = 'chat' }: { user: User; area?: 'chat' | 'admin' }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  // Offered "Administration" only when the server says so (GET /api/me);
  // a failed call leaves it hidden.
  const [admin, setAdmin] = useState<boolean | null>(null);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (area !== 'chat') return;
    let live = true;
    getMe()
      .then((me) => live && setAdmin(me.admin === true))
      .catch(() => live && setAdmin(false));
    return () => {
      live = false;
    };
  }, [area]);

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

  // "Export my data": the user's own conversations and messages as JSON.
  const exportData = async () => {
    setExporting(true);
    setError(null);
    try {
      const file = await exportMyData();
      saveFile(file.blob, file.filename);
    } catch (e) {
      handleFailure(e, (err) =>
        setError(
          err.kind === 'network'
            ? 'The export failed. Check your connection and try again.'
            : `The export failed: ${err.message}`,
        ),
      );
    } finally {
      setExporting(false);
    }
  };

  const initials = user.name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0].toUpperCase())
    .join('');

  return (
    // data-admin-known: /api/me has answered (browser tests wait for it).
    <div className="user-menu" ref={root} data-admin-known={admin !== null || area !== 'chat'}>
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
          {area === 'chat' && admin === true && (
            <a className="menu-link" href="/admin" data-testid="admin-link">
              Administration
            </a>
          )}
          {area === 'admin' && (
            <a className="menu-link" href="/">
              Back to chat
            </a>
          )}
          <button
            type="button"
            className="menu-action"
            disabled={exporting}
            aria-describedby={id + '-export-note'}
            onClick={() => void exportData()}
          >
            {exporting ? 'Preparing your data…' : 'Export my data'}
          </button>
          <p className="muted menu-note" id={id + '-export-note'}>
            Your conversations and messages, as a JSON file.
          </p>
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
