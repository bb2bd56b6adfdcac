// The admin area: users, usage and the audit trail. Loaded as its own chunk
// (main.tsx) for /admin and /admin/...; the server's admin API decides who
// may use it, so a signed-in non-administrator sees "Administrators only".
import { useEffect, useRef, useState } from 'react';
import { ApiError, getSession, type Session } from '../api';
import { reauthenticate } from '../route';
import { UserMenu } from '../UserMenu';
import { adminRouteFrom, linkHandler, useLocation, type AdminRoute } from './adminRoute';
import { AuditPage } from './AuditPage';
import { UsagePage } from './UsagePage';
import { UserPage } from './UserPage';
import { UsersPage } from './UsersPage';
import './admin.css';

const sections = [
  { page: 'users', href: '/admin/users', label: 'Users' },
  { page: 'usage', href: '/admin/usage', label: 'Usage' },
  { page: 'audit', href: '/admin/audit', label: 'Audit trail' },
] as const;

function titleOf(route: AdminRoute): string {
  switch (route.page) {
    case 'users':
    case 'user':
      return 'Users';
    case 'usage':
      return 'Usage';
    case 'audit':
      return 'Audit trail';
    case 'missing':
      return 'Not found';
  }
}

export default function AdminApp() {
  const where = useLocation();
  const route = adminRouteFrom(where.path);
  const [session, setSession] = useState<Session | null>(null);
  const [sessionError, setSessionError] = useState<string | null>(null);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    getSession()
      .then((s) => (s === null ? reauthenticate() : setSession(s)))
      .catch((e: unknown) =>
        setSessionError(e instanceof ApiError ? e.message : 'Parley could not be reached.'),
      );
  }, []);

  // A new page: its title, and focus to its content (as a page load would).
  const title = titleOf(route);
  useEffect(() => {
    document.title = `${title} · Parley administration`;
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [where.path, title]);

  const section = route.page === 'user' ? 'users' : route.page;
  return (
    <div className="admin">
      <a className="skip-link" href="#admin-main">
        Skip to content
      </a>
      <header className="topbar admin-topbar">
        <span className="brand">
          Parley <span className="muted">administration</span>
        </span>
        <nav aria-label="Administration" className="admin-nav">
          {sections.map((s) => (
            <a
              key={s.page}
              href={s.href}
              aria-current={section === s.page ? 'page' : undefined}
              onClick={linkHandler(s.href)}
            >
              {s.label}
            </a>
          ))}
        </nav>
        <a href="/" className="admin-back">
          Chat
        </a>
        {session && <UserMenu user={session.user} area="admin" />}
      </header>
      <main id="admin-main" className="admin-main" ref={main} tabIndex={-1}>
        {sessionError && (
          <div className="banner error" role="alert">
            {sessionError}
          </div>
        )}
        {route.page === 'users' && <UsersPage search={where.search} />}
        {route.page === 'user' && <UserPage id={route.id} me={session?.user.id ?? null} />}
        {route.page === 'usage' && <UsagePage search={where.search} />}
        {route.page === 'audit' && <AuditPage search={where.search} />}
        {route.page === 'missing' && (
          <>
            <h1>Not found</h1>
            <p>
              There is no such page in the administration.{' '}
              <a href="/admin/users" onClick={linkHandler('/admin/users')}>
                Go to the users
              </a>
              .
            </p>
          </>
        )}
      </main>
    </div>
  );
}
