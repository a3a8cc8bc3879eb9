-- Named queries of the long-term memory (conversation/words/memory.py).

-- name: memory_get
-- The match's summary, facts, and the instant they cover messages through.
SELECT summary, facts, covered_through FROM bot.memories WHERE match_id = :match_id;

-- name: memory_messages_between
-- Messages not yet absorbed by the summary (after `after`, NULL for none) and already out of
-- the prompt window (before `before`), oldest first.
SELECT id, sender_id, content, created_at
  FROM public.messages
 WHERE match_id = :match_id
   AND created_at > coalesce(:after::timestamptz, '-infinity'::timestamptz)
   AND created_at < :before::timestamptz
 ORDER BY created_at, id
 LIMIT :limit;

-- name: memory_store
-- covered_through only moves forward: a slower concurrent run that covers less is dropped,
-- and since every summary absorbs everything up to its covered_through, the newest wins.
-- Only while the conversation exists, its row locked (FOR SHARE) against `forget`, which locks
-- it before erasing: a memory update that was running when the person was forgotten finds the
-- row gone once the erasure commits and writes nothing back.
WITH conversation AS (
    SELECT match_id FROM bot.conversations WHERE match_id = :match_id FOR SHARE
)
INSERT INTO bot.memories AS m (match_id, summary, facts, covered_through, updated_at)
SELECT match_id, :summary, :facts::jsonb, :covered_through, now() FROM conversation
ON CONFLICT (match_id) DO UPDATE
   SET summary = EXCLUDED.summary,
       facts = EXCLUDED.facts,
       covered_through = EXCLUDED.covered_through,
       updated_at = now()
 WHERE m.covered_through IS NULL OR m.covered_through < EXCLUDED.covered_through
RETURNING updated_at;
