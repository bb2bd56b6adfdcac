-- The service API's callers and stream slots (DESIGN.md "Service API";
-- decision XXXX-service-api).

-- Applications calling /v1 with client-credentials tokens, registered on
-- first use and governed like users (usage, quota, audit, disable). Keyed by
-- the client id (Entra's appId: `azp`/`appid`), which is what usage_daily
-- and quotas name as subject ('app', client id).
CREATE TABLE apps (
  client_id text PRIMARY KEY,
  tenant_id text NOT NULL,
  object_id text,          -- the service principal (oid) last seen
  display_name text,       -- set by an administrator; Entra tokens do not carry it
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE INDEX apps_first_seen ON apps (first_seen_at DESC, client_id);

-- One row per /v1 call in flight: the concurrent-streams slot, held across
-- replicas. Inserted under the subject's quota lock (the same advisory lock
-- the chat turn's gate takes), renewed while the answer streams, deleted at
-- its end in the transaction that counts its usage. A row not renewed for
-- longer than the lease belongs to a dead process and no longer counts (it
-- stays until a sweep is added: the count ignores it).
CREATE TABLE api_streams (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subject_kind text NOT NULL CHECK (subject_kind IN ('user', 'app')),
  subject text NOT NULL,
  model text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  renewed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_streams_subject ON api_streams (subject_kind, subject, renewed_at);
