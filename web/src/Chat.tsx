// The open conversation: its messages, the notice of what went wrong (with
// Retry where retrying makes sense) and the composer. The behaviour is
// useChat; the pieces render.
import { useCallback } from 'react';
import type { ConversationItem } from './api';
import { isBusy, retryAction } from './chatState';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { ModelPicker, useModels } from './ModelPicker';
import { NoticeBanner } from './NoticeBanner';
import { useChat } from './useChat';

interface Props {
  conversationId: string | null;
  onCreated: (item: ConversationItem) => void;
  onTouched: (id: string, title?: string) => void;
}

export function Chat({ conversationId, onCreated, onTouched }: Props) {
  const { state, announcement, send, regenerate, stop, retry, dismiss, chooseModel } = useChat(
    conversationId,
    { onCreated, onTouched },
  );
  const models = useModels();
  // Stable, so that finished messages (memoised) do not re-render per delta.
  const onRegenerate = useCallback(() => void regenerate(), [regenerate]);

  const busy = isBusy(state);
  const streaming =
    state.phase === 'streaming' || state.phase === 'stopping' || state.phase === 'sending';

  return (
    <section className="chat" aria-label={state.title || 'New chat'}>
      <h1 className="visually-hidden">{state.title || 'New chat'}</h1>
      <MessageList state={state} onRegenerate={onRegenerate} />
      <div className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </div>
      {state.notice && (
        <NoticeBanner
          notice={state.notice}
          onRetry={retryAction(state) ? retry : null}
          onDismiss={dismiss}
        />
      )}
      <ModelPicker
        models={models}
        value={state.model}
        disabled={busy || state.phase === 'loading'}
        onChange={(m) => void chooseModel(m)}
      />
      <Composer
        busy={busy}
        streaming={streaming}
        stopping={state.phase === 'stopping'}
        onSend={send}
        onStop={stop}
      />
    </section>
  );
}
