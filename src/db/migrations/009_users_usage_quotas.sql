-- Administration of users, usage counters and quotas (DESIGN.md
-- "Administration, usage and quotas"; decision 0012-users-usage-quotas).

-- Users search: `q` matches name or email, case-insensitive, anywhere in
-- the string. A trigram GIN index on the lower-cased pair answers
-- `LIKE '%q%'` without reading every row (pg_trgm ships with PostgreSQL,
-- Debian's postgresql-15 package; it is a trusted extension, so the
-- database owner may create it without superuser). The unit separator
-- (U+001F) between the two fields keeps a match from spanning them; the API
-- refuses control characters in `q`.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_name_email_trgm ON users
  USING gin ((lower(coalesce(name, '') || E'\x1f' || coalesce(email, ''))) gin_trgm_ops);
-- The list's order and keyset paging: newest first.
CREATE INDEX users_created ON users (created_at DESC, id DESC);

-- Usage per subject (a user's id, or an application's client id once the
-- service API exists), UTC day and model. Written in the transaction that
-- stores an answer's token counts; no foreign key: deleting a user's data
-- keeps what they used.
CREATE TABLE usage_daily (
  subject_kind text NOT NULL CHECK (subject_kind IN ('user', 'app')),
  subject text NOT NULL,
  day date NOT NULL,
  model text NOT NULL,
  prompt_tokens bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  messages bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (subject_kind, subject, day, model)
);
-- Aggregation over a date range (the usage report).
CREATE INDEX usage_daily_day ON usage_daily (day) INCLUDE (subject_kind, subject, model,
  prompt_tokens, completion_tokens, messages);

-- Per-subject quota overrides; NULL = the environment's default.
CREATE TABLE quotas (
  subject_kind text NOT NULL CHECK (subject_kind IN ('user', 'app')),
  subject text NOT NULL,
  daily_tokens bigint CHECK (daily_tokens >= 0),
  concurrent_streams integer CHECK (concurrent_streams >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject_kind, subject)
);
