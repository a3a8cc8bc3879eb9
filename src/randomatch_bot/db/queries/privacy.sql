-- Named queries of personal data: erasure on demand (`forget --user`) and the retention purge.

-- name: person_profile
-- A profile, to tell a person from a bot.
SELECT id, is_bot FROM public.profiles WHERE id = :user_id;

-- name: person_matches
-- Every match of a person the app or the service knows of (the app's row may be gone).
SELECT id AS match_id FROM public.matches WHERE user_a = :user_id OR user_b = :user_id
UNION
SELECT match_id FROM bot.conversations WHERE human_id = :user_id;

-- name: lock_conversations
-- The conversations of these matches, locked until the erasure commits: a step, a generation's
-- save or a memory update (which lock the row too) either finished before, and what it wrote
-- is erased, or waits and then finds the row gone. Ordered, so two erasures cannot deadlock.
SELECT match_id FROM bot.conversations
 WHERE match_id = ANY (:match_ids::uuid[])
 ORDER BY match_id
   FOR UPDATE;

-- name: first_sight_locks
-- The lock a conversation's first step takes before creating its row (`first_sight_lock` in
-- conversation.sql), for each of these matches: a first step under way ends before the erasure
-- reads, and one that comes after sees the match forgotten.
SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(id::text, 20))
  FROM (SELECT unnest(:match_ids::uuid[]) AS id ORDER BY 1) ids;

-- name: remember_forgotten
-- The matches erased on demand, so that nothing left over brings them back.
INSERT INTO bot.forgotten_matches (match_id)
SELECT unnest(:match_ids::uuid[])
ON CONFLICT (match_id) DO UPDATE SET forgotten_at = now();

-- name: drop_gone_forgotten
-- Forgotten matches the app has deleted since: nothing can come back from them.
DELETE FROM bot.forgotten_matches f
 WHERE NOT EXISTS (SELECT 1 FROM public.matches m WHERE m.id = f.match_id);

-- name: erase_matches
-- Everything the service keeps about these matches (what the persona told the person about
-- herself too, though it is hers: it was said to them). Model-call records and the guard's
-- trips stay for the bots' budgets and the cost and engagement figures, with nothing left that
-- points at the conversation.
WITH m AS (SELECT unnest(:match_ids::uuid[]) AS match_id),
memories AS (
    DELETE FROM bot.memories WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
self_memories AS (
    DELETE FROM bot.self_memories WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
plans AS (
    DELETE FROM bot.reply_plans WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
answered AS (
    DELETE FROM bot.answered_messages WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
sent AS (
    DELETE FROM bot.sent_parts WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
dead AS (
    DELETE FROM bot.dead_letters WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
closings AS (
    DELETE FROM bot.conversation_closures WHERE match_id IN (SELECT match_id FROM m)
    RETURNING 1),
conversations AS (
    DELETE FROM bot.conversations WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
events AS (
    DELETE FROM bot.plan_events WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
trips AS (
    UPDATE bot.guard_trips SET match_id = NULL, plan_id = NULL
     WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
calls AS (
    UPDATE bot.llm_calls SET match_id = NULL, plan_id = NULL, error = NULL
     WHERE match_id IN (SELECT match_id FROM m) RETURNING 1)
SELECT (SELECT count(*) FROM memories) AS memories,
       (SELECT count(*) FROM conversations) AS conversations,
       (SELECT count(*) FROM plans) AS reply_plans,
       (SELECT count(*) FROM answered) AS answered_messages,
       (SELECT count(*) FROM sent) AS sent_parts,
       (SELECT count(*) FROM dead) AS dead_letters,
       (SELECT count(*) FROM closings) AS closings,
       (SELECT count(*) FROM calls) AS llm_calls_anonymised;

-- name: mark_closed_matches
-- Start the retention clock of matches now unmatched or blocked; stop it on a rematch.
UPDATE bot.conversations c
   SET closed_at = CASE WHEN m.status IN ('unmatched', 'blocked') THEN :now::timestamptz END
  FROM public.matches m
 WHERE m.id = c.match_id
   AND (c.closed_at IS NULL) = (m.status IN ('unmatched', 'blocked'));

-- name: expired_matches
-- Matches whose data must go: deleted from the app (or the person's profile is), or closed
-- for longer than the retention period (:oldest_kept = the oldest closed_at kept).
SELECT c.match_id
  FROM bot.conversations c
  LEFT JOIN public.matches m ON m.id = c.match_id
  LEFT JOIN public.profiles p ON p.id = c.human_id
 WHERE m.id IS NULL OR p.id IS NULL OR c.closed_at < :oldest_kept
UNION
SELECT mem.match_id
  FROM bot.memories mem
  LEFT JOIN public.matches m ON m.id = mem.match_id
 WHERE m.id IS NULL
LIMIT :limit;
