import { describe, expect, it } from 'vitest';
import { sampleEvent } from './adminTesting';
import { checkSequence } from './auditChain';

describe('checkSequence', () => {
  it('consecutive seqs, newest first, with hashes: no breaks', () => {
    const c = checkSequence([sampleEvent(12), sampleEvent(11), sampleEvent(10)]);
    expect(c).toEqual({ count: 3, newest: 12, oldest: 10, breaks: [], badHashes: [] });
  });

  it('a missing event and one out of order are breaks', () => {
    const c = checkSequence([sampleEvent(9), sampleEvent(7), sampleEvent(8)]);
    expect(c.breaks).toEqual([
      { after: 9, next: 7 },
      { after: 7, next: 8 },
    ]);
  });

  it('seq as a string (a bigint kept exact) and a malformed hash', () => {
    const c = checkSequence([sampleEvent(2), { ...sampleEvent(1), seq: '1', hash: 'xyz' }]);
    expect(c.breaks).toEqual([]);
    expect(c.badHashes).toEqual([1]);
  });

  it('nothing loaded', () => {
    expect(checkSequence([])).toMatchObject({ count: 0, newest: null, oldest: null });
  });
});
