import { describe, expect, it } from 'vitest';
import type { UsageRow } from './adminApi';
import { TOP, totals, usageSeries } from './chartData';

const row = (key: string, p: number, c: number, m = 1): UsageRow => ({
  key,
  prompt_tokens: p,
  completion_tokens: c,
  messages: m,
});

describe('usageSeries', () => {
  it('by day: every day of the range, days without usage are zero', () => {
    const s = usageSeries(
      [row('2026-11-03', 5, 6), row('2026-11-01', 1, 2)],
      'day',
      '2026-10-31',
      '2026-11-03',
    );
    expect(s.labels).toEqual(['2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03']);
    expect(s.prompt).toEqual([0, 1, 0, 5]);
    expect(s.completion).toEqual([0, 2, 0, 6]);
  });

  it('by user or model: the biggest first, the long tail summed as Other', () => {
    const rows = Array.from({ length: TOP + 3 }, (_, i) => row('k' + i, i, 1));
    const s = usageSeries(rows, 'user', '2026-11-01', '2026-11-30');
    expect(s.labels).toHaveLength(TOP + 1);
    expect(s.labels[0]).toBe('k' + (TOP + 2));
    expect(s.labels.at(-1)).toBe('Other (3)');
    expect(s.prompt.at(-1)).toBe(0 + 1 + 2);
    expect(s.completion.at(-1)).toBe(3);
  });

  it('an empty key is named', () => {
    expect(usageSeries([row('', 1, 1)], 'app', '2026-11-01', '2026-11-01').labels).toEqual([
      '(none)',
    ]);
  });

  it('totals add every column', () => {
    expect(totals([row('a', 1, 2, 3), row('b', 10, 20, 30)])).toEqual({
      prompt_tokens: 11,
      completion_tokens: 22,
      messages: 33,
    });
  });
});
