// What the UI does with a failed call, in one place: 401 means the session
// ended, so sign in again and come back to this page; anything else becomes an
// ApiError for `show` (the chat turns it into a notice).
import { toApiError, type ApiError } from './api';
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
