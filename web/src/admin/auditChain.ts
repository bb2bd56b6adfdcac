// What the browser can check of the audit trail from the API's answer: the
// events shown are numbered without gaps, newest first, each with a
// SHA-256 hash. Recomputing the hashes needs the server's canonical row
// encoding: that is `parley audit verify` (DESIGN.md), which the API does
// not expose.
import type { AuditEvent } from './adminApi';

export interface ChainCheck {
  count: number;
  newest: number | null;
  oldest: number | null;
  // Where numbers are missing or out of order: seq `after` is followed by `next`.
  breaks: { after: number; next: number }[];
  // Events whose hash is not 64 hex digits.
  badHashes: number[];
}

export function checkSequence(items: AuditEvent[]): ChainCheck {
  const seqs = items.map((e) => Number(e.seq));
  const breaks: ChainCheck['breaks'] = [];
  for (let i = 1; i < seqs.length; i++)
    if (seqs[i] !== seqs[i - 1] - 1) breaks.push({ after: seqs[i - 1], next: seqs[i] });
  return {
    count: items.length,
    newest: seqs.length ? seqs[0] : null,
    oldest: seqs.length ? seqs[seqs.length - 1] : null,
    breaks,
    badHashes: items.filter((e) => !/^[0-9a-f]{64}$/i.test(e.hash)).map((e) => Number(e.seq)),
  };
}
