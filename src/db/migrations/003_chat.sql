-- Conversations and their messages.
--
-- Every access path starts with user_id (conversations are found by
-- (id, user_id), messages by (user_id, conversation_id, ...)), so the tables
-- can later be distributed by user (e.g. Citus) without changing a query.
--
-- messages is range-partitioned by month on created_at, so retention drops
-- whole partitions instead of deleting rows. This migration creates the
-- DEFAULT partition plus the partitions of the current and the next month
-- (UTC). A retention job (operations, not this migration) creates each next
-- month's partition ahead of time and detaches/drops expired ones; rows that
-- arrive before their month's partition exists land in messages_default,
-- which the job must empty (move) before it can create that month.
--
-- A partitioned table's primary key must contain the partition key, so it is
-- (id, created_at), and no foreign key can point at messages.id, nor can
-- messages reference conversations with ON DELETE CASCADE cheaply on every
-- partition: deleting a conversation deletes its messages explicitly, in the
-- same statement (db/conversations_repo.cpp).
--
-- Streaming lease: the assistant row is inserted as 'streaming' with
-- owner = the process instance id. While the answer streams, that process
-- writes the row (text so far, updated_at = now()) at least every 15 s. Every
-- process sweeps, at start-up and every 30 s, the rows still 'streaming'
-- whose updated_at is older than 2 minutes: their process died, so they
-- become 'failed' with error_code 'interrupted' (partial text kept).
--
-- Stop across replicas: POST /stop sets stop_requested on the conversation's
-- streaming rows and NOTIFYs parley_chat_stop with each row's id; the process
-- that streams it (LISTENing on that channel) cancels the upstream. The flag
-- also reaches it through its next periodic write should a notification be
-- lost while its listener reconnects.

CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text NOT NULL DEFAULT 'New chat',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_user_updated ON conversations (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL,
  user_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
  content text NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('streaming', 'complete', 'stopped', 'failed', 'filtered')),
  model text,
  prompt_tokens integer,
  completion_tokens integer,
  finish_reason text,
  error_code text,
  owner text,  -- process instance id holding the stream (diagnostics)
  stop_requested boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE INDEX messages_user_conversation ON messages (user_id, conversation_id, created_at);
-- The sweep and the "already streaming" check look at few rows.
CREATE INDEX messages_streaming ON messages (user_id, conversation_id, updated_at)
  WHERE status = 'streaming';

CREATE TABLE messages_default PARTITION OF messages DEFAULT;

DO $$
DECLARE
  first_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
  m timestamp;
BEGIN
  FOR i IN 0..1 LOOP
    m := first_month + make_interval(months => i);
    EXECUTE format('CREATE TABLE %I PARTITION OF messages FOR VALUES FROM (%L) TO (%L)',
                   'messages_' || to_char(m, 'YYYY_MM'),
                   (m AT TIME ZONE 'UTC')::text,
                   ((m + interval '1 month') AT TIME ZONE 'UTC')::text);
  END LOOP;
END;
$$;
