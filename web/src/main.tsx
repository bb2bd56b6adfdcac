import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { isAdminPath } from './route';
import './styles.css';

// The admin area (and its chart library) is a separate chunk: the chat page
// never loads it.
const AdminApp = lazy(() => import('./admin/AdminApp'));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {isAdminPath(location.pathname) ? (
      <Suspense fallback={<p className="center-page muted">Loading…</p>}>
        <AdminApp />
      </Suspense>
    ) : (
      <App />
    )}
  </StrictMode>,
);
