// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetCsrfToken } from '../api';
import { click, settle, typeInto, type Mounted } from '../testing';
import { apiError, fakeServer, json, openAdmin, sampleEvent, type Seen } from './adminTesting';
import { auditFilterFrom, reportText } from './AuditPage';

let view: Mounted;

const $ = (sel: string) => view.container.querySelector(sel);
const button = (name: string) =>
  [...view.container.querySelectorAll('button')].find((b) => b.textContent === name)!;
const field = (name: string) =>
  [...view.container.querySelectorAll('label')]
    .find((l) => l.textContent.startsWith(name))!
    .querySelector('input')!;
const seqs = () =>
  [...view.container.querySelectorAll('[data-testid="audit-table"] tbody tr')].map(
    (r) => r.querySelector('td')!.textContent,
  );
const chain = () => $('[data-testid="chain-check"] [role="status"]')!.textContent;

// Events 1..12, newest first, five a page; the cursor is the next seq.
function trail(gapAt?: number) {
  return (req: Seen) => {
    const top = Number(req.params.get('cursor') ?? '12');
    const items = [];
    for (let s = top; s > Math.max(0, top - 5); s--) if (s !== gapAt) items.push(sampleEvent(s));
    return json(200, { items, next_cursor: top - 5 > 0 ? String(top - 5) : null });
  };
}

describe('auditFilterFrom', () => {
  it('keeps the known filters; days must be days', () => {
    expect(
      auditFilterFrom('?type=auth.sign_in&actor=a&subject=b&from=2026-11-01&to=nope&x=1'),
    ).toEqual({
      type: 'auth.sign_in',
      actor: 'a',
      subject: 'b',
      from: '2026-11-01',
    });
  });
});

describe('Audit page', () => {
  afterEach(() => {
    view.unmount();
    vi.unstubAllGlobals();
    resetCsrfToken();
  });

  it('lists events newest first with their fields; older pages load with the cursor', async () => {
    const server = fakeServer({ 'GET /api/admin/audit': trail() });
    view = await openAdmin('/admin/audit');
    expect(seqs()).toEqual(['12', '11', '10', '9', '8']);
    const first = $('[data-testid="audit-table"] tbody tr')!;
    expect(first.textContent).toContain('auth.sign_in');
    expect(first.textContent).toContain('203.0.113.7');
    expect(first.textContent).toContain('{"result":"success"}');
    expect(first.querySelector('a')!.getAttribute('href')).toBe(
      '/admin/users/b0000000-0000-4000-8000-000000000007',
    );
    expect(first.querySelector('.hash')!.getAttribute('title')).toHaveLength(64);
    expect(chain()).toBe('The 5 events shown (seq 8 to 12) are numbered without gaps.');
    click(button('Load older events'));
    await settle();
    expect(server.calls().at(-1)!.params.get('cursor')).toBe('7');
    click(button('Load older events'));
    await settle();
    expect(seqs()).toHaveLength(12);
    expect(button('Load older events')).toBeUndefined();
    expect(chain()).toBe('The 12 events shown (seq 1 to 12) are numbered without gaps.');
  });

  it('a missing event is reported by the chain check', async () => {
    fakeServer({ 'GET /api/admin/audit': trail(10) });
    view = await openAdmin('/admin/audit');
    expect(chain()).toBe('Events are missing: seq 11 is followed by seq 9.');
    expect($('[data-testid="chain-check"]')!.className).toContain('bad');
  });

  it('filters go into the URL and the query; a filtered list is not checked for gaps', async () => {
    const server = fakeServer({ 'GET /api/admin/audit': trail() });
    view = await openAdmin('/admin/audit');
    typeInto(field('Type'), 'admin.read_user');
    typeInto(field('Subject'), 'b0000000-0000-4000-8000-000000000007');
    typeInto(field('From'), '2026-11-01');
    click(button('Filter'));
    await settle();
    expect(location.search).toBe(
      '?type=admin.read_user&subject=b0000000-0000-4000-8000-000000000007&from=2026-11-01',
    );
    expect(Object.fromEntries(server.calls().at(-1)!.params)).toEqual({
      type: 'admin.read_user',
      subject: 'b0000000-0000-4000-8000-000000000007',
      from: '2026-11-01',
    });
    expect(chain()).toMatch(/^Filtered by type, actor or subject/);
  });

  it('a long detail is folded; a missing actor is a dash', async () => {
    fakeServer({
      'GET /api/admin/audit': () =>
        json(200, {
          items: [
            sampleEvent(3, {
              actor: null,
              type: 'config.summary',
              detail: { text: 'x'.repeat(100) },
            }),
          ],
          next_cursor: null,
        }),
    });
    view = await openAdmin('/admin/audit');
    expect($('details summary')!.textContent).toMatch(/^\{"text":"x+…$/);
    expect($('[data-testid="audit-table"] tbody tr')!.children[3].textContent).toBe('—');
  });

  it('"Verify the whole chain" asks the server and says what it found', async () => {
    const reports = [
      json(200, {
        intact: true,
        count: 1234,
        head: { seq: 1234, hash: 'ab'.repeat(32) },
        broken: null,
      }),
      json(200, {
        intact: false,
        count: 41,
        head: { seq: 41, hash: 'cd'.repeat(32) },
        broken: { seq: 42, reason: 'hash_mismatch' },
      }),
      apiError(409, 'verify_running', 'A verification is running.'),
    ];
    const server = fakeServer({
      'GET /api/admin/audit': trail(),
      'GET /api/admin/audit/verify': () => reports.shift()!,
    });
    view = await openAdmin('/admin/audit');
    const verify = () => $('[data-testid="chain-verify"]')!;
    expect(verify().textContent).toBe('');
    click(button('Verify the whole chain'));
    await settle();
    expect(server.calls().at(-1)!.path).toBe('/api/admin/audit/verify');
    expect(verify().textContent).toMatch(
      /^The chain is intact: 1[,.\s ]?234 events, up to seq 1234\.$/,
    );
    expect(verify().className).toBe('');
    click(button('Verify the whole chain'));
    await settle();
    expect(verify().textContent).toMatch(/^The chain is broken at seq 42: an event was changed/);
    expect(verify().className).toBe('error-text');
    click(button('Verify the whole chain'));
    await settle();
    expect(verify().textContent).toMatch(/already running/);
  });

  it('the server walk without the endpoint says where to verify', async () => {
    fakeServer({ 'GET /api/admin/audit': trail() });
    view = await openAdmin('/admin/audit');
    click(button('Verify the whole chain'));
    await settle();
    expect($('[data-testid="chain-verify"]')!.textContent).toMatch(/run parley audit verify/);
    expect(reportText({ intact: true, count: 0, head: null, broken: null })).toBe(
      'The audit trail is empty.',
    );
  });

  it('403 shows the administrators-only panel', async () => {
    fakeServer({ 'GET /api/admin/audit': () => apiError(403, 'forbidden') });
    view = await openAdmin('/admin/audit');
    expect($('[data-testid="admin-forbidden"]')).not.toBeNull();
    expect($('[data-testid="audit-table"]')).toBeNull();
  });
});
