-- A deleted sessions row or users row ends the session on every replica,
-- like a revocation: each process caches sessions and would otherwise keep
-- serving one whose row is gone (an administrator's DELETE, a retention
-- job). Deleting a user cascades to their sessions, and each of those rows
-- notifies too.
CREATE FUNCTION parley_session_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('parley_revocations', 'session:' || OLD.id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_deleted_notify
  AFTER DELETE ON sessions
  FOR EACH ROW
  -- Expired rows are purged in bulk by housekeeping: no process accepts
  -- them any more, so they need no notification.
  WHEN (OLD.revoked_at IS NULL AND OLD.expires_at > now())
  EXECUTE FUNCTION parley_session_deleted();

CREATE FUNCTION parley_user_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('parley_revocations', 'user:' || OLD.id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER users_deleted_notify
  AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION parley_user_deleted();

-- Enabling a user again (disabled_at back to NULL) is pushed too, so that
-- every replica accepts their new sessions at once instead of after the next
-- resync of its revocation set.
CREATE FUNCTION parley_user_enabled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('parley_revocations', 'user_enabled:' || NEW.id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER users_enabled_notify
  AFTER UPDATE OF disabled_at ON users
  FOR EACH ROW
  WHEN (OLD.disabled_at IS NOT NULL AND NEW.disabled_at IS NULL)
  EXECUTE FUNCTION parley_user_enabled();
