-- The catch-up scan sets the human messages of its lookback against the answers recorded in
-- that same window (an answer is never older than its message): read by answered_at, hashed
-- once, instead of one look-up per message. Built CONCURRENTLY: workers go on answering.
CREATE INDEX CONCURRENTLY IF NOT EXISTS answered_messages_answered_at_idx
    ON bot.answered_messages (answered_at);
