// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetCsrfToken, type ConversationItem } from './api';
import type { ListState } from './listState';
import { Sidebar } from './Sidebar';
import { click, mount, press, settle, typeInto, type Mounted } from './testing';

const at = '2026-11-29T10:00:00.000Z';
const item: ConversationItem = { id: 'c1', title: 'Plans', created_at: at, updated_at: at };
const list: ListState = { items: [item], cursor: null, done: true, loading: false, error: null };
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

let view: Mounted;
afterEach(() => {
  view.unmount();
  vi.unstubAllGlobals();
  resetCsrfToken();
});

// The server answers the conversation call with `answer` (the CSRF token is
// fetched first).
function setup(answer: Response) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) =>
      url === '/api/auth/csrf' ? json(200, { csrfToken: 't' }) : answer,
    ),
  );
  const props = { onRenamed: vi.fn(), onRemoved: vi.fn() };
  view = mount(
    <Sidebar
      list={list}
      activeId={null}
      onOpen={() => {}}
      onLoadMore={() => {}}
      onClose={() => {}}
      {...props}
    />,
  );
  return props;
}
const button = (label: string) =>
  [...view.container.querySelectorAll('button')].find(
    (b) => b.getAttribute('aria-label') === label || b.textContent === label,
  )!;

async function confirmDelete() {
  click(button('Delete Plans'));
  click(button('Delete'));
  await settle();
}

describe('Sidebar', () => {
  it('a rename is saved and handed up', async () => {
    const renamed = { ...item, title: 'Holiday plans' };
    const { onRenamed } = setup(json(200, renamed));
    click(button('Rename Plans'));
    const field = view.container.querySelector<HTMLInputElement>('input.rename-input')!;
    typeInto(field, 'Holiday plans');
    press(field, 'Enter');
    await settle();
    expect(onRenamed).toHaveBeenCalledWith(renamed);
  });

  it('a failed rename says so and keeps the list', async () => {
    const { onRenamed } = setup(json(500, { error: { code: 'internal', message: 'x' } }));
    click(button('Rename Plans'));
    const field = view.container.querySelector<HTMLInputElement>('input.rename-input')!;
    typeInto(field, 'New');
    press(field, 'Enter');
    await settle();
    expect(onRenamed).not.toHaveBeenCalled();
    expect(view.container.querySelector('[role="alert"]')!.textContent).toContain(
      'Could not rename the conversation.',
    );
  });

  it('a deleted conversation leaves the list', async () => {
    const { onRemoved } = setup(new Response(null, { status: 204 }));
    await confirmDelete();
    expect(onRemoved).toHaveBeenCalledWith('c1');
  });

  it('a conversation already gone (404) leaves the list without an error', async () => {
    const { onRemoved } = setup(json(404, { error: { code: 'not_found', message: 'gone' } }));
    await confirmDelete();
    expect(onRemoved).toHaveBeenCalledWith('c1');
    expect(view.container.querySelector('[role="alert"]')).toBeNull();
  });

  it('a failed delete says so and keeps the conversation', async () => {
    const { onRemoved } = setup(json(503, { error: { code: 'unavailable', message: 'x' } }));
    await confirmDelete();
    expect(onRemoved).not.toHaveBeenCalled();
    expect(view.container.querySelector('[role="alert"]')!.textContent).toContain(
      'Could not delete the conversation.',
    );
  });
});
