// One message: plain text for the user's, sanitised markdown for answers
// (plain text until the markdown chunk has loaded), its status and actions.
import { memo, useMemo, useState } from 'react';
import type { Message } from './api';
import { copyText } from './clipboard';
import { useMarkdown } from './markdownLoader';

const statusLabel: Partial<Record<Message['status'], string>> = {
  stopped: 'Stopped',
  failed: 'Failed',
  filtered: 'Filtered',
};

export const MessageView = memo(function MessageView({
  message,
  canRegenerate,
  onRegenerate,
}: {
  message: Message;
  canRegenerate: boolean;
  onRegenerate: () => void;
}) {
  const [copied, setCopied] = useState(false);
  const renderMarkdown = useMarkdown();
  const html = useMemo(
    () => (message.role === 'assistant' && renderMarkdown ? renderMarkdown(message.content) : null),
    [message.role, message.content, renderMarkdown],
  );
  const isStreaming = message.status === 'streaming';
  const copy = async () => {
    setCopied(await copyText(message.content));
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <article
      className={'message ' + message.role}
      data-testid={'message-' + message.role}
      data-status={message.status}
      aria-busy={isStreaming}
      aria-label={message.role === 'user' ? 'You said' : 'Parley answered'}
    >
      {message.role === 'assistant' && isStreaming && !message.content ? (
        <p className="muted thinking">Writing…</p>
      ) : message.role === 'assistant' && !message.content ? (
        <p className="muted">No answer was written.</p>
      ) : message.role === 'assistant' && html !== null ? (
        <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <div className="plain">{message.content}</div>
      )}
      {!isStreaming && (
        <div className="message-actions">
          {statusLabel[message.status] && (
            <span className={'badge ' + message.status}>{statusLabel[message.status]}</span>
          )}
          <button
            type="button"
            className="link"
            onClick={() => void copy()}
            aria-label={message.role === 'user' ? 'Copy your message' : 'Copy answer'}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
          {canRegenerate && (
            <button type="button" className="link" onClick={onRegenerate}>
              Regenerate
            </button>
          )}
        </div>
      )}
    </article>
  );
});
