// Loading one thing for a page: loading / loaded / failed, reloaded when
// `key` changes or on reload(). A 401 goes through sign-in and back; every
// other failure is the page's to show (403 included: the server decides who
// is an administrator).
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { toApiError, type ApiError } from '../api';
import { reauthenticate } from '../route';

export type Load<T> =
  { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; error: ApiError };

export interface Loaded<T> {
  load: Load<T>;
  reload: () => void;
  // Replaces the loaded data (after a change the server confirmed).
  update: (f: (data: T) => T) => void;
}

export function useLoad<T>(key: string, fetch: () => Promise<T>): Loaded<T> {
  const fetchRef = useRef(fetch);
  useLayoutEffect(() => {
    fetchRef.current = fetch;
  });
  const [attempt, setAttempt] = useState(0);
  const current = key + '#' + attempt;
  const [result, setResult] = useState<{ key: string; load: Load<T> } | null>(null);

  useEffect(() => {
    let live = true;
    fetchRef.current().then(
      (data) => live && setResult({ key: current, load: { state: 'ok', data } }),
      (e: unknown) => {
        if (!live) return;
        const error = toApiError(e);
        if (error.kind === 'unauthorized') reauthenticate();
        else setResult({ key: current, load: { state: 'error', error } });
      },
    );
    return () => {
      live = false;
    };
  }, [current]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const update = useCallback(
    (f: (data: T) => T) =>
      setResult((r) =>
        r && r.load.state === 'ok' ? { ...r, load: { state: 'ok', data: f(r.load.data) } } : r,
      ),
    [],
  );
  const load: Load<T> = result && result.key === current ? result.load : { state: 'loading' };
  return { load, reload, update };
}
