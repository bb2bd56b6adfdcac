import { useCallback, useEffect, useReducer, useState } from 'react';
import {
  ApiError,
  getSession,
  listConversations,
  type ConversationItem,
  type Session,
} from './api';
import { Chat } from './Chat';
import { handleFailure } from './failure';
import { MenuIcon } from './icons';
import { loadMarkdown } from './markdownLoader';
import { initialList, listReducer } from './listState';
import { conversationIdFromPath, navigate, reauthenticate } from './route';
import { Sidebar } from './Sidebar';
import { UserMenu } from './UserMenu';

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [sessionError, setSessionError] = useState<string | null>(null);
  const [conversationId, setConversationId] = useState(() =>
    conversationIdFromPath(location.pathname),
  );
  const [list, dispatchList] = useReducer(listReducer, initialList);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [online, setOnline] = useState(() => navigator.onLine);

  // "First meaningful paint" in the browser test: the shell (sidebar,
  // composer) is committed.
  useEffect(() => {
    performance.mark('parley:shell');
    void loadMarkdown();
  }, []);

  useEffect(() => {
    getSession()
      .then((s) => {
        if (s === null) reauthenticate();
        else setSession(s);
      })
      .catch((e: unknown) =>
        setSessionError(e instanceof ApiError ? e.message : 'Parley could not be reached.'),
      );
  }, []);

  useEffect(() => {
    const onPop = () => setConversationId(conversationIdFromPath(location.pathname));
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    addEventListener('popstate', onPop);
    addEventListener('online', up);
    addEventListener('offline', down);
    return () => {
      removeEventListener('popstate', onPop);
      removeEventListener('online', up);
      removeEventListener('offline', down);
    };
  }, []);

  const loadMore = useCallback(
    async (reset = false) => {
      if (!reset && (list.loading || list.done)) return;
      dispatchList({ type: 'loading' });
      try {
        const page = await listConversations(reset ? null : list.cursor);
        dispatchList({ type: 'page', page, reset });
      } catch (e) {
        handleFailure(e, (error) => dispatchList({ type: 'failed', error: error.message }));
      }
    },
    [list.loading, list.done, list.cursor],
  );

  useEffect(() => {
    if (session) void loadMore(true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);

  const open = useCallback((id: string | null) => {
    navigate(id);
    setSidebarOpen(false);
  }, []);

  const onCreated = useCallback((item: ConversationItem) => {
    dispatchList({ type: 'upsert', item });
    navigate(item.id);
  }, []);
  const onTouched = useCallback((id: string, title?: string) => {
    dispatchList({ type: 'touch', id, updated_at: new Date().toISOString(), title });
  }, []);
  const onRemoved = useCallback(
    (id: string) => {
      dispatchList({ type: 'remove', id });
      if (id === conversationId) navigate(null, true);
    },
    [conversationId],
  );

  if (sessionError) {
    return (
      <main className="center-page">
        <h1>Parley</h1>
        <p role="alert">{sessionError}</p>
        <button type="button" onClick={() => location.reload()}>
          Try again
        </button>
      </main>
    );
  }
  // The shell renders at once (the page route already required a session);
  // the user menu appears when /api/auth/session answers.

  return (
    <div className={'layout' + (sidebarOpen ? ' sidebar-open' : '')}>
      <a className="skip-link" href="#composer-input">
        Skip to message input
      </a>
      <Sidebar
        list={list}
        activeId={conversationId}
        onOpen={open}
        onLoadMore={() => void loadMore()}
        onRenamed={(item) => dispatchList({ type: 'upsert', item })}
        onRemoved={onRemoved}
        onClose={() => setSidebarOpen(false)}
      />
      <div className="main">
        <header className="topbar">
          <button
            type="button"
            className="icon-button menu-toggle"
            aria-label="Show conversations"
            aria-expanded={sidebarOpen}
            aria-controls="sidebar"
            onClick={() => setSidebarOpen((v) => !v)}
          >
            <MenuIcon />
          </button>
          <span className="brand">Parley</span>
          {session && <UserMenu user={session.user} />}
        </header>
        {!online && (
          <div className="banner warn" role="status">
            You are offline. Parley needs a connection to send and receive messages.
          </div>
        )}
        <Chat
          key="chat"
          conversationId={conversationId}
          onCreated={onCreated}
          onTouched={onTouched}
        />
      </div>
    </div>
  );
}
