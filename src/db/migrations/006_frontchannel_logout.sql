-- OpenID Front-Channel Logout: the identity provider's session (`sid` claim
-- of the ID token) and the token's issuer are kept with each Parley session,
-- so that the IdP's logout of that session ends every Parley session made
-- from it (GET /api/auth/frontchannel-logout?sid=). Revoking the rows fires
-- the existing revocation triggers, which reach every replica.
ALTER TABLE sessions ADD COLUMN idp_session_id text, ADD COLUMN idp_issuer text;
CREATE INDEX sessions_idp_session_id ON sessions (idp_session_id)
  WHERE idp_session_id IS NOT NULL AND revoked_at IS NULL;
