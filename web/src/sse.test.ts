import { describe, expect, it } from 'vitest';
import { readSse, SseParser, type SseEvent } from './sse';

function parseAll(chunks: string[]): SseEvent[] {
  const p = new SseParser();
  return chunks.flatMap((c) => p.push(c));
}

describe('SseParser', () => {
  const table: Array<[string, string[], SseEvent[]]> = [
    [
      'one event',
      ['event: delta\ndata: {"text":"a"}\n\n'],
      [{ event: 'delta', data: '{"text":"a"}' }],
    ],
    [
      'split anywhere',
      ['eve', 'nt: del', 'ta\nda', 'ta: x\n', '\n'],
      [{ event: 'delta', data: 'x' }],
    ],
    ['CRLF line ends', ['event: done\r\ndata: 1\r\n\r\n'], [{ event: 'done', data: '1' }]],
    ['CRLF split between chunks', ['data: 1\r', '\n\r', '\n'], [{ event: 'message', data: '1' }]],
    ['bare CR line ends', ['data: 1\r\r'], [{ event: 'message', data: '1' }]],
    [
      'multi-line data joins with LF',
      ['data: a\ndata: b\n\n'],
      [{ event: 'message', data: 'a\nb' }],
    ],
    ['comments ignored', [': keep-alive\n\ndata: x\n\n'], [{ event: 'message', data: 'x' }]],
    ['no space after colon', ['event:title\ndata:{}\n\n'], [{ event: 'title', data: '{}' }]],
    ['event without data is not dispatched', ['event: ping\n\n'], []],
    ['unterminated event is held back', ['data: x\n'], []],
    [
      'two events in one chunk',
      ['data: 1\n\ndata: 2\n\n'],
      [
        { event: 'message', data: '1' },
        { event: 'message', data: '2' },
      ],
    ],
    ['id field kept', ['id: 7\ndata: x\n\n'], [{ event: 'message', data: 'x', id: '7' }]],
  ];
  for (const [name, chunks, want] of table) {
    it(name, () => expect(parseAll(chunks)).toEqual(want));
  }

  it('event name resets after each dispatch', () => {
    expect(parseAll(['event: delta\ndata: 1\n\ndata: 2\n\n']).map((e) => e.event)).toEqual([
      'delta',
      'message',
    ]);
  });
});

function streamOf(parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(p);
      c.close();
    },
  });
}

describe('readSse', () => {
  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('data: {"text":"héllo ✓"}\n\n');
    const i = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    const events: SseEvent[] = [];
    await readSse(streamOf([bytes.slice(0, i), bytes.slice(i)]), (e) => events.push(e));
    expect(events).toEqual([{ event: 'message', data: '{"text":"héllo ✓"}' }]);
  });

  it('rejects when the body errors mid-stream, after delivering what arrived', async () => {
    const enc = new TextEncoder();
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulls++ === 0) c.enqueue(enc.encode('event: delta\ndata: {"text":"par"}\n\n'));
        else c.error(new TypeError('network error'));
      },
    });
    const events: SseEvent[] = [];
    await expect(readSse(body, (e) => events.push(e))).rejects.toThrow('network error');
    expect(events).toHaveLength(1);
  });
});
