// The open conversation's behaviour: loading it, sending, streaming the answer
// in, Stop, Regenerate and Retry. The state rules are chatState.ts (pure, unit
// tested); this hook makes the calls and owns their timing.
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useReducer,
  useRef,
  useState,
  type Dispatch,
} from 'react';
import {
  ApiError,
  createConversation,
  getConversation,
  setConversationModel,
  stopAnswer,
  streamAnswer,
  type ConversationItem,
} from './api';
import {
  chatReducer,
  initialChat,
  isBusy,
  retryAction,
  type ChatAction,
  type ChatState,
} from './chatState';
import { handleFailure } from './failure';

// After Stop the server answers `done` (stopped) within a second; if it does
// not within this, the client stops reading and keeps what arrived.
const STOP_GRACE_MS = 5000;

export interface ChatEvents {
  // The conversation created for the first message of a new chat.
  onCreated: (item: ConversationItem) => void;
  // A conversation got a new message or title (the list re-sorts it).
  onTouched: (id: string, title?: string) => void;
}

export interface ChatControls {
  state: ChatState;
  // For the polite live region: how the last answer ended.
  announcement: string;
  send: (content: string) => Promise<void>;
  regenerate: () => Promise<void>;
  stop: () => void;
  retry: () => void;
  dismiss: () => void;
  // The model of the next answers: remembered by the conversation (PATCH), or
  // for a new chat by the conversation its first message creates.
  chooseModel: (model: string | null) => Promise<void>;
}

function load(id: string, dispatch: Dispatch<ChatAction>, live: () => boolean = () => true) {
  getConversation(id)
    .then((c) => live() && dispatch({ type: 'loaded', conversation: c }))
    .catch((e: unknown) => {
      if (live()) handleFailure(e, (error) => dispatch({ type: 'load_failed', error }));
    });
}

export function useChat(
  conversationId: string | null,
  { onCreated, onTouched }: ChatEvents,
): ChatControls {
  const [state, dispatch] = useReducer(chatReducer, initialChat);
  // The callbacks read the latest committed state without being re-created on
  // every change (and `send` updates it early with the adopted id).
  const stateRef = useRef<ChatState>(state);
  useLayoutEffect(() => {
    stateRef.current = state;
  });
  const abortRef = useRef<AbortController | null>(null);
  const stopRequested = useRef(false);
  const [announcement, setAnnouncement] = useState('');

  // Open the conversation in the URL (unless it is the one being created).
  useEffect(() => {
    if (conversationId !== null && conversationId === stateRef.current.conversationId) return;
    abortRef.current?.abort();
    dispatch({ type: 'open', id: conversationId });
    if (!conversationId) return;
    let cancelled = false;
    load(conversationId, dispatch, () => !cancelled);
    return () => {
      cancelled = true;
    };
  }, [conversationId]);

  useEffect(() => () => abortRef.current?.abort(), []);

  const run = useCallback(
    async (id: string, content: string | null) => {
      const controller = new AbortController();
      abortRef.current = controller;
      stopRequested.current = false;
      let terminal = false;
      try {
        await streamAnswer(
          id,
          content,
          (event) => {
            dispatch({ type: 'stream', event, now: new Date().toISOString() });
            if (event.type === 'start' && stopRequested.current)
              void stopAnswer(id).catch(() => {});
            if (event.type === 'title') onTouched(id, event.title);
            if (event.type === 'done') {
              terminal = true;
              setAnnouncement(
                event.status === 'complete' ? 'Answer complete' : 'Answer ' + event.status,
              );
            }
            if (event.type === 'error') {
              terminal = true;
              setAnnouncement('The answer failed');
            }
          },
          controller.signal,
        );
        if (!terminal)
          throw new ApiError(
            0,
            'network',
            'The connection dropped while the answer was streaming.',
          );
      } catch (e) {
        if ((e as Error).name === 'AbortError') {
          if (stopRequested.current) dispatch({ type: 'aborted' });
          return;
        }
        handleFailure(e, (error) => dispatch({ type: 'request_failed', error }));
      } finally {
        if (abortRef.current === controller) abortRef.current = null;
        onTouched(id);
      }
    },
    [onTouched],
  );

  const send = useCallback(
    async (content: string) => {
      const s = stateRef.current;
      if (isBusy(s) || !content.trim()) return;
      dispatch({ type: 'send', content, now: new Date().toISOString() });
      let id = s.conversationId;
      if (!id) {
        try {
          const item = await createConversation(undefined, s.model);
          id = item.id;
          dispatch({ type: 'adopt', id, title: item.title });
          stateRef.current = { ...stateRef.current, conversationId: id };
          onCreated(item);
        } catch (e) {
          handleFailure(e, (error) => dispatch({ type: 'request_failed', error }));
          return;
        }
      }
      await run(id, content);
    },
    [run, onCreated],
  );

  const regenerate = useCallback(async () => {
    const s = stateRef.current;
    if (!s.conversationId || isBusy(s)) return;
    dispatch({ type: 'regenerate' });
    await run(s.conversationId, null);
  }, [run]);

  const stop = useCallback(() => {
    const s = stateRef.current;
    if (!s.conversationId) return;
    stopRequested.current = true;
    dispatch({ type: 'stopping' });
    const controller = abortRef.current;
    void stopAnswer(s.conversationId).catch(() => controller?.abort());
    setTimeout(() => {
      if (abortRef.current === controller) controller?.abort();
    }, STOP_GRACE_MS);
  }, []);

  const retry = useCallback(() => {
    const s = stateRef.current;
    const action = retryAction(s);
    if (!action) return;
    if (action.type === 'resend') void send(action.content);
    else if (action.type === 'regenerate') void regenerate();
    else if (s.conversationId) {
      dispatch({ type: 'open', id: null });
      dispatch({ type: 'open', id: s.conversationId });
      load(s.conversationId, dispatch);
    }
  }, [send, regenerate]);

  const dismiss = useCallback(() => dispatch({ type: 'dismiss' }), []);

  const chooseModel = useCallback(async (model: string | null) => {
    const s = stateRef.current;
    if (isBusy(s) || model === s.model) return;
    dispatch({ type: 'model', model });
    if (!s.conversationId) return;
    try {
      const item = await setConversationModel(s.conversationId, model);
      if (stateRef.current.conversationId === item.id)
        dispatch({ type: 'model', model: item.model ?? null });
    } catch (e) {
      if (stateRef.current.conversationId !== s.conversationId) return;
      dispatch({ type: 'model', model: s.model });
      handleFailure(e, (error) => dispatch({ type: 'request_failed', error }));
    }
  }, []);

  return { state, announcement, send, regenerate, stop, retry, dismiss, chooseModel };
}
