-- Named queries of the long-term memory (conversation/memory.py).

-- name: memory_get
SELECT summary, facts, covered_through FROM bot.memories WHERE match_id = $1;

-- name: memory_messages_between
-- Messages not yet absorbed by the summary ($2, NULL for none) and already out of the prompt
-- window (before $3), oldest first.
SELECT sender_id, content, created_at
  FROM public.messages
 WHERE match_id = $1
   AND created_at > coalesce($2::timestamptz, '-infinity'::timestamptz)
   AND created_at < $3::timestamptz
 ORDER BY created_at, id
 LIMIT $4;

-- name: memory_store
-- covered_through only moves forward: a slower concurrent run that covers less is dropped,
-- and since every summary absorbs everything up to its covered_through, the newest wins.
INSERT INTO bot.memories AS m (match_id, summary, facts, covered_through, updated_at)
VALUES ($1, $2, $3::jsonb, $4, now())
ON CONFLICT (match_id) DO UPDATE
   SET summary = EXCLUDED.summary,
       facts = EXCLUDED.facts,
       covered_through = EXCLUDED.covered_through,
       updated_at = now()
 WHERE m.covered_through IS NULL OR m.covered_through < EXCLUDED.covered_through
RETURNING updated_at;
