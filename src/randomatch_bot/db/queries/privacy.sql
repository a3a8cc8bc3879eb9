-- Named queries of personal data: erasure on demand (`forget --user`) and the retention purge.

-- name: person_profile
-- A profile, to tell a person from a bot.
SELECT id, is_bot FROM public.profiles WHERE id = :user_id;

-- name: person_matches
-- Every match of a person the app or the service knows of (the app's row may be gone).
SELECT id AS match_id FROM public.matches WHERE user_a = :user_id OR user_b = :user_id
UNION
SELECT match_id FROM bot.conversations WHERE human_id = :user_id;

-- name: erase_matches
-- Everything the service keeps about these matches. Model-call records and the guard's trips
-- stay for the bots' budgets and the engagement figures, with nothing left that points at the
-- conversation.
WITH m AS (SELECT unnest(:match_ids::uuid[]) AS match_id),
memories AS (
    DELETE FROM bot.memories WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
plans AS (
    DELETE FROM bot.reply_plans WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
answered AS (
    DELETE FROM bot.answered_messages WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
sent AS (
    DELETE FROM bot.sent_parts WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
dead AS (
    DELETE FROM bot.dead_letters WHERE match_id IN (SELECT match_id FROM m) RETURNING 1),
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
