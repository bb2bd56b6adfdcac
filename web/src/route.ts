import { signInUrl } from './api';

// Deep links: "/" is a new chat, "/c/<id>" a conversation; history.pushState
// keeps them in the address bar so reload and back/forward work.
export function conversationIdFromPath(path: string): string | null {
  const m = /^\/c\/([^/?#]+)\/?$/.exec(path);
  return m ? decodeURIComponent(m[1]) : null;
}

export function pathFor(id: string | null): string {
  return id ? '/c/' + encodeURIComponent(id) : '/';
}

export function navigate(id: string | null, replace = false) {
  const path = pathFor(id);
  if (location.pathname === path) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

// The admin area ("/admin", "/admin/..."): its own lazily loaded chunk.
export function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/');
}

// Session expired (401 anywhere): through sign-in and back to this page.
export function reauthenticate() {
  location.assign(signInUrl(location.pathname + location.search));
}
