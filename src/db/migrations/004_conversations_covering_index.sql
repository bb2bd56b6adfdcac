-- The conversation list (GET /api/conversations, the busiest query after
-- sign-in) reads id, title, created_at and updated_at of one user's newest
-- conversations. With title and created_at in the index, PostgreSQL can
-- answer it from the index alone (an index-only scan wherever the visibility
-- map allows) instead of visiting a heap page per row.
--
-- Built without CONCURRENTLY because migrations run in a transaction. On a
-- very large table an operator may create the same index CONCURRENTLY
-- beforehand under this name; IF NOT EXISTS then skips the build.
CREATE INDEX IF NOT EXISTS conversations_user_updated_covering
  ON conversations (user_id, updated_at DESC, id DESC) INCLUDE (title, created_at);
DROP INDEX IF EXISTS conversations_user_updated;
