-- Personal data retention: when the service first saw a match unmatched or blocked, so that
-- what it keeps about that conversation is erased MEMORY_RETENTION_DAYS later (a rematch
-- clears it). Memories and dead letters are looked up by match when a person is forgotten.
ALTER TABLE bot.conversations ADD COLUMN IF NOT EXISTS closed_at timestamptz;
CREATE INDEX IF NOT EXISTS dead_letters_match_idx ON bot.dead_letters (match_id);
CREATE INDEX IF NOT EXISTS sent_parts_match_idx ON bot.sent_parts (match_id);
