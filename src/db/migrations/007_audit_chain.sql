-- The audit trail becomes a hash chain (DESIGN.md "Administration, usage
-- and quotas"; decision 0009-audit-trail). Every row carries
--   seq      gapless from 1, in the order the rows were appended
--   at       when it was appended (clock_timestamp(), under the chain's lock)
--   type     dotted lower-case event type, e.g. sign_in.failure
--   actor    who acted (a users.id), NULL when nobody is known
--   subject  whom it concerns (a users.id), NULL when nobody
--   ip       the client address, NULL when none
--   detail   a JSON object (never secrets or tokens)
--   hash     SHA-256(previous row's hash || parley_audit_canonical(row)),
--            32 zero bytes standing for the hash before seq 1
-- The canonical encoding is every field in the order above (seq to detail),
-- each as `-` when NULL, else `<length in UTF-8 bytes>:<UTF-8 bytes>`, with
-- seq in decimal, at as ISO-8601 UTC with microseconds
-- (2026-01-31T23:59:59.123456Z) and detail as PostgreSQL prints the jsonb.
-- `parley audit verify` rebuilds it in C++ (db/audit_chain.cpp) and hashes
-- it with OpenSSL: two independent implementations that must agree.
--
-- One line across replicas: a BEFORE INSERT trigger takes a transaction-level
-- advisory lock, reads the newest row, and sets seq, at and hash. The lock is
-- held until the appending transaction ends, so the next append (on any
-- replica) reads this row once it is committed, and a rolled-back append
-- leaves no gap. Rows written by other triggers (session revocations) pass
-- through it too. Appending needs READ COMMITTED: a transaction whose
-- snapshot predates the newest row would fork the chain (the unique seq
-- would refuse it anyway).
--
-- Rolling upgrade: the table is altered in place and the columns of the
-- previous release (action, outcome, reason, user_id, session_id,
-- request_id, details) stay, always NULL, so a replica of that release
-- can still insert during the rollout: the trigger converts such a row to
-- the new shape. A later release drops them.

ALTER TABLE audit_events
  ADD COLUMN seq bigint,
  ADD COLUMN type text COLLATE "C",
  ADD COLUMN actor text,
  ADD COLUMN subject text,
  ADD COLUMN detail jsonb,
  ADD COLUMN hash bytea,
  ALTER COLUMN action DROP NOT NULL,
  ALTER COLUMN outcome DROP NOT NULL,
  ALTER COLUMN details DROP NOT NULL,
  ALTER COLUMN details DROP DEFAULT;

-- One field of the canonical encoding.
CREATE FUNCTION parley_audit_field(v text) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v IS NULL THEN convert_to('-', 'UTF8')
              ELSE convert_to(octet_length(convert_to(v, 'UTF8'))::text || ':', 'UTF8')
                   || convert_to(v, 'UTF8')
         END
$$;

CREATE FUNCTION parley_audit_canonical(seq bigint, at timestamptz, type text, actor text,
                                       subject text, ip text, detail jsonb)
RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT parley_audit_field(seq::text)
      || parley_audit_field(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
      || parley_audit_field(type)
      || parley_audit_field(actor)
      || parley_audit_field(subject)
      || parley_audit_field(ip)
      || parley_audit_field(detail::text)
$$;

-- A row in the previous release's shape, in the new one.
CREATE FUNCTION parley_audit_from_legacy(r audit_events) RETURNS audit_events
LANGUAGE plpgsql STABLE AS $$
BEGIN
  r.type := CASE
    WHEN r.action = 'sign_in' AND r.outcome IN ('success', 'failure') THEN 'sign_in.' || r.outcome
    WHEN r.action = 'session_revoked' THEN 'session.revoked'
    WHEN r.action = 'conversation_deleted' THEN 'conversation.deleted'
    ELSE coalesce(r.action, 'unknown')
  END;
  -- The database revoked sessions by trigger and did not know who asked.
  r.actor := CASE WHEN r.action = 'session_revoked' THEN NULL ELSE r.user_id::text END;
  r.subject := r.user_id::text;
  r.detail := coalesce(r.details, '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object(
    'outcome', CASE WHEN r.action = 'sign_in' OR r.outcome = 'success' THEN NULL ELSE r.outcome END,
    'reason', r.reason,
    'session_id', r.session_id,
    'request_id', r.request_id));
  r.action := NULL;
  r.outcome := NULL;
  r.reason := NULL;
  r.user_id := NULL;
  r.session_id := NULL;
  r.request_id := NULL;
  r.details := NULL;
  RETURN r;
END;
$$;

-- The rows so far become the start of the chain, in the order they were
-- written. The append-only trigger is off for these updates only (this
-- transaction holds the table's exclusive lock meanwhile).
ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
DO $$
DECLARE
  r audit_events;
  n bigint := 0;
  prev bytea := decode(repeat('00', 32), 'hex');
BEGIN
  FOR r IN SELECT * FROM audit_events ORDER BY id LOOP
    n := n + 1;
    r := parley_audit_from_legacy(r);
    r.seq := n;
    r.hash := sha256(prev || parley_audit_canonical(r.seq, r.at, r.type, r.actor, r.subject,
                                                    r.ip, r.detail));
    UPDATE audit_events
       SET seq = r.seq, type = r.type, actor = r.actor, subject = r.subject, detail = r.detail,
           hash = r.hash, action = NULL, outcome = NULL, reason = NULL, user_id = NULL,
           session_id = NULL, request_id = NULL, details = NULL
     WHERE id = r.id;
    prev := r.hash;
  END LOOP;
END;
$$;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;

ALTER TABLE audit_events
  ALTER COLUMN seq SET NOT NULL,
  ALTER COLUMN type SET NOT NULL,
  ALTER COLUMN detail SET NOT NULL,
  ALTER COLUMN detail SET DEFAULT '{}',
  ALTER COLUMN hash SET NOT NULL,
  ADD CONSTRAINT audit_events_seq_key UNIQUE (seq),
  ADD CONSTRAINT audit_events_type_format
    CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$' AND octet_length(type) <= 100),
  ADD CONSTRAINT audit_events_detail_object CHECK (jsonb_typeof(detail) = 'object'),
  ADD CONSTRAINT audit_events_hash_size CHECK (octet_length(hash) = 32),
  ADD CONSTRAINT audit_events_legacy_unused
    CHECK (action IS NULL AND outcome IS NULL AND reason IS NULL AND user_id IS NULL
           AND session_id IS NULL AND request_id IS NULL AND details IS NULL);

-- The admin API's filters, newest first (GET /api/admin/audit). The type
-- filter is a range on the C collation: `sign_in` matches sign_in and
-- sign_in.* (audit_events_type_format allows nothing else between them).
DROP INDEX audit_events_user_at;
CREATE INDEX audit_events_type_seq ON audit_events (type, seq);
CREATE INDEX audit_events_actor_seq ON audit_events (actor, seq) WHERE actor IS NOT NULL;
CREATE INDEX audit_events_subject_seq ON audit_events (subject, seq) WHERE subject IS NOT NULL;

CREATE FUNCTION parley_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prev_seq bigint;
  prev_hash bytea;
BEGIN
  IF NEW.type IS NULL THEN
    NEW := parley_audit_from_legacy(NEW);
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'audit_events: append only in a READ COMMITTED transaction'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- "p.audit" in ASCII: the chain's lock, held until this transaction ends.
  PERFORM pg_advisory_xact_lock(31576193507813748);
  SELECT a.seq, a.hash INTO prev_seq, prev_hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
  NEW.seq := coalesce(prev_seq, 0) + 1;
  NEW.at := clock_timestamp();
  NEW.detail := coalesce(NEW.detail, '{}'::jsonb);
  NEW.hash := sha256(coalesce(prev_hash, decode(repeat('00', 32), 'hex'))
                     || parley_audit_canonical(NEW.seq, NEW.at, NEW.type, NEW.actor, NEW.subject,
                                               NEW.ip, NEW.detail));
  RETURN NEW;
END;
$$;

CREATE TRIGGER audit_events_chain
  BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION parley_audit_chain();

-- Revocations are still audited by the database itself, whoever made them;
-- Parley names the acting user with set_config('parley.actor', <id>, true)
-- in the same transaction (db::set_audit_actor), and db_user says which
-- database role ran the statement.
CREATE OR REPLACE FUNCTION parley_session_revoked_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_events (type, actor, subject, detail)
  VALUES ('session.revoked', NULLIF(current_setting('parley.actor', true), ''), NEW.user_id::text,
          jsonb_strip_nulls(jsonb_build_object('session_id', NEW.id, 'reason', NEW.revoke_reason,
                                               'db_user', session_user)));
  RETURN NULL;
END;
$$;
