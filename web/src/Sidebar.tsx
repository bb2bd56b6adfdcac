// The conversation list: newest first, more pages as it scrolls, rename in
// place and delete after a confirmation.
import { memo, useEffect, useRef, useState } from 'react';
import { deleteConversation, renameConversation, type ConversationItem } from './api';
import { ConfirmDelete } from './ConfirmDelete';
import { handleFailure } from './failure';
import { CloseIcon, PencilIcon, TrashIcon } from './icons';
import type { ListState } from './listState';
import { RenameField } from './RenameField';
import { pathFor } from './route';

interface Props {
  list: ListState;
  activeId: string | null;
  onOpen: (id: string | null) => void;
  onLoadMore: () => void;
  onRenamed: (item: ConversationItem) => void;
  onRemoved: (id: string) => void;
  onClose: () => void;
}

export const Sidebar = memo(function Sidebar({
  list,
  activeId,
  onOpen,
  onLoadMore,
  onRenamed,
  onRemoved,
  onClose,
}: Props) {
  const sentinel = useRef<HTMLLIElement>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<ConversationItem | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Infinite scroll: the next page loads when the end of the list is visible.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || list.done || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) onLoadMore();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [list.done, list.items.length, onLoadMore]);

  const rename = async (item: ConversationItem, title: string) => {
    setEditing(null);
    const t = title.trim();
    if (!t || t === item.title) return;
    try {
      onRenamed(await renameConversation(item.id, t));
    } catch (e) {
      handleFailure(e, () => setError('Could not rename the conversation.'));
    }
  };

  const remove = async (item: ConversationItem) => {
    setConfirming(null);
    try {
      await deleteConversation(item.id);
      onRemoved(item.id);
    } catch (e) {
      handleFailure(e, (error) =>
        // Already gone (deleted in another tab): the list catches up.
        error.kind === 'not_found'
          ? onRemoved(item.id)
          : setError('Could not delete the conversation.'),
      );
    }
  };

  return (
    <nav id="sidebar" className="sidebar" aria-label="Conversations">
      <div className="sidebar-head">
        <button type="button" className="primary new-chat" onClick={() => onOpen(null)}>
          + New chat
        </button>
        <button
          type="button"
          className="icon-button sidebar-close"
          aria-label="Hide conversations"
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </div>
      {error && (
        <div className="banner error" role="alert">
          {error}{' '}
          <button type="button" className="link" onClick={() => setError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <ul className="conversation-list" data-testid="conversation-list">
        {list.items.map((item) => (
          <li key={item.id} className={item.id === activeId ? 'active' : undefined}>
            {editing === item.id ? (
              <RenameField
                item={item}
                onDone={(t) => void rename(item, t)}
                onCancel={() => setEditing(null)}
              />
            ) : (
              <>
                <a
                  href={pathFor(item.id)}
                  className="conversation-link"
                  aria-current={item.id === activeId ? 'page' : undefined}
                  onClick={(e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                    e.preventDefault();
                    onOpen(item.id);
                  }}
                >
                  {item.title || 'New chat'}
                </a>
                <span className="row-actions">
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Rename ${item.title || 'conversation'}`}
                    onClick={() => setEditing(item.id)}
                  >
                    <PencilIcon />
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Delete ${item.title || 'conversation'}`}
                    onClick={() => setConfirming(item)}
                  >
                    <TrashIcon />
                  </button>
                </span>
              </>
            )}
          </li>
        ))}
        {!list.done && (
          <li ref={sentinel} className="muted list-status">
            {list.error ? (
              <button type="button" className="link" onClick={onLoadMore}>
                Could not load. Retry
              </button>
            ) : list.loading ? (
              'Loading…'
            ) : (
              <button type="button" className="link" onClick={onLoadMore}>
                Load more
              </button>
            )}
          </li>
        )}
        {list.done && list.items.length === 0 && (
          <li className="muted list-status">No conversations yet</li>
        )}
      </ul>
      {confirming && (
        <ConfirmDelete
          item={confirming}
          onConfirm={() => void remove(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
    </nav>
  );
});
