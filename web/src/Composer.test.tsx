// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Composer } from './Composer';
import { click, mount, press, typeInto, type Mounted } from './testing';

let view: Mounted;
afterEach(() => view.unmount());

function setup(props: Partial<Parameters<typeof Composer>[0]> = {}) {
  const onSend = vi.fn(async (_content: string) => {});
  const onStop = vi.fn();
  view = mount(
    <Composer
      busy={false}
      streaming={false}
      stopping={false}
      onSend={onSend}
      onStop={onStop}
      {...props}
    />,
  );
  const field = view.container.querySelector('textarea')!;
  return { onSend, onStop, field };
}

describe('Composer', () => {
  it('Enter sends the text as typed and empties the field', () => {
    const { onSend, field } = setup();
    typeInto(field, '  two lines\nof text ');
    press(field, 'Enter');
    expect(onSend).toHaveBeenCalledWith('  two lines\nof text ');
    expect(field.value).toBe('');
  });

  it('Shift+Enter is a new line, not a send', () => {
    const { onSend, field } = setup();
    typeInto(field, 'hello');
    press(field, 'Enter', { shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    expect(field.value).toBe('hello');
  });

  it('Enter while an IME composes does not send', () => {
    const { onSend, field } = setup();
    typeInto(field, 'にほん');
    press(field, 'Enter', { isComposing: true });
    expect(onSend).not.toHaveBeenCalled();
  });

  it('blank text is not sent and Send is disabled', () => {
    const { onSend, field } = setup();
    typeInto(field, '   ');
    press(field, 'Enter');
    expect(onSend).not.toHaveBeenCalled();
    expect(view.container.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled).toBe(
      true,
    );
  });

  it('the Send button sends', () => {
    const { onSend, field } = setup();
    typeInto(field, 'hi');
    click(view.container.querySelector('button[type="submit"]'));
    expect(onSend).toHaveBeenCalledWith('hi');
  });

  it('while busy the field is read-only and Enter does nothing', () => {
    const { onSend, field } = setup({ busy: true });
    typeInto(field, 'queued');
    press(field, 'Enter');
    expect(field.readOnly).toBe(true);
    expect(field.getAttribute('aria-disabled')).toBe('true');
    expect(onSend).not.toHaveBeenCalled();
  });

  it('while streaming Send becomes Stop; while stopping Stop is disabled', () => {
    const { onStop } = setup({ busy: true, streaming: true });
    const stop = () => view.container.querySelector<HTMLButtonElement>('button.stop')!;
    expect(view.container.querySelector('button[type="submit"]')).toBeNull();
    click(stop());
    expect(onStop).toHaveBeenCalledOnce();
    view.rerender(<Composer busy streaming stopping onSend={async () => {}} onStop={onStop} />);
    expect(stop().disabled).toBe(true);
    expect(stop().textContent).toBe('Stopping…');
  });

  it('takes the focus back when the answer is finished', () => {
    const { field } = setup({ busy: true, streaming: true });
    field.blur();
    view.rerender(
      <Composer
        busy={false}
        streaming={false}
        stopping={false}
        onSend={async () => {}}
        onStop={() => {}}
      />,
    );
    expect(document.activeElement).toBe(field);
  });
});
