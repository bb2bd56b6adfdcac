-- Sign-in transactions are single-use across every replica: the callback
-- records a hash of its `state` here and a second use is refused.
CREATE TABLE oidc_states (
  state_hash text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_states_expires_at ON oidc_states (expires_at);

-- Every revocation is audited by the database itself, whoever made it
-- (sign-out, a disabled user, an administrator's SQL).
CREATE FUNCTION parley_session_revoked_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_events (action, outcome, reason, user_id, session_id)
  VALUES ('session_revoked', 'success', NEW.revoke_reason, NEW.user_id, NEW.id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_revoked_audit
  AFTER UPDATE OF revoked_at ON sessions
  FOR EACH ROW
  WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION parley_session_revoked_audit();
