import { formatTime } from './format';

// A time in the reader's zone; the exact value (UTC) on hover.
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  return (
    <time dateTime={at} title={at}>
      {formatTime(at)}
    </time>
  );
}
