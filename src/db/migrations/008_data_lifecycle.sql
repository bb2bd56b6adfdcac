-- The data lifecycle (docs/decisions, "data lifecycle"): monthly partitions of
-- messages created ahead by the maintenance task, PARLEY_RETENTION_DAYS,
-- GET /api/me/export and DELETE /api/admin/users/{id}/data.
--
-- Partitions themselves are not created here: the maintenance task
-- (admin/maintenance.cpp) keeps the current month and the next two
-- partitioned, moves any row that reached messages_default into a partition
-- of its own month, and runs at start-up and every hour on whichever
-- replica holds its advisory lock. A migration runs once; months keep coming.

-- Retention finds the conversations last updated before its cutoff, across
-- all users, without reading the whole table.
CREATE INDEX IF NOT EXISTS conversations_updated_at ON conversations (updated_at);

-- The export pages through a user's conversations by (created_at, id):
-- both never change, so a page neither skips nor repeats a conversation
-- that the user renames or writes in while the download runs.
CREATE INDEX IF NOT EXISTS conversations_user_created ON conversations (user_id, created_at, id);
