// Usage for a range of UTC days, by day, user, model or app: a chart, the
// table it draws and the same figures as CSV.
import { useState } from 'react';
import { getUsage, query, usagePath, type GroupBy, type UsageQuery } from './adminApi';
import { go, linkHandler, param, userPath } from './adminRoute';
import { totals, usageSeries } from './chartData';
import { ErrorPanel } from './ErrorPanel';
import { addDays, formatNumber, isDay, isUuid, utcDay } from './format';
import { UsageChart } from './UsageChart';
import { useLoad } from './useLoad';

const GROUPS: { value: GroupBy; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'user', label: 'User' },
  { value: 'model', label: 'Model' },
  { value: 'app', label: 'App' },
];

// The query in the URL, or the last 30 days by day.
export function usageQueryFrom(search: string, now = Date.now()): UsageQuery {
  const today = utcDay(now);
  const to = isDay(param(search, 'to')) ? param(search, 'to') : today;
  const from = isDay(param(search, 'from')) ? param(search, 'from') : addDays(to, -29);
  const g = param(search, 'group_by');
  const group_by = GROUPS.some((x) => x.value === g) ? (g as GroupBy) : 'day';
  return { from, to, group_by };
}

export function UsagePage({ search }: { search: string }) {
  const q = usageQueryFrom(search);
  const valid = q.from <= q.to;
  const { load, reload } = useLoad(usagePath(q), () => (valid ? getUsage(q) : Promise.resolve([])));

  const [form, setForm] = useState(q);
  const [shownSearch, setShownSearch] = useState(search);
  if (shownSearch !== search) {
    setShownSearch(search);
    setForm(q);
  }
  const formValid = isDay(form.from) && isDay(form.to) && form.from <= form.to;

  const groupLabel = GROUPS.find((g) => g.value === q.group_by)!.label.toLowerCase();
  const rows =
    load.state === 'ok'
      ? [...load.data].sort((a, b) =>
          q.group_by === 'day'
            ? a.key.localeCompare(b.key)
            : b.prompt_tokens + b.completion_tokens - (a.prompt_tokens + a.completion_tokens),
        )
      : [];
  const sum = totals(rows);

  return (
    <>
      <h1>Usage</h1>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (formValid) go('/admin/usage' + query({ ...form }));
        }}
      >
        <label>
          From (UTC day)
          <input
            type="date"
            value={form.from}
            max={form.to}
            required
            onChange={(e) => setForm({ ...form, from: e.target.value })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={form.to}
            min={form.from}
            required
            onChange={(e) => setForm({ ...form, to: e.target.value })}
          />
        </label>
        <label>
          Group by
          <select
            value={form.group_by}
            onChange={(e) => setForm({ ...form, group_by: e.target.value as GroupBy })}
          >
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={!formValid}>
          Show
        </button>
        <a className="button-link" href={usagePath(q, 'csv')} download>
          Download CSV
        </a>
      </form>
      {!valid && (
        <p role="alert" className="error-text">
          The first day is after the last one.
        </p>
      )}

      {load.state === 'loading' && (
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      )}
      {load.state === 'error' && <ErrorPanel error={load.error} what="Usage" onRetry={reload} />}
      {load.state === 'ok' && valid && (
        <>
          <p data-testid="usage-totals">
            {formatNumber(sum.prompt_tokens + sum.completion_tokens)} tokens (
            {formatNumber(sum.prompt_tokens)} prompt, {formatNumber(sum.completion_tokens)}{' '}
            completion) in {formatNumber(sum.messages)} messages, {q.from} to {q.to} (UTC).
          </p>
          {rows.length === 0 ? (
            <p className="muted">No usage in this period.</p>
          ) : (
            <>
              <UsageChart
                horizontal={q.group_by !== 'day'}
                tall={q.group_by !== 'day'}
                label={`Tokens by ${groupLabel}, ${q.from} to ${q.to}; the table below has the figures.`}
                series={usageSeries(rows, q.group_by, q.from, q.to)}
              />
              <div className="table-wrap">
                <table className="data" data-testid="usage-table">
                  <caption className="visually-hidden">
                    Usage by {groupLabel}, {q.from} to {q.to}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">{GROUPS.find((g) => g.value === q.group_by)!.label}</th>
                      <th scope="col">Prompt tokens</th>
                      <th scope="col">Completion tokens</th>
                      <th scope="col">Messages</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.key}>
                        <th scope="row">
                          <UsageKey group={q.group_by} value={r.key} />
                        </th>
                        <td className="num">{formatNumber(r.prompt_tokens)}</td>
                        <td className="num">{formatNumber(r.completion_tokens)}</td>
                        <td className="num">{formatNumber(r.messages)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
    </>
  );
}

// A user key (a Parley user id) links to the user's page.
function UsageKey({ group, value }: { group: GroupBy; value: string }) {
  if (!value) return <span className="muted">(none)</span>;
  if (group === 'user' && isUuid(value))
    return (
      <a href={userPath(value)} onClick={linkHandler(userPath(value))}>
        {value}
      </a>
    );
  return <>{value}</>;
}
