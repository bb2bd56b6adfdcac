-- A conversation remembers the model its answers go to (DESIGN.md "Service
-- API": the UI offers the PARLEY_MODELS list; decision 0016-model-picker).
-- A PARLEY_MODELS name, not a deployment: the operator may point a name at
-- another deployment without touching the data. NULL = the default model
-- (the first of PARLEY_MODELS), also for every conversation made before.
-- Adding a nullable column without a default rewrites nothing.
ALTER TABLE conversations ADD COLUMN model text;

-- The list (GET /api/conversations) now reads the model too: the covering
-- index of migration 004 gains it so that the list stays an index-only scan.
-- As there, built without CONCURRENTLY (migrations run in a transaction); an
-- operator with a very large table may create it CONCURRENTLY beforehand
-- under this name, and IF NOT EXISTS then skips the build.
CREATE INDEX IF NOT EXISTS conversations_user_updated_list
  ON conversations (user_id, updated_at DESC, id DESC) INCLUDE (title, created_at, model);
DROP INDEX IF EXISTS conversations_user_updated_covering;
