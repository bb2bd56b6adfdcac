// The audit trail, newest first: filters by type, actor, subject and days,
// older events page by page, and what can be checked of the chain here.
import { useState } from 'react';
import { toApiError, type ApiError } from '../api';
import { handleFailure } from '../failure';
import {
  listAudit,
  query,
  verifyAudit,
  type AuditEvent,
  type AuditFilter,
  type ChainReport,
} from './adminApi';
import { go, linkHandler, param, userPath } from './adminRoute';
import { checkSequence } from './auditChain';
import { ErrorPanel, errorText } from './ErrorPanel';
import { formatNumber, isDay, isUuid } from './format';
import { Time } from './Time';
import { useLoad } from './useLoad';

const FIELDS = ['type', 'actor', 'subject', 'from', 'to'] as const;

export function auditFilterFrom(search: string): AuditFilter {
  const f: AuditFilter = {};
  for (const k of FIELDS) {
    const v = param(search, k).trim();
    if (v && ((k !== 'from' && k !== 'to') || isDay(v))) f[k] = v;
  }
  return f;
}

interface More {
  search: string;
  items: AuditEvent[];
  next: string | null;
  loading: boolean;
  error: ApiError | null;
}

export function AuditPage({ search }: { search: string }) {
  const filter = auditFilterFrom(search);
  const { load, reload } = useLoad(search, () => listAudit(filter, null));
  const [more, setMore] = useState<More | null>(null);
  const [form, setForm] = useState<AuditFilter>(filter);
  const [shownSearch, setShownSearch] = useState(search);
  if (shownSearch !== search) {
    setShownSearch(search);
    setForm(filter);
  }

  const first = load.state === 'ok' ? load.data : null;
  const extra = more && more.search === search ? more : null;
  const items = first ? [...first.items, ...(extra?.items ?? [])] : [];
  const next = extra ? extra.next : (first?.next_cursor ?? null);

  const loadOlder = async () => {
    if (!next) return;
    const base = extra ?? { search, items: [], next, loading: false, error: null };
    setMore({ ...base, loading: true, error: null });
    try {
      const page = await listAudit(filter, next);
      setMore({
        search,
        items: [...base.items, ...page.items],
        next: page.next_cursor,
        loading: false,
        error: null,
      });
    } catch (e) {
      handleFailure(e, () => setMore({ ...base, loading: false, error: toApiError(e) }));
    }
  };

  const continuous = !filter.type && !filter.actor && !filter.subject;
  const types = [...new Set(items.map((e) => e.type))].sort();

  return (
    <>
      <h1>Audit trail</h1>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          go('/admin/audit' + query({ ...form }));
        }}
      >
        <label>
          Type
          <input
            list="audit-types"
            value={form.type ?? ''}
            placeholder="e.g. admin.read_user"
            onChange={(e) => setForm({ ...form, type: e.target.value })}
          />
          <datalist id="audit-types">
            {types.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </label>
        <label>
          Actor
          <input
            value={form.actor ?? ''}
            placeholder="user id"
            onChange={(e) => setForm({ ...form, actor: e.target.value })}
          />
        </label>
        <label>
          Subject
          <input
            value={form.subject ?? ''}
            placeholder="user id"
            onChange={(e) => setForm({ ...form, subject: e.target.value })}
          />
        </label>
        <label>
          From (UTC day)
          <input
            type="date"
            value={form.from ?? ''}
            onChange={(e) => setForm({ ...form, from: e.target.value })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={form.to ?? ''}
            onChange={(e) => setForm({ ...form, to: e.target.value })}
          />
        </label>
        <button type="submit" className="primary">
          Filter
        </button>
        {search && (
          <a href="/admin/audit" onClick={linkHandler('/admin/audit')}>
            Clear filters
          </a>
        )}
      </form>

      {load.state === 'loading' && (
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      )}
      {load.state === 'error' && (
        <ErrorPanel error={load.error} what="The audit trail" onRetry={reload} />
      )}
      {first && (
        <>
          <ChainPanel items={items} continuous={continuous} />
          {items.length === 0 ? (
            <p className="muted">No events match.</p>
          ) : (
            <div className="table-wrap">
              <table className="data audit" data-testid="audit-table">
                <caption className="visually-hidden">Audit events, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Seq</th>
                    <th scope="col">Time</th>
                    <th scope="col">Type</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Subject</th>
                    <th scope="col">IP address</th>
                    <th scope="col">Detail</th>
                    <th scope="col">Hash</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => (
                    <tr key={String(e.seq)}>
                      <td className="num">{String(e.seq)}</td>
                      <td>
                        <Time at={e.at} />
                      </td>
                      <td>
                        <code>{e.type}</code>
                      </td>
                      <td>
                        <Party id={e.actor} />
                      </td>
                      <td>
                        <Party id={e.subject} />
                      </td>
                      <td>{e.ip ?? '—'}</td>
                      <td>
                        <Detail detail={e.detail} />
                      </td>
                      <td>
                        <code className="hash" title={e.hash}>
                          {e.hash.slice(0, 12)}…
                        </code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {extra?.error && <ErrorPanel error={extra.error} what="Older events" />}
          {next && (
            <p>
              <button type="button" disabled={extra?.loading} onClick={() => void loadOlder()}>
                {extra?.loading ? 'Loading…' : 'Load older events'}
              </button>
            </p>
          )}
        </>
      )}
    </>
  );
}

function ChainPanel({ items, continuous }: { items: AuditEvent[]; continuous: boolean }) {
  const c = checkSequence(items);
  let result: string;
  let ok = true;
  if (c.count === 0) result = 'No events to check.';
  else if (!continuous)
    result = 'Filtered by type, actor or subject: the numbering check needs the whole trail.';
  else if (c.breaks.length > 0) {
    ok = false;
    const b = c.breaks[0];
    result =
      b.next < b.after
        ? `Events are missing: seq ${b.after} is followed by seq ${b.next}.`
        : `Events are out of order: seq ${b.after} is followed by seq ${b.next}.`;
  } else
    result = `The ${c.count} events shown (seq ${c.oldest} to ${c.newest}) are numbered without gaps.`;
  if (c.badHashes.length > 0) {
    ok = false;
    result += ` Seq ${c.badHashes[0]} has no valid hash.`;
  }
  return (
    <section
      className={'panel chain ' + (ok ? 'ok' : 'bad')}
      aria-labelledby="chain-h"
      data-testid="chain-check"
    >
      <h2 id="chain-h">Chain check</h2>
      <p role="status">{result}</p>
      <p className="muted">
        This checks the numbering of the events loaded here. Recomputing every hash is the server’s:
        the button below, or <code>parley audit verify</code> on a server.
      </p>
      <ServerVerify />
    </section>
  );
}

const REASONS: Record<string, string> = {
  missing: 'an event is missing',
  out_of_order: 'events are out of order',
  hash_mismatch: 'an event was changed (its hash does not match)',
};

// What the server's walk of the whole chain found.
export function reportText(r: ChainReport): string {
  if (r.broken)
    return `The chain is broken at seq ${r.broken.seq}: ${REASONS[r.broken.reason] ?? r.broken.reason}. ${formatNumber(r.count)} events before it are intact.`;
  if (!r.head) return 'The audit trail is empty.';
  return `The chain is intact: ${formatNumber(r.count)} events, up to seq ${r.head.seq}.`;
}

type Verify =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'done'; report: ChainReport }
  | { state: 'failed'; text: string };

function ServerVerify() {
  const [v, setV] = useState<Verify>({ state: 'idle' });
  const run = async () => {
    setV({ state: 'running' });
    try {
      setV({ state: 'done', report: await verifyAudit() });
    } catch (e) {
      handleFailure(e, (error) =>
        setV({
          state: 'failed',
          text:
            error.status === 409
              ? 'A verification is already running on this server; try again in a moment.'
              : error.kind === 'not_found'
                ? 'This server cannot verify the chain over HTTP: run parley audit verify.'
                : errorText(error, 'The verification'),
        }),
      );
    }
  };
  const bad = v.state === 'failed' || (v.state === 'done' && !v.report.intact);
  return (
    <div className="verify">
      <button type="button" disabled={v.state === 'running'} onClick={() => void run()}>
        {v.state === 'running' ? 'Verifying…' : 'Verify the whole chain'}
      </button>
      <p role="status" data-testid="chain-verify" className={bad ? 'error-text' : undefined}>
        {v.state === 'done' && reportText(v.report)}
        {v.state === 'failed' && v.text}
      </p>
    </div>
  );
}

// A user id links to the user's page; anything else (an app, "system") is text.
function Party({ id }: { id: string | null }) {
  if (!id) return <span className="muted">—</span>;
  if (isUuid(id))
    return (
      <a href={userPath(id)} onClick={linkHandler(userPath(id))} title={id}>
        <code>{id.slice(0, 8)}…</code>
      </a>
    );
  return <>{id}</>;
}

function Detail({ detail }: { detail: unknown }) {
  if (detail === null || detail === undefined) return <span className="muted">—</span>;
  const text = typeof detail === 'string' ? detail : JSON.stringify(detail);
  if (text.length <= 60) return <code>{text}</code>;
  return (
    <details>
      <summary>
        <code>{text.slice(0, 50)}…</code>
      </summary>
      <pre>{typeof detail === 'string' ? detail : JSON.stringify(detail, null, 2)}</pre>
    </details>
  );
}
