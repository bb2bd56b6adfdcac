// What a page says when its data could not be loaded. A 403 is the
// server's word that the caller is not an administrator.
import { ADMIN_ROLE, type ApiError } from '../api';

export function isForbidden(error: ApiError): boolean {
  return error.status === 403 && error.code !== 'csrf';
}

export function errorText(error: ApiError, what: string): string {
  if (isForbidden(error)) return 'You do not have access to Parley’s administration.';
  if (error.kind === 'network')
    return 'Parley could not be reached. Check your connection and try again.';
  if (error.kind === 'not_found') return `${what} was not found.`;
  return `${what} could not be loaded: ${error.message || 'the server answered ' + error.status}.`;
}

// What a refused or failed change says (the page itself stays as it was).
export function changeErrorText(error: ApiError): string {
  if (isForbidden(error)) return 'You do not have access to Parley’s administration.';
  if (error.kind === 'network')
    return 'Parley could not be reached, so nothing was changed. Check your connection and try again.';
  if (error.kind === 'not_found') return 'This user no longer exists.';
  return `The change failed: ${error.message || 'the server answered ' + error.status}.`;
}

export function ErrorPanel({
  error,
  what,
  onRetry,
}: {
  error: ApiError;
  what: string;
  onRetry?: () => void;
}) {
  if (isForbidden(error))
    return (
      <div className="panel" role="alert" data-testid="admin-forbidden">
        <h2>Administrators only</h2>
        <p>
          {errorText(error, what)} Administrators have the <code>{ADMIN_ROLE}</code> app role in
          Entra ID; ask whoever manages Parley’s app registration if you need it.
        </p>
        <p>
          <a href="/">Back to chat</a>
        </p>
      </div>
    );
  return (
    <div className="banner error" role="alert" data-testid="load-error">
      <span>{errorText(error, what)}</span>
      {onRetry && error.kind !== 'not_found' && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
