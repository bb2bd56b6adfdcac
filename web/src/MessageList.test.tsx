// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Message } from './api';
import { initialChat, type ChatState } from './chatState';
import { loadMarkdown } from './markdownLoader';
import { MessageList } from './MessageList';
import { click, mount, settle, type Mounted } from './testing';

const at = '2026-11-29T10:00:00.000Z';
const msg = (id: string, role: Message['role'], content: string): Message => ({
  id,
  role,
  content,
  status: 'complete',
  model: null,
  usage: null,
  created_at: at,
});
const chat = (s: Partial<ChatState>): ChatState => ({ ...initialChat, conversationId: 'c1', ...s });

let view: Mounted;
const writeText = vi.fn(async (_text: string) => {});
beforeAll(async () => {
  await loadMarkdown();
});
beforeEach(() => {
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});
afterEach(() => view.unmount());

const show = (state: ChatState) => {
  view = mount(<MessageList state={state} onRegenerate={() => {}} />);
  return view.container;
};

describe('MessageList', () => {
  it('a new chat shows the empty state', () => {
    expect(show(chat({ conversationId: null })).textContent).toContain('How can I help?');
  });

  it('a conversation being loaded says so instead of the empty state', () => {
    const text = show(chat({ phase: 'loading' })).textContent;
    expect(text).toContain('Loading conversation…');
    expect(text).not.toContain('How can I help?');
  });

  it('shows Thinking… while the sent message waits for the answer to start', () => {
    const c = show(chat({ phase: 'sending', messages: [msg('pending-user', 'user', 'hi')] }));
    expect(c.querySelector('.thinking')!.textContent).toBe('Thinking…');
  });

  it('offers Regenerate on the last answer only', () => {
    const c = show(
      chat({
        messages: [
          msg('u1', 'user', 'a'),
          msg('a1', 'assistant', 'b'),
          msg('u2', 'user', 'c'),
          msg('a2', 'assistant', 'd'),
        ],
      }),
    );
    const offers = [...c.querySelectorAll('article')].map((a) =>
      a.textContent.includes('Regenerate'),
    );
    expect(offers).toEqual([false, false, false, true]);
  });

  it("a code block's copy button copies that block's code", async () => {
    const c = show(
      chat({ messages: [msg('a1', 'assistant', 'One:\n\n```js\nconst a = 1;\n```\n\nTwo.')] }),
    );
    const button = c.querySelector('.code-block .copy-code')!;
    click(button);
    await settle();
    expect(writeText).toHaveBeenCalledWith('const a = 1;');
    expect(button.textContent).toBe('Copied');
  });
});
