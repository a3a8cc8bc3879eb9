-- The service reads a conversation's recent messages by match and time. Built CONCURRENTLY
-- (outside a transaction, app writes continue), and skipped where the app already has an index
-- whose leading columns are (match_id, created_at), in either direction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS bot_messages_match_created_idx
    ON public.messages (match_id, created_at);
