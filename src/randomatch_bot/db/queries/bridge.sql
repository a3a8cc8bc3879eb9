-- name: conversations_to_wake
-- The safety net behind NOTIFY (which is lost while nobody listens) and behind Redis (which
-- may lose its data): conversations in active bot matches that have unanswered human messages
-- and no wake-up on time, or a reply in progress whose next step is overdue, or a new match
-- the service never saw (its icebreaker). Dead letters are left alone, unless the human wrote
-- since and :revive (DEAD_LETTER_RETRY_ON_MESSAGE) revives them; a forgotten match
-- (bot.forgotten_matches) never. Oldest due first, so that a batch
-- never holds the same conversations scan after scan while others wait.
-- The candidates come first, each read through an index, so that a scan costs what is recent
-- or due, not the number of matches: steps overdue (bot.conversations by next_wake_at), human
-- messages of the lookback with no answer recorded in that window (public.messages by
-- created_at, set against bot.answered_messages by answered_at: an answer is never older than
-- its message; the bots by their partial index on profiles) and matches of the lookback the
-- service never saw (public.matches by created_at). A candidate too many costs a look-up; the
-- conditions below decide, as before. The matches are then fetched by key (`= ANY` of the
-- candidates), never by reading them all.
WITH candidates AS (
    SELECT c.match_id
      FROM bot.conversations c
     WHERE c.next_wake_at < :now::timestamptz - :slack_s * interval '1 second'
    UNION
    SELECT msg.match_id
      FROM public.messages msg
     WHERE msg.created_at > :now::timestamptz - :lookback_s * interval '1 second'
       AND msg.sender_id <> ALL (ARRAY(SELECT p.id FROM public.profiles p WHERE p.is_bot))
       AND NOT EXISTS (
            SELECT 1 FROM bot.answered_messages a
             WHERE a.message_id = msg.id
               AND a.answered_at > :now::timestamptz - :lookback_s * interval '1 second')
    UNION
    SELECT m.id
      FROM public.matches m
     WHERE m.created_at > :now::timestamptz - :lookback_s * interval '1 second'
       AND NOT EXISTS (SELECT 1 FROM bot.conversations c WHERE c.match_id = m.id)
),
bot_matches AS (
    SELECT m.id AS match_id, m.created_at AS matched_at, b.id AS bot_id, h.id AS human_id
      FROM public.matches m
      JOIN public.profiles b ON b.id IN (m.user_a, m.user_b) AND b.is_bot
      JOIN public.profiles h ON h.id IN (m.user_a, m.user_b) AND NOT h.is_bot
     WHERE m.id = ANY (ARRAY(SELECT k.match_id FROM candidates k))
       AND m.status = 'active'
       AND NOT EXISTS (SELECT 1 FROM bot.forgotten_matches f WHERE f.match_id = m.id)
)
SELECT bm.match_id, bm.bot_id, c.next_wake_at
  FROM bot_matches bm
  LEFT JOIN bot.conversations c ON c.match_id = bm.match_id
  LEFT JOIN LATERAL (
        SELECT min(msg.created_at) AS oldest, max(msg.created_at) AS newest
          FROM public.messages msg
         WHERE msg.match_id = bm.match_id
           AND msg.sender_id = bm.human_id
           AND msg.created_at > :now::timestamptz - :lookback_s * interval '1 second'
           AND msg.created_at > coalesce(
                 c.baseline_at,
                 (SELECT b.created_at FROM public.messages b
                   WHERE b.match_id = bm.match_id AND b.sender_id = bm.bot_id
                   ORDER BY b.created_at DESC LIMIT 1),
                 '-infinity'::timestamptz)
           AND NOT EXISTS (SELECT 1 FROM bot.answered_messages a WHERE a.message_id = msg.id)
  ) u ON c.next_wake_at IS NULL
 WHERE (c.next_wake_at IS NULL OR c.next_wake_at < :now::timestamptz - :slack_s * interval '1 second')
   AND (
        (coalesce(c.status, 'idle') <> 'dead_letter'
         AND (c.next_wake_at IS NOT NULL OR u.oldest IS NOT NULL))
        OR (c.status = 'dead_letter' AND :revive::boolean AND u.newest > c.updated_at)
        OR (c.match_id IS NULL
            AND bm.matched_at > :now::timestamptz - :lookback_s * interval '1 second'
            AND NOT EXISTS (SELECT 1 FROM public.messages WHERE match_id = bm.match_id))
   )
 ORDER BY coalesce(c.next_wake_at, u.oldest, bm.matched_at)
 LIMIT :limit;

-- name: closed_conversations_with_plans
-- Matches unmatched or blocked while a reply is in progress.
SELECT p.match_id
  FROM bot.reply_plans p
  JOIN public.matches m ON m.id = p.match_id
 WHERE p.status IN ('reading', 'thinking', 'typing') AND m.status <> 'active';

-- name: stale_typing_indicators
-- Indicators of bot profiles left on with no reply typing in that match: a crash between
-- "typing on" and the part's insertion. Cleared by the sweeper.
UPDATE public.typing_indicators t
   SET is_typing = false, updated_at = now()
  FROM public.profiles p
 WHERE p.id = t.user_id AND p.is_bot
   AND t.is_typing
   AND t.updated_at < now() - :stale_after * interval '1 second'
   AND NOT EXISTS (
        SELECT 1 FROM bot.reply_plans rp
         WHERE rp.match_id = t.match_id AND rp.status = 'typing' AND rp.typing
           AND rp.next_due_at > now() - :stale_after * interval '1 second'
   )
RETURNING t.match_id, t.user_id;

-- name: notification_queue_usage
-- The fraction of the NOTIFY queue in use, watched by the bridge.
SELECT pg_notification_queue_usage();

-- name: connection_alive
-- The LISTEN connection's liveness check after a silence.
SELECT 1;
