-- Privileges of Parley's runtime role (docs/DEPLOY.md, "Database roles").
-- The owner role (the one `parley migrate` runs as) runs this once, and
-- again after a release whose notes say so:
--   psql "$OWNER_DATABASE_URL" -v app_role=parley_app -f deploy/postgres/grants.sql
-- The runtime role owns nothing, is no superuser and no member of the owner
-- role: it cannot alter, disable or drop a trigger, or set
-- session_replication_role, so the audit trail's triggers always run for it.

GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
-- Tables and sequences that later migrations create (as the owner).
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";

-- The audit trail is append-only: read and append, nothing else. (The
-- table's triggers refuse UPDATE, DELETE and TRUNCATE too, and chain every
-- row; `parley audit verify` finds what a superuser changes around them.)
REVOKE ALL ON audit_events FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM :"app_role";
GRANT SELECT, INSERT ON audit_events TO :"app_role";

-- Migrations are the owner's: the runtime role only reads what is applied.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM :"app_role";
