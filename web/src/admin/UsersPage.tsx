// Users: search by name or email, filter by status, page through with the
// server's cursor (Previous goes back through the cursors already seen).
import { useState } from 'react';
import { listUsers, query, type UserFilter, type UserStatus } from './adminApi';
import { go, linkHandler, param, userPath } from './adminRoute';
import { ErrorPanel } from './ErrorPanel';
import { Time } from './Time';
import { useLoad } from './useLoad';

export const PAGE_SIZE = 50;

function filterFrom(search: string): UserFilter {
  const status = param(search, 'status');
  return {
    q: param(search, 'q') || undefined,
    status: status === 'active' || status === 'disabled' ? status : undefined,
  };
}

export function UsersPage({ search }: { search: string }) {
  const filter = filterFrom(search);
  // The cursors of the pages before the current one, and the current one;
  // kept with the filter they belong to (a new filter starts at page 1).
  const [pages, setPages] = useState<{ search: string; cursors: (string | null)[] }>({
    search,
    cursors: [null],
  });
  const cursors = pages.search === search ? pages.cursors : [null];
  const cursor = cursors[cursors.length - 1];
  const { load, reload } = useLoad(search + '|' + (cursor ?? ''), () =>
    listUsers(filter, cursor, PAGE_SIZE),
  );

  const [q, setQ] = useState(filter.q ?? '');
  const [status, setStatus] = useState<UserStatus | ''>(filter.status ?? '');
  const [shownSearch, setShownSearch] = useState(search);
  if (shownSearch !== search) {
    // Back/forward to another filter: the form shows it.
    setShownSearch(search);
    setQ(filter.q ?? '');
    setStatus(filter.status ?? '');
  }

  const apply = () => go('/admin/users' + query({ q: q.trim(), status }));
  const next = load.state === 'ok' ? load.data.next_cursor : null;

  return (
    <>
      <h1>Users</h1>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <label>
          Name or email
          <input
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="e.g. ada or @example.com"
          />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as UserStatus | '')}>
            <option value="">All</option>
            <option value="active">Active</option>
            <option value="disabled">Disabled</option>
          </select>
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>

      {load.state === 'error' && (
        <ErrorPanel error={load.error} what="The users" onRetry={reload} />
      )}
      {load.state !== 'error' && (
        <div className="table-wrap" aria-busy={load.state === 'loading'}>
          <table className="data" data-testid="users-table">
            <caption className="visually-hidden">
              Users{filter.q ? ` matching “${filter.q}”` : ''}
              {filter.status ? `, ${filter.status} only` : ''}, page {cursors.length}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Roles</th>
                <th scope="col">Created</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {load.state === 'ok' &&
                load.data.items.map((u) => (
                  <tr key={u.id}>
                    <td>
                      <a href={userPath(u.id)} onClick={linkHandler(userPath(u.id))}>
                        {u.name || u.email || u.id}
                      </a>
                    </td>
                    <td>{u.email}</td>
                    <td>
                      <Roles roles={u.roles} />
                    </td>
                    <td>
                      <Time at={u.created_at} />
                    </td>
                    <td>
                      <Time at={u.last_login_at} />
                    </td>
                    <td>
                      <StatusBadge disabledAt={u.disabled_at} />
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
          {load.state === 'loading' && <p className="muted">Loading…</p>}
          {load.state === 'ok' && load.data.items.length === 0 && (
            <p className="muted">No users match.</p>
          )}
        </div>
      )}

      <nav className="pager" aria-label="Pages of users">
        <button
          type="button"
          disabled={cursors.length < 2}
          onClick={() => setPages({ search, cursors: cursors.slice(0, -1) })}
        >
          Previous page
        </button>
        <span className="muted">Page {cursors.length}</span>
        <button
          type="button"
          disabled={!next}
          onClick={() => setPages({ search, cursors: [...cursors, next] })}
        >
          Next page
        </button>
      </nav>
    </>
  );
}

export function StatusBadge({ disabledAt }: { disabledAt: string | null }) {
  return disabledAt ? (
    <span className="status disabled" title={'Disabled ' + disabledAt}>
      Disabled
    </span>
  ) : (
    <span className="status active">Active</span>
  );
}

// Entra tenants can give a user hundreds of roles: the first few, then a count.
export function Roles({ roles, max = 3 }: { roles: string[]; max?: number }) {
  if (roles.length === 0) return <span className="muted">—</span>;
  const shown = roles.slice(0, max).join(', ');
  return (
    <span title={roles.join(', ')}>
      {shown}
      {roles.length > max ? ` +${roles.length - max} more` : ''}
    </span>
  );
}
