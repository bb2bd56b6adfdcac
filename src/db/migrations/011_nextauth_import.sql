-- `parley import nextauth` (decision 0015): users, accounts
-- and conversations of the Next.js + Auth.js app, imported ahead of their
-- owners' first Entra sign-in.
--
-- An imported user is a users row with import_pending = true, the tenant
-- given to the import and object_id 'nextauth:<Auth.js user id>' (Entra's
-- oid is not in Auth.js' tables). Its Auth.js accounts are kept as
-- ('nextauth:<provider>', providerAccountId): for the Entra providers that
-- id is the ID token's `sub`. At a sign-in, the signing-in user takes over
-- the pending user of the same tenant whose account carries the token's
-- `sub` (the same app registration), else whose email is the token's
-- tenant-verified email; the pending row is then deleted (user.linked).

ALTER TABLE users ADD COLUMN import_pending boolean NOT NULL DEFAULT false;
CREATE INDEX users_import_pending_email ON users (tenant_id, lower(email)) WHERE import_pending;

-- What an import run already wrote, so that running it again writes
-- nothing twice: ('nextauth', 'user', <Auth.js user id>) -> users.id (the
-- user who took it over, once linked) and ('nextauth', 'conversation',
-- <Auth.js user id> || chr(31) || <conversation key>) -> conversations.id.
CREATE TABLE import_map (
  source text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('user', 'conversation')),
  source_key text NOT NULL,
  target uuid NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, kind, source_key)
);
CREATE INDEX import_map_target ON import_map (target);
