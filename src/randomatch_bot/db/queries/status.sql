-- name: status_counts
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
