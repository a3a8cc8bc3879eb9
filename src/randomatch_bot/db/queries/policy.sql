-- name: match_plans_since
-- Replies count toward the limits when they sent something or still may: a plan interrupted,
-- cancelled or failed before its first part is not a reply.
SELECT count(*) AS n, min(created_at) AS oldest
  FROM bot.reply_plans rp
 WHERE rp.match_id = :match_id AND rp.created_at > :since
   AND (rp.status IN ('reading', 'thinking', 'typing', 'done')
        OR EXISTS (SELECT 1 FROM bot.sent_parts sp WHERE sp.plan_id = rp.id));

-- name: bot_plans_since
-- The same count for one bot over all its matches.
SELECT count(*) AS n, min(created_at) AS oldest
  FROM bot.reply_plans rp
 WHERE rp.bot_id = :bot_id AND rp.created_at > :since
   AND (rp.status IN ('reading', 'thinking', 'typing', 'done')
        OR EXISTS (SELECT 1 FROM bot.sent_parts sp WHERE sp.plan_id = rp.id));

-- name: bot_usage_since
-- The tokens and cost of one bot's model calls since a time.
SELECT coalesce(sum(prompt_tokens + completion_tokens), 0)::bigint AS tokens,
       coalesce(sum(cost), 0)::float8 AS cost
  FROM bot.llm_calls
 WHERE bot_id = :bot_id AND created_at >= :since;

-- name: held_conversations
-- How many conversations each policy holds back.
SELECT hold_reason, count(*) AS n
  FROM bot.conversations
 WHERE hold_reason IS NOT NULL
 GROUP BY hold_reason;

-- name: human_usage_since
-- What one person's conversations with every bot cost since :since, and how many replies began.
SELECT (SELECT coalesce(sum(l.cost), 0)::float8
          FROM bot.llm_calls l
          JOIN bot.conversations c ON c.match_id = l.match_id
         WHERE c.human_id = :human_id AND l.created_at >= :since) AS cost,
       (SELECT count(*)
          FROM bot.reply_plans p
          JOIN bot.conversations c ON c.match_id = p.match_id
         WHERE c.human_id = :human_id AND p.created_at >= :since AND p.status <> 'cancelled') AS replies;
