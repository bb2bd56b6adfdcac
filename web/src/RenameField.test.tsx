// @vitest-environment jsdom
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConversationItem } from './api';
import { RenameField } from './RenameField';
import { mount, press, typeInto, type Mounted } from './testing';

const item: ConversationItem = {
  id: 'c1',
  title: 'Old title',
  created_at: '2026-11-29T10:00:00.000Z',
  updated_at: '2026-11-29T10:00:00.000Z',
};

let view: Mounted;
afterEach(() => view.unmount());

function setup() {
  const onDone = vi.fn();
  const onCancel = vi.fn();
  view = mount(<RenameField item={item} onDone={onDone} onCancel={onCancel} />);
  const field = view.container.querySelector('input')!;
  return { onDone, onCancel, field };
}

describe('RenameField', () => {
  it('starts focused on the current title', () => {
    const { field } = setup();
    expect(field.value).toBe('Old title');
    expect(document.activeElement).toBe(field);
  });

  it('Enter keeps the new title once, even when a blur follows', () => {
    const { onDone, onCancel, field } = setup();
    typeInto(field, 'New title');
    press(field, 'Enter');
    act(() => field.blur());
    expect(onDone).toHaveBeenCalledExactlyOnceWith('New title');
    expect(onCancel).not.toHaveBeenCalled();
  });

  it('Escape cancels, and the blur that follows does not save', () => {
    const { onDone, onCancel, field } = setup();
    typeInto(field, 'Discarded');
    press(field, 'Escape');
    act(() => field.blur());
    expect(onCancel).toHaveBeenCalledOnce();
    expect(onDone).not.toHaveBeenCalled();
  });

  it('leaving the field keeps the title', () => {
    const { onDone, field } = setup();
    typeInto(field, 'Kept');
    act(() => field.blur());
    expect(onDone).toHaveBeenCalledExactlyOnceWith('Kept');
  });
});
