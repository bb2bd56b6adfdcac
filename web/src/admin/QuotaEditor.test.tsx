// @vitest-environment jsdom
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { click, mount, typeInto, type Mounted } from '../testing';
import { parseLimit, QuotaEditor } from './QuotaEditor';

describe('parseLimit', () => {
  it.each([
    ['', null],
    ['  ', null],
    ['0', 0],
    ['250000', 250000],
    ['250 000', 250000],
    ['250,000', 250000],
    ['-1', undefined],
    ['1.5', undefined],
    ['lots', undefined],
    ['99999999999999999999', undefined],
  ])('%j -> %j', (text, value) => expect(parseLimit(text)).toBe(value));
});

describe('QuotaEditor', () => {
  let view: Mounted;
  afterEach(() => view.unmount());
  const field = (name: string) =>
    [...view.container.querySelectorAll('label')]
      .find((l) => l.textContent.startsWith(name))!
      .querySelector('input')!;
  const save = () => view.container.querySelector<HTMLButtonElement>('button[type="submit"]')!;

  it('sends numbers, and null for an emptied field (the default)', async () => {
    const onSave = vi.fn(() => Promise.resolve(true));
    view = mount(
      <QuotaEditor quota={{ daily_tokens: 1000, concurrent_streams: null }} onSave={onSave} />,
    );
    expect(field('Daily tokens').value).toBe('1000');
    expect(field('Answers at once').placeholder).toBe('Default');
    expect(save().disabled).toBe(true); // nothing changed yet
    typeInto(field('Daily tokens'), '');
    typeInto(field('Answers at once'), '2');
    await act(async () => click(save()));
    expect(onSave).toHaveBeenCalledWith({ daily_tokens: null, concurrent_streams: 2 });
  });

  it('a value that is not a whole number is marked and cannot be saved', () => {
    const onSave = vi.fn(() => Promise.resolve(true));
    view = mount(
      <QuotaEditor quota={{ daily_tokens: null, concurrent_streams: null }} onSave={onSave} />,
    );
    typeInto(field('Daily tokens'), '-5');
    expect(field('Daily tokens').getAttribute('aria-invalid')).toBe('true');
    expect(view.container.textContent).toContain('A whole number of tokens, or empty.');
    expect(save().disabled).toBe(true);
  });

  it("shows the limits in force and today's use when the server gives them", () => {
    view = mount(
      <QuotaEditor
        quota={{
          daily_tokens: null,
          concurrent_streams: 0,
          effective_daily_tokens: 100000,
          effective_concurrent_streams: 0,
          tokens_used_today: 1234,
          resets_at: '2026-12-04T00:00:00Z',
        }}
        onSave={() => Promise.resolve(true)}
      />,
    );
    const now = view.container.querySelector('[data-testid="quota-now"]')!;
    expect(now.textContent).toMatch(
      /^Now: default \(100[,.\s ]?000\) tokens a day \(UTC\), unlimited answers at once\. Used today: 1[,.\s ]?234 tokens, counted afresh .+\. Leave/,
    );
    expect(now.querySelector('time')!.getAttribute('datetime')).toBe('2026-12-04T00:00:00Z');
  });

  it('without them, says "default"', () => {
    view = mount(
      <QuotaEditor
        quota={{ daily_tokens: null, concurrent_streams: 3 }}
        onSave={() => Promise.resolve(true)}
      />,
    );
    expect(view.container.querySelector('[data-testid="quota-now"]')!.textContent).toBe(
      'Now: default tokens a day (UTC), 3 answers at once. Leave a field empty for the default.',
    );
  });
});
