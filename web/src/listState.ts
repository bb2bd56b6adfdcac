// The sidebar's list: pages appended as the user scrolls, newest first
// (updated_at DESC, id DESC, as the API orders them), de-duplicated.
import type { ConversationItem, Page } from './api';

export interface ListState {
  items: ConversationItem[];
  cursor: string | null;
  done: boolean;
  loading: boolean;
  error: string | null;
}

export const initialList: ListState = {
  items: [],
  cursor: null,
  done: false,
  loading: false,
  error: null,
};

export type ListAction =
  | { type: 'loading' }
  | { type: 'page'; page: Page; reset?: boolean }
  | { type: 'failed'; error: string }
  | { type: 'upsert'; item: ConversationItem }
  | { type: 'touch'; id: string; updated_at: string; title?: string }
  | { type: 'remove'; id: string };

function order(a: ConversationItem, b: ConversationItem): number {
  if (a.updated_at !== b.updated_at) return a.updated_at < b.updated_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function listReducer(s: ListState, a: ListAction): ListState {
  switch (a.type) {
    case 'loading':
      return { ...s, loading: true, error: null };
    case 'page': {
      const base = a.reset ? [] : s.items;
      const seen = new Set(base.map((i) => i.id));
      const items = [...base, ...a.page.items.filter((i) => !seen.has(i.id))];
      return {
        items,
        cursor: a.page.next_cursor,
        done: a.page.next_cursor === null,
        loading: false,
        error: null,
      };
    }
    case 'failed':
      return { ...s, loading: false, error: a.error };
    case 'upsert': {
      const items = [a.item, ...s.items.filter((i) => i.id !== a.item.id)].sort(order);
      return { ...s, items };
    }
    case 'touch': {
      const found = s.items.find((i) => i.id === a.id);
      if (!found) return s;
      const item = { ...found, updated_at: a.updated_at, title: a.title ?? found.title };
      return { ...s, items: [item, ...s.items.filter((i) => i.id !== a.id)].sort(order) };
    }
    case 'remove':
      return { ...s, items: s.items.filter((i) => i.id !== a.id) };
  }
}
