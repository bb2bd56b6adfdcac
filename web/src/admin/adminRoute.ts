// The admin area's pages and their URLs. Filters live in the query string,
// so a reload, Back and a shared link show the same view.
import { useEffect, useState } from 'react';

export type AdminRoute =
  | { page: 'users' }
  | { page: 'user'; id: string }
  | { page: 'usage' }
  | { page: 'audit' }
  | { page: 'missing' };

export function adminRouteFrom(path: string): AdminRoute {
  const p = path.replace(/\/+$/, '');
  if (p === '/admin' || p === '/admin/users') return { page: 'users' };
  if (p === '/admin/usage') return { page: 'usage' };
  if (p === '/admin/audit') return { page: 'audit' };
  const m = /^\/admin\/users\/([^/]+)$/.exec(p);
  if (m) {
    try {
      return { page: 'user', id: decodeURIComponent(m[1]) };
    } catch {
      return { page: 'missing' };
    }
  }
  return { page: 'missing' };
}

export const userPath = (id: string) => '/admin/users/' + encodeURIComponent(id);

// Client-side navigation inside the admin area (the chat is a full load).
export function go(url: string, replace = false) {
  if (location.pathname + location.search === url) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  dispatchEvent(new PopStateEvent('popstate'));
}

// A plain click on an in-area link navigates without a page load; a click
// with a modifier (new tab) keeps the browser's behaviour.
export function linkHandler(url: string) {
  return (e: {
    metaKey: boolean;
    ctrlKey: boolean;
    shiftKey: boolean;
    button: number;
    preventDefault: () => void;
  }) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    go(url);
  };
}

export interface Where {
  path: string;
  search: string;
}

export function useLocation(): Where {
  const [where, setWhere] = useState<Where>(() => ({
    path: location.pathname,
    search: location.search,
  }));
  useEffect(() => {
    const onPop = () => setWhere({ path: location.pathname, search: location.search });
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return where;
}

// The query string's value of `name`, or ''.
export function param(search: string, name: string): string {
  return new URLSearchParams(search).get(name) ?? '';
}
