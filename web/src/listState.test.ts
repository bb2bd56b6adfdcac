import { describe, expect, it } from 'vitest';
import { initialList, listReducer } from './listState';

const item = (id: string, updated_at: string, title = id) => ({
  id,
  title,
  created_at: updated_at,
  updated_at,
});

describe('listReducer', () => {
  it('appends pages without duplicates and stops at the last page', () => {
    let s = listReducer(initialList, {
      type: 'page',
      page: { items: [item('b', '2026-01-02'), item('a', '2026-01-01')], next_cursor: 'c1' },
    });
    expect(s.done).toBe(false);
    s = listReducer(s, {
      type: 'page',
      page: { items: [item('a', '2026-01-01'), item('z', '2025-12-31')], next_cursor: null },
    });
    expect(s.items.map((i) => i.id)).toEqual(['b', 'a', 'z']);
    expect(s.done).toBe(true);
  });

  it('a new or updated conversation moves to the top (newest first)', () => {
    let s = listReducer(initialList, {
      type: 'page',
      page: { items: [item('b', '2026-01-02'), item('a', '2026-01-01')], next_cursor: null },
    });
    s = listReducer(s, { type: 'touch', id: 'a', updated_at: '2026-02-01', title: 'Renamed' });
    expect(s.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(s.items[0].title).toBe('Renamed');
    s = listReducer(s, { type: 'upsert', item: item('n', '2026-03-01') });
    expect(s.items.map((i) => i.id)).toEqual(['n', 'a', 'b']);
  });

  it('removes a deleted conversation', () => {
    let s = listReducer(initialList, {
      type: 'page',
      page: { items: [item('b', '2026-01-02'), item('a', '2026-01-01')], next_cursor: null },
    });
    s = listReducer(s, { type: 'remove', id: 'b' });
    expect(s.items.map((i) => i.id)).toEqual(['a']);
  });
});
