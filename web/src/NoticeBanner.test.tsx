// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NoticeBanner } from './NoticeBanner';
import { click, mount, type Mounted } from './testing';

let view: Mounted;
afterEach(() => view.unmount());
const buttons = () => [...view.container.querySelectorAll('button')];

describe('NoticeBanner', () => {
  it('an error is an alert with Retry and Dismiss', () => {
    const onRetry = vi.fn();
    const onDismiss = vi.fn();
    view = mount(
      <NoticeBanner
        notice={{ kind: 'network', text: 'The connection dropped.', retry: 'regenerate' }}
        onRetry={onRetry}
        onDismiss={onDismiss}
      />,
    );
    const banner = view.container.querySelector('[role="alert"]')!;
    expect(banner.className).toBe('banner error');
    expect(banner.getAttribute('data-kind')).toBe('network');
    expect(banner.textContent).toContain('The connection dropped.');
    click(buttons().find((b) => b.textContent === 'Retry')!);
    click(buttons().find((b) => b.textContent === 'Dismiss')!);
    expect(onRetry).toHaveBeenCalledOnce();
    expect(onDismiss).toHaveBeenCalledOnce();
  });

  it('without a retry there is no Retry button; a stop is information, not an error', () => {
    view = mount(
      <NoticeBanner
        notice={{ kind: 'stopped', text: 'Stopped.', retry: null }}
        onRetry={null}
        onDismiss={() => {}}
      />,
    );
    expect(view.container.querySelector('[role="alert"]')!.className).toBe('banner info');
    expect(buttons().map((b) => b.textContent)).toEqual(['Dismiss']);
  });
});
