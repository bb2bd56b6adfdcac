// What went wrong (or that the answer was stopped), announced as an alert,
// with Retry when there is something to retry.
import type { Notice } from './chatState';

export function NoticeBanner({
  notice,
  onRetry,
  onDismiss,
}: {
  notice: Notice;
  onRetry: (() => void) | null;
  onDismiss: () => void;
}) {
  return (
    <div
      className={'banner ' + (notice.kind === 'stopped' ? 'info' : 'error')}
      role="alert"
      data-testid="notice"
      data-kind={notice.kind}
    >
      <span>{notice.text}</span>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
      <button type="button" className="link" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
