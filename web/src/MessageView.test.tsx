// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Message } from './api';
import { loadMarkdown } from './markdownLoader';
import { MessageView } from './MessageView';
import { click, mount, settle, type Mounted } from './testing';

const message = (m: Partial<Message>): Message => ({
  id: 'm1',
  role: 'assistant',
  content: '',
  status: 'complete',
  model: null,
  usage: null,
  created_at: '2026-11-29T10:00:00.000Z',
  ...m,
});

let view: Mounted;
const writeText = vi.fn(async (_text: string) => {});
beforeAll(async () => {
  await loadMarkdown(); // rendered at once instead of plain text first
});
beforeEach(() => {
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});
afterEach(() => view.unmount());

function show(m: Partial<Message>, canRegenerate = false, onRegenerate = () => {}) {
  view = mount(
    <MessageView message={message(m)} canRegenerate={canRegenerate} onRegenerate={onRegenerate} />,
  );
  return view.container.querySelector('article')!;
}

describe('MessageView', () => {
  it('a user message is plain text, never markdown', () => {
    const article = show({ role: 'user', content: '**not bold** <b>x</b>' });
    expect(article.querySelector('.plain')!.textContent).toBe('**not bold** <b>x</b>');
    expect(article.querySelector('strong, b')).toBeNull();
    expect(article.getAttribute('aria-label')).toBe('You said');
  });

  it('an answer is sanitised markdown', () => {
    const article = show({ content: '**4** <img src=x onerror=alert(1)>' });
    expect(article.querySelector('.markdown strong')!.textContent).toBe('4');
    expect(article.innerHTML).not.toMatch(/onerror/);
    expect(article.getAttribute('aria-label')).toBe('Parley answered');
  });

  it('a streaming answer is busy, says it is writing and offers no actions yet', () => {
    const article = show({ status: 'streaming' });
    expect(article.getAttribute('aria-busy')).toBe('true');
    expect(article.textContent).toContain('Writing…');
    expect(article.querySelector('.message-actions')).toBeNull();
  });

  it('a finished answer with no text says so', () => {
    expect(show({ status: 'stopped' }).textContent).toContain('No answer was written.');
  });

  it.each([
    ['stopped', 'Stopped'],
    ['failed', 'Failed'],
    ['filtered', 'Filtered'],
  ] as const)('a %s answer carries the badge "%s"', (status, label) => {
    const article = show({ status, content: 'partial' });
    expect(article.getAttribute('data-status')).toBe(status);
    expect(article.querySelector('.badge')!.textContent).toBe(label);
  });

  it('a complete answer has no badge', () => {
    expect(show({ content: 'done' }).querySelector('.badge')).toBeNull();
  });

  it('Copy puts the message source on the clipboard', async () => {
    const article = show({ content: '**4**' });
    const copy = article.querySelector('button[aria-label="Copy answer"]')!;
    click(copy);
    await settle();
    expect(writeText).toHaveBeenCalledWith('**4**');
    expect(copy.textContent).toBe('Copied');
  });

  it('Regenerate is offered only where allowed', () => {
    const onRegenerate = vi.fn();
    expect(show({ content: 'a' }).textContent).not.toContain('Regenerate');
    view.unmount();
    const article = show({ content: 'a' }, true, onRegenerate);
    click([...article.querySelectorAll('button')].find((b) => b.textContent === 'Regenerate')!);
    expect(onRegenerate).toHaveBeenCalledOnce();
  });
});
