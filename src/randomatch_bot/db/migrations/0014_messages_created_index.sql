-- The catch-up scan looks for unanswered human messages of the lookback window by time, over
-- every match at once; without this index it visits every active bot match instead. Built
-- CONCURRENTLY (outside a transaction, app writes continue), and skipped where the app already
-- has an index whose leading column is created_at.
CREATE INDEX CONCURRENTLY IF NOT EXISTS bot_messages_created_idx
    ON public.messages (created_at);
