-- name: presence_of_match
-- What the presence of a match's persona depends on: its policy hold and its pending reply.
SELECT c.hold_reason, c.next_wake_at, p.status AS plan_status, p.read_due_at, p.retry_at
  FROM (SELECT :match_id::uuid AS match_id) AS m
  LEFT JOIN bot.conversations AS c ON c.match_id = m.match_id
  LEFT JOIN bot.reply_plans AS p
    ON p.match_id = m.match_id AND p.status IN ('reading', 'thinking', 'typing');

-- name: waiting_conversations
-- Conversations whose reply waits at :now: held by a policy, or a reply not yet read (night,
-- absence), or a reply waiting for the model (an outage, a pause), soonest first.
SELECT c.match_id, c.bot_id, pr.display_name AS bot_name, c.hold_reason, c.next_wake_at,
       p.status AS plan_status, p.read_due_at, p.retry_at
  FROM bot.conversations AS c
  LEFT JOIN bot.reply_plans AS p
    ON p.match_id = c.match_id AND p.status IN ('reading', 'thinking', 'typing')
  LEFT JOIN public.profiles AS pr ON pr.id = c.bot_id
 WHERE (c.hold_reason IS NOT NULL AND c.next_wake_at > :now)
    OR (p.status = 'reading' AND p.read_due_at > :now)
    OR (p.status = 'thinking' AND p.retry_at > :now)
 ORDER BY coalesce(p.retry_at, p.read_due_at, c.next_wake_at), c.match_id
 LIMIT :limit;
