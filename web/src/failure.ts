// What the UI does with a failed call, in one place: 401 means the session
// ended, so sign in again and come back to this page; anything else becomes an
// ApiError for `show` (the chat turns it into a notice).
import { toApiError, type ApiError, type RetryAfter } from './api';
import { reauthenticate } from './route';

export function handleFailure(
  e: unknown,
  show: (error: ApiError) => void,
  signIn: () => void = reauthenticate,
): void {
  const error = toApiError(e);
  if (error.kind === 'unauthorized') signIn();
  else show(error);
}

// A refused post over the user's quota (429 `quota_exceeded`): when they can
// write again, from Retry-After. A long wait is the daily budget, which
// resets at midnight UTC: said in the user's own time ("tomorrow at 01:00").
// `locale` and `timeZone` default to the browser's.
export function quotaText(
  retry: RetryAfter | null,
  { locale, timeZone }: { locale?: string; timeZone?: string } = {},
): string {
  const head = 'You have reached your usage limit.';
  if (!retry) return head + ' Please try again later.';
  if (retry.seconds <= 90) {
    const n = Math.max(1, retry.seconds);
    return `${head} Try again in ${n} second${n === 1 ? '' : 's'}.`;
  }
  const time = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  }).format(retry.at);
  const received = retry.at - retry.seconds * 1000;
  const days = dayNumber(retry.at, timeZone) - dayNumber(received, timeZone);
  const when =
    days === 0
      ? `today at ${time}`
      : days === 1
        ? `tomorrow at ${time}`
        : new Intl.DateTimeFormat(locale, {
            weekday: 'long',
            hour: '2-digit',
            minute: '2-digit',
            timeZone,
          }).format(retry.at);
  const reset = new Date(Math.round(retry.at / 60000) * 60000);
  const midnightUtc = reset.getUTCHours() === 0 && reset.getUTCMinutes() === 0;
  const note = midnightUtc ? ' (midnight UTC)' : '';
  return `You have reached your daily usage limit. You can send messages again ${when}${note}.`;
}

// The calendar day of an instant in a time zone, as a day count.
function dayNumber(t: number, timeZone?: string): number {
  const parts = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone,
  }).format(t); // YYYY-MM-DD
  return Math.round(Date.parse(parts + 'T00:00:00Z') / 86400000);
}
