// Usage rows as the series a chart draws (pure; the chart library only
// draws what this returns). Days without usage are zero, not gaps, and a
// long tail of users or models is summed up as "Other".
import type { GroupBy, UsageRow } from './adminApi';
import { addDays } from './format';

export interface Series {
  labels: string[];
  prompt: number[];
  completion: number[];
}

export const TOP = 15;
const MAX_DAYS = 366;

const total = (r: UsageRow) => r.prompt_tokens + r.completion_tokens;

export function usageSeries(rows: UsageRow[], groupBy: GroupBy, from: string, to: string): Series {
  if (groupBy === 'day') {
    const byDay = new Map(rows.map((r) => [r.key, r]));
    const labels: string[] = [];
    for (let d = from; d <= to && labels.length < MAX_DAYS; d = addDays(d, 1)) labels.push(d);
    return {
      labels,
      prompt: labels.map((d) => byDay.get(d)?.prompt_tokens ?? 0),
      completion: labels.map((d) => byDay.get(d)?.completion_tokens ?? 0),
    };
  }
  const sorted = [...rows].sort((a, b) => total(b) - total(a) || a.key.localeCompare(b.key));
  const top = sorted.slice(0, TOP);
  const rest = sorted.slice(TOP);
  const s: Series = {
    labels: top.map((r) => r.key || '(none)'),
    prompt: top.map((r) => r.prompt_tokens),
    completion: top.map((r) => r.completion_tokens),
  };
  if (rest.length > 0) {
    s.labels.push(`Other (${rest.length})`);
    s.prompt.push(rest.reduce((n, r) => n + r.prompt_tokens, 0));
    s.completion.push(rest.reduce((n, r) => n + r.completion_tokens, 0));
  }
  return s;
}

export function totals(rows: UsageRow[]) {
  return rows.reduce(
    (t, r) => ({
      prompt_tokens: t.prompt_tokens + r.prompt_tokens,
      completion_tokens: t.completion_tokens + r.completion_tokens,
      messages: t.messages + r.messages,
    }),
    { prompt_tokens: 0, completion_tokens: 0, messages: 0 },
  );
}
