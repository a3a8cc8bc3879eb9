-- The catch-up scan as it was before the candidates came from indexes (bench/scan_scale.py
-- measures it for comparison): it visits every active bot match.
WITH bot_matches AS (
    SELECT m.id AS match_id, m.created_at AS matched_at, b.id AS bot_id, h.id AS human_id
      FROM public.matches m
      JOIN public.profiles b ON b.id IN (m.user_a, m.user_b) AND b.is_bot
      JOIN public.profiles h ON h.id IN (m.user_a, m.user_b) AND NOT h.is_bot
     WHERE m.status = 'active'
)
SELECT bm.match_id, bm.bot_id, c.next_wake_at
  FROM bot_matches bm
  LEFT JOIN bot.conversations c ON c.match_id = bm.match_id
  LEFT JOIN LATERAL (
        SELECT min(msg.created_at) AS oldest, max(msg.created_at) AS newest
          FROM public.messages msg
         WHERE msg.match_id = bm.match_id
           AND msg.sender_id = bm.human_id
           AND msg.created_at > $2::timestamptz - $1 * interval '1 second'
           AND msg.created_at > coalesce(
                 c.baseline_at,
                 (SELECT max(created_at) FROM public.messages
                   WHERE match_id = bm.match_id AND sender_id = bm.bot_id),
                 '-infinity'::timestamptz)
           AND NOT EXISTS (SELECT 1 FROM bot.answered_messages a WHERE a.message_id = msg.id)
  ) u ON c.next_wake_at IS NULL
 WHERE (c.next_wake_at IS NULL OR c.next_wake_at < $2::timestamptz - $3 * interval '1 second')
   AND (
        (coalesce(c.status, 'idle') <> 'dead_letter'
         AND (c.next_wake_at IS NOT NULL OR u.oldest IS NOT NULL))
        OR (c.status = 'dead_letter' AND $5::boolean AND u.newest > c.updated_at)
        OR (c.match_id IS NULL
            AND bm.matched_at > $2::timestamptz - $1 * interval '1 second'
            AND NOT EXISTS (SELECT 1 FROM public.messages WHERE match_id = bm.match_id))
   )
 ORDER BY coalesce(c.next_wake_at, u.oldest, bm.matched_at)
 LIMIT $4;
