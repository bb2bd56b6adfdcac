// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetCsrfToken } from '../api';
import { click, settle, typeInto, type Mounted } from '../testing';
import type { ChartProps } from './charts';
import { apiError, choose, fakeServer, json, openAdmin } from './adminTesting';
import { usageQueryFrom } from './UsagePage';

vi.mock('./charts', () => ({
  default: ({ series, horizontal }: ChartProps) => (
    <div data-testid="chart-stub" data-horizontal={String(!!horizontal)}>
      {series.labels.join('|')}
    </div>
  ),
}));

let view: Mounted;

const $ = (sel: string) => view.container.querySelector(sel);
const button = (name: string) =>
  [...view.container.querySelectorAll('button')].find((b) => b.textContent === name)!;
const field = (name: string) =>
  [...view.container.querySelectorAll('label')]
    .find((l) => l.textContent.startsWith(name))!
    .querySelector<HTMLInputElement>('input, select')!;
const row = (key: string, p: number, c: number, m: number) => ({
  key,
  prompt_tokens: p,
  completion_tokens: c,
  messages: m,
});

describe('usageQueryFrom', () => {
  const now = Date.parse('2026-11-29T23:59:00Z');
  it('defaults to the last 30 UTC days by day', () => {
    expect(usageQueryFrom('', now)).toEqual({
      from: '2026-10-31',
      to: '2026-11-29',
      group_by: 'day',
    });
  });
  it('takes the URL, ignoring what is not a day or a known grouping', () => {
    expect(usageQueryFrom('?from=2026-01-01&to=2026-01-31&group_by=model', now)).toEqual({
      from: '2026-01-01',
      to: '2026-01-31',
      group_by: 'model',
    });
    expect(usageQueryFrom('?from=yesterday&to=2026-01-31&group_by=planet', now)).toEqual({
      from: '2026-01-02',
      to: '2026-01-31',
      group_by: 'day',
    });
  });
});

describe('Usage page', () => {
  afterEach(() => {
    view.unmount();
    vi.unstubAllGlobals();
    resetCsrfToken();
  });

  it('by day: totals, a chart of every day, the table and the CSV link of the same query', async () => {
    const server = fakeServer({
      'GET /api/admin/usage': () =>
        json(200, {
          rows: [row('2026-11-03', 100, 50, 3), row('2026-11-01', 10, 5, 1)],
        }),
    });
    view = await openAdmin('/admin/usage?from=2026-11-01&to=2026-11-04&group_by=day');
    await vi.waitFor(() => expect($('[data-testid="chart-stub"]')).not.toBeNull());
    expect(Object.fromEntries(server.calls()[0].params)).toEqual({
      from: '2026-11-01',
      to: '2026-11-04',
      group_by: 'day',
    });
    expect($('[data-testid="usage-totals"]')!.textContent).toContain(
      '165 tokens (110 prompt, 55 completion) in 4 messages, 2026-11-01 to 2026-11-04 (UTC).',
    );
    expect($('[data-testid="chart-stub"]')!.textContent).toBe(
      '2026-11-01|2026-11-02|2026-11-03|2026-11-04',
    );
    expect($('[data-testid="chart-stub"]')!.getAttribute('data-horizontal')).toBe('false');
    const cells = [...view.container.querySelectorAll('[data-testid="usage-table"] tbody th')];
    expect(cells.map((c) => c.textContent)).toEqual(['2026-11-01', '2026-11-03']);
    const csv = [...view.container.querySelectorAll('a')].find(
      (a) => a.textContent === 'Download CSV',
    )!;
    expect(csv.getAttribute('href')).toBe(
      '/api/admin/usage?from=2026-11-01&to=2026-11-04&group_by=day&format=csv',
    );
    expect(csv.hasAttribute('download')).toBe(true);
  });

  it('by user: biggest first, user ids link to the user, the form goes into the URL', async () => {
    const uid = 'b0000000-0000-4000-8000-000000000007';
    const server = fakeServer({
      'GET /api/admin/usage': (req) =>
        json(200, {
          rows:
            req.params.get('group_by') === 'user'
              ? [row('app:reporting', 5, 5, 1), row(uid, 500, 100, 9)]
              : [],
        }),
    });
    view = await openAdmin('/admin/usage');
    expect(view.container.textContent).toContain('No usage in this period.');
    typeInto(field('From'), '2026-11-01');
    typeInto(field('To'), '2026-11-30');
    choose(view.container.querySelector('select')!, 'user');
    click(button('Show'));
    await settle();
    expect(location.search).toBe('?from=2026-11-01&to=2026-11-30&group_by=user');
    expect(server.calls().at(-1)!.params.get('group_by')).toBe('user');
    const keys = [...view.container.querySelectorAll('[data-testid="usage-table"] tbody th')];
    expect(keys.map((k) => k.textContent)).toEqual([uid, 'app:reporting']);
    expect(keys[0].querySelector('a')!.getAttribute('href')).toBe('/admin/users/' + uid);
    expect(keys[1].querySelector('a')).toBeNull();
    await vi.waitFor(() =>
      expect($('[data-testid="chart-stub"]')!.getAttribute('data-horizontal')).toBe('true'),
    );
  });

  it('a range that ends before it starts is not sent', async () => {
    const server = fakeServer({});
    view = await openAdmin('/admin/usage?from=2026-11-10&to=2026-11-01');
    expect(view.container.textContent).toContain('The first day is after the last one.');
    expect(server.calls()).toHaveLength(0);
    expect(button('Show').disabled).toBe(true);
  });

  it('errors: 403 is the administrators-only panel, others an alert with Retry', async () => {
    fakeServer({ 'GET /api/admin/usage': () => apiError(403, 'forbidden') });
    view = await openAdmin('/admin/usage');
    expect($('[data-testid="admin-forbidden"]')).not.toBeNull();
    view.unmount();
    fakeServer({ 'GET /api/admin/usage': () => apiError(503, 'unavailable', 'Database down') });
    view = await openAdmin('/admin/usage');
    expect($('[role="alert"]')!.textContent).toContain('Usage could not be loaded: Database down.');
    expect(button('Retry')).toBeDefined();
  });
});
