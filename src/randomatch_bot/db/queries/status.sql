-- name: status_counts
-- The counts `randomatch-bot status` prints: profiles, matches, messages, plans.
SELECT
    (SELECT count(*) FROM public.profiles WHERE is_bot) AS bots,
    (SELECT count(*) FROM public.profiles WHERE NOT is_bot) AS humans,
    (SELECT count(*) FROM public.matches WHERE status = 'active') AS active_matches,
    (SELECT count(*) FROM public.messages) AS messages,
    (SELECT count(*) FROM bot.conversations WHERE status = 'waiting') AS waiting,
    (SELECT count(*) FROM bot.reply_plans
      WHERE status IN ('reading', 'thinking', 'typing')) AS in_flight,
    (SELECT count(*) FROM bot.dead_letters WHERE resolved_at IS NULL) AS dead_letters,
    (SELECT count(*) FROM bot.reply_plans WHERE status = 'done') AS replies,
    (SELECT count(*) FROM bot.sent_parts) AS parts_sent;

-- name: status_llm_since
-- Model calls, failures and cost since :since (the start of today in the bot's timezone).
SELECT count(*) AS llm_calls,
       count(*) FILTER (WHERE NOT ok) AS llm_errors,
       coalesce(sum(cost), 0)::float8 AS llm_cost
  FROM bot.llm_calls
 WHERE created_at >= :since;
