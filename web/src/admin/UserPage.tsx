// One user: who they are, what they can do (disable/enable, sign out
// everywhere, quota, delete their conversations), their usage, sessions and
// recent sign-ins. Each change is confirmed by the server's answer before
// the page shows it; the page is not re-read (every read is an audit event).
import { useState, type ReactNode } from 'react';
import { handleFailure } from '../failure';
import {
  deleteUserData,
  disableUser,
  enableUser,
  endSessions,
  getUser,
  setQuota,
  type Quota,
  type UserDetail,
} from './adminApi';
import { linkHandler } from './adminRoute';
import { ConfirmDialog } from './ConfirmDialog';
import { changeErrorText, ErrorPanel } from './ErrorPanel';
import { formatNumber } from './format';
import { QuotaEditor } from './QuotaEditor';
import { Time } from './Time';
import { UsageChart } from './UsageChart';
import { Roles, StatusBadge } from './UsersPage';
import { useLoad } from './useLoad';

type Action = 'disable' | 'enable' | 'sign_out' | 'delete_data';

export function UserPage({ id, me }: { id: string; me: string | null }) {
  const { load, reload, update } = useLoad(id, () => getUser(id));
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [busy, setBusy] = useState<Action | 'quota' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  const back = (
    <p>
      <a href="/admin/users" onClick={linkHandler('/admin/users')}>
        ← All users
      </a>
    </p>
  );
  if (load.state === 'loading')
    return (
      <>
        {back}
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      </>
    );
  if (load.state === 'error')
    return (
      <>
        {back}
        <h1>User</h1>
        <ErrorPanel error={load.error} what="This user" onRetry={reload} />
      </>
    );
  const user = load.data;
  const self = me === user.id;

  // Runs a change; on success `apply` updates the page and `message` is
  // announced; on failure the server's reason is shown.
  async function run<T>(
    action: Action | 'quota',
    call: () => Promise<T>,
    apply: (result: T, u: UserDetail) => UserDetail,
    message: string,
  ): Promise<boolean> {
    setConfirming(null);
    setBusy(action);
    setDone(null);
    setFailed(null);
    try {
      const result = await call();
      update((u) => apply(result, u));
      setDone(message);
      return true;
    } catch (e) {
      handleFailure(e, (error) => setFailed(changeErrorText(error)));
      return false;
    } finally {
      setBusy(null);
    }
  }

  const confirmed = (action: Action) => {
    switch (action) {
      case 'disable':
        // Disabling ends every session of the user (DESIGN.md).
        return run(
          action,
          () => disableUser(user.id),
          (item, u) => ({ ...u, ...item, sessions: [] }),
          `${user.name} is disabled and signed out everywhere.`,
        );
      case 'enable':
        return run(
          action,
          () => enableUser(user.id),
          (item, u) => ({ ...u, ...item }),
          `${user.name} is enabled and can sign in again.`,
        );
      case 'sign_out':
        return run(
          action,
          () => endSessions(user.id),
          (_r, u) => ({ ...u, sessions: [] }),
          `${user.name} is signed out everywhere.`,
        );
      case 'delete_data':
        return run(
          action,
          () => deleteUserData(user.id),
          (_r, u) => u,
          `${user.name}’s conversations and messages are deleted.`,
        );
    }
  };

  const saveQuota = (q: Quota) =>
    run(
      'quota',
      () => setQuota(user.id, q),
      (quota, u) => ({ ...u, quota }),
      'The quota is saved.',
    );

  const { today, last_30_days: month } = user.usage;
  return (
    <>
      {back}
      <div className="user-head">
        <h1>{user.name || user.email}</h1>
        <StatusBadge disabledAt={user.disabled_at} />
      </div>
      <dl className="facts">
        <Fact term="Email">{user.email}</Fact>
        <Fact term="Parley user id">
          <code>{user.id}</code>
        </Fact>
        <Fact term="Entra tenant / object id">
          <code>{user.tenant_id}</code> / <code>{user.object_id}</code>
        </Fact>
        <Fact term="Roles">
          <Roles roles={user.roles} max={10} />
        </Fact>
        <Fact term="Created">
          <Time at={user.created_at} />
        </Fact>
        <Fact term="Last sign-in">
          <Time at={user.last_login_at} />
        </Fact>
        {user.disabled_at && (
          <Fact term="Disabled">
            <Time at={user.disabled_at} />
          </Fact>
        )}
      </dl>

      <section aria-labelledby="actions-h">
        <h2 id="actions-h">Access</h2>
        <div className="actions">
          {user.disabled_at ? (
            <button type="button" disabled={!!busy} onClick={() => setConfirming('enable')}>
              Enable
            </button>
          ) : (
            <button
              type="button"
              className="danger"
              disabled={!!busy}
              onClick={() => setConfirming('disable')}
            >
              Disable
            </button>
          )}
          <button type="button" disabled={!!busy} onClick={() => setConfirming('sign_out')}>
            Sign out everywhere
          </button>
          <button
            type="button"
            className="danger-outline"
            disabled={!!busy}
            onClick={() => setConfirming('delete_data')}
          >
            Delete conversations…
          </button>
        </div>
        <div role="status" className="action-status">
          {busy && 'Working…'}
          {done}
        </div>
        {failed && (
          <div className="banner error" role="alert">
            <span>{failed}</span>
            <button type="button" className="link" onClick={() => setFailed(null)}>
              Dismiss
            </button>
          </div>
        )}
      </section>

      <section aria-labelledby="usage-h">
        <h2 id="usage-h">Usage</h2>
        <div className="table-wrap">
          <table className="data">
            <caption className="visually-hidden">Usage of {user.name}</caption>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Prompt tokens</th>
                <th scope="col">Completion tokens</th>
                <th scope="col">Messages</th>
              </tr>
            </thead>
            <tbody>
              {(
                [
                  ['Today (UTC)', today],
                  ['Last 30 days', month],
                ] as const
              ).map(([label, t]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  <td className="num">{formatNumber(t.prompt_tokens)}</td>
                  <td className="num">{formatNumber(t.completion_tokens)}</td>
                  <td className="num">{formatNumber(t.messages)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <UsageChart
          horizontal
          label={`Tokens used by ${user.name}: today ${formatNumber(
            today.prompt_tokens + today.completion_tokens,
          )}, last 30 days ${formatNumber(month.prompt_tokens + month.completion_tokens)}`}
          series={{
            labels: ['Today (UTC)', 'Last 30 days'],
            prompt: [today.prompt_tokens, month.prompt_tokens],
            completion: [today.completion_tokens, month.completion_tokens],
          }}
        />
      </section>

      <section aria-labelledby="quota-h">
        <h2 id="quota-h">Quota</h2>
        <QuotaEditor key={user.id} quota={user.quota} onSave={saveQuota} />
      </section>

      <section aria-labelledby="sessions-h">
        <h2 id="sessions-h">Active sessions ({user.sessions.length})</h2>
        {user.sessions.length === 0 ? (
          <p className="muted">No active sessions.</p>
        ) : (
          <div className="table-wrap">
            <table className="data" data-testid="sessions-table">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Expires</th>
                  <th scope="col">IP address</th>
                  <th scope="col">Browser</th>
                </tr>
              </thead>
              <tbody>
                {user.sessions.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Time at={s.created_at} />
                    </td>
                    <td>
                      <Time at={s.last_seen_at} />
                    </td>
                    <td>
                      <Time at={s.expires_at} />
                    </td>
                    <td>{s.ip ?? '—'}</td>
                    <td className="ua">{s.user_agent ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="signins-h">
        <h2 id="signins-h">Recent sign-ins</h2>
        {user.sign_ins.length === 0 ? (
          <p className="muted">No sign-ins recorded.</p>
        ) : (
          <div className="table-wrap">
            <table className="data" data-testid="sign-ins-table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Result</th>
                  <th scope="col">Reason</th>
                  <th scope="col">IP address</th>
                  <th scope="col">Browser</th>
                </tr>
              </thead>
              <tbody>
                {user.sign_ins.map((s, i) => (
                  <tr key={s.at + i}>
                    <td>
                      <Time at={s.at} />
                    </td>
                    <td>
                      <span
                        className={'status ' + (s.result === 'success' ? 'active' : 'disabled')}
                      >
                        {s.result}
                      </span>
                    </td>
                    <td>{s.reason ?? '—'}</td>
                    <td>{s.ip ?? '—'}</td>
                    <td className="ua">{s.user_agent ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {confirming === 'disable' && (
        <ConfirmDialog
          title={`Disable ${user.name}?`}
          confirmLabel="Disable"
          danger
          onConfirm={() => void confirmed('disable')}
          onCancel={() => setConfirming(null)}
        >
          <p>
            Their sessions end on every server at once, they cannot sign in and their API calls are
            refused until they are enabled again.
          </p>
          {self && <p className="error-text">This is your own account: you will be signed out.</p>}
        </ConfirmDialog>
      )}
      {confirming === 'enable' && (
        <ConfirmDialog
          title={`Enable ${user.name}?`}
          confirmLabel="Enable"
          onConfirm={() => void confirmed('enable')}
          onCancel={() => setConfirming(null)}
        >
          <p>They can sign in to Parley again.</p>
        </ConfirmDialog>
      )}
      {confirming === 'sign_out' && (
        <ConfirmDialog
          title={`Sign ${user.name} out everywhere?`}
          confirmLabel="Sign out everywhere"
          onConfirm={() => void confirmed('sign_out')}
          onCancel={() => setConfirming(null)}
        >
          <p>Every session ends on every server. They can sign in again.</p>
          {self && <p className="error-text">This is your own account: you will be signed out.</p>}
        </ConfirmDialog>
      )}
      {confirming === 'delete_data' && (
        <ConfirmDialog
          title={`Delete ${user.name}’s conversations?`}
          confirmLabel="Delete conversations"
          danger
          typeToConfirm={user.email || user.id}
          onConfirm={() => void confirmed('delete_data')}
          onCancel={() => setConfirming(null)}
        >
          <p>
            All of their conversations and messages are deleted. This cannot be undone. Their usage
            figures and the audit trail are kept.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
