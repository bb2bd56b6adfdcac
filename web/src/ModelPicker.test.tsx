// @vitest-environment jsdom
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelList } from './api';
import { ModelPicker } from './ModelPicker';
import { mount, type Mounted } from './testing';

let view: Mounted;
afterEach(() => view.unmount());

const two: ModelList = { items: [{ id: 'gpt-4o' }, { id: 'small' }], default: 'gpt-4o' };

function setup(props: Partial<Parameters<typeof ModelPicker>[0]> = {}) {
  const onChange = vi.fn((_model: string) => {});
  view = mount(
    <ModelPicker models={two} value={null} disabled={false} onChange={onChange} {...props} />,
  );
  return { onChange, select: view.container.querySelector('select') };
}

// Picks an option as the browser does (keyboard or mouse): value, then change.
function choose(select: HTMLSelectElement, value: string) {
  act(() => {
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

describe('ModelPicker', () => {
  it('is hidden while there is nothing to choose', () => {
    setup({ models: { items: [{ id: 'only' }], default: 'only' } });
    expect(view.container.innerHTML).toBe('');
    view.unmount();
    setup({ models: null });
    expect(view.container.innerHTML).toBe('');
  });

  it('is a labelled select showing the default for a conversation without a model', () => {
    const { select } = setup();
    expect(select).not.toBeNull();
    const label = view.container.querySelector('label')!;
    expect(label.textContent).toBe('Model');
    expect(label.htmlFor).toBe(select!.id);
    expect(select!.value).toBe('gpt-4o');
    expect([...select!.options].map((o) => o.textContent)).toEqual(['gpt-4o (default)', 'small']);
  });

  it("shows the conversation's model and reports a new choice", () => {
    const { select, onChange } = setup({ value: 'small' });
    expect(select!.value).toBe('small');
    choose(select!, 'gpt-4o');
    expect(onChange).toHaveBeenCalledWith('gpt-4o');
  });

  it('cannot change while an answer is being written', () => {
    const { select } = setup({ disabled: true });
    expect(select!.disabled).toBe(true);
  });
});
