-- Named queries of the monitoring API (api/*). Reply latency everywhere is the same figure,
-- the view bot.reply_latencies (migration 0009).

-- name: api_reply_latency_buckets
-- Cumulative reply-latency histogram per bot: for each plan that sent its first part, the
-- index of the first bound (:bounds, ascending) that holds it (len(:bounds) = above every
-- bound).
WITH latency AS (SELECT bot_id, seconds FROM bot.reply_latencies)
SELECT bot_id::text AS label,
       (SELECT count(*) FROM unnest(:bounds::float8[]) AS b(bound) WHERE b.bound < l.seconds)::int
           AS bucket,
       count(*) AS n,
       sum(seconds)::float8 AS total
  FROM latency l
 WHERE seconds IS NOT NULL
 GROUP BY 1, 2;

-- name: api_llm_latency_buckets
-- The same shape for model calls, per model.
SELECT model AS label,
       (SELECT count(*) FROM unnest(:bounds::float8[]) AS b(bound)
         WHERE b.bound < c.latency_ms / 1000.0)::int AS bucket,
       count(*) AS n,
       sum(latency_ms / 1000.0)::float8 AS total
  FROM bot.llm_calls c
 GROUP BY 1, 2;

-- name: api_metric_totals
-- Replies and parts per bot since the beginning (Prometheus counters are cumulative).
SELECT rp.bot_id,
       count(*) FILTER (WHERE rp.status = 'done') AS replies,
       coalesce(sum(coalesce(sp.parts, 0)), 0)::bigint AS parts
  FROM bot.reply_plans rp
  LEFT JOIN (SELECT plan_id, count(*) AS parts FROM bot.sent_parts GROUP BY plan_id) sp
         ON sp.plan_id = rp.id
 GROUP BY rp.bot_id;

-- name: api_llm_totals
-- Model calls by model, outcome and HTTP status, with their tokens and cost.
SELECT model, ok, coalesce(status::text, 'none') AS status,
       count(*) AS calls,
       coalesce(sum(prompt_tokens), 0)::bigint AS prompt_tokens,
       coalesce(sum(completion_tokens), 0)::bigint AS completion_tokens,
       coalesce(sum(cost), 0)::float8 AS cost
  FROM bot.llm_calls
 GROUP BY model, ok, coalesce(status::text, 'none');

-- name: api_state_counts
-- How many conversations and plans are in each status.
SELECT 'conversation' AS kind, status AS label, count(*) AS n
  FROM bot.conversations GROUP BY status
UNION ALL
SELECT 'plan', status, count(*)
  FROM bot.reply_plans WHERE status IN ('reading', 'thinking', 'typing') GROUP BY status
UNION ALL
SELECT 'dead_letters', 'all', count(*) FROM bot.dead_letters
UNION ALL
SELECT 'dead_letters', 'open', count(*) FROM bot.dead_letters WHERE resolved_at IS NULL;

-- name: api_stats_response
-- Mean and p95 response time per bot over [:start, :end), optionally one bot (:bot_id), plus a total row
-- (is_total): a p95 does not add up across bots, so the database computes it over all rows.
WITH latency AS (
    SELECT bot_id, seconds
      FROM bot.reply_latencies
     WHERE sent_at >= :start AND sent_at < :end
       AND (:bot_id::uuid IS NULL OR bot_id = :bot_id)
)
SELECT bot_id, GROUPING(bot_id) = 1 AS is_total,
       count(seconds) AS replies,
       avg(seconds)::float8 AS mean_s,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds)::float8 AS p95_s,
       max(seconds)::float8 AS max_s
  FROM latency
 GROUP BY GROUPING SETS ((bot_id), ());

-- name: api_stats_llm
-- Model calls per bot over [:start, :end), plus a total row (is_total).
SELECT bot_id, GROUPING(bot_id) = 1 AS is_total,
       count(*) AS calls,
       count(*) FILTER (WHERE NOT ok) AS failed,
       coalesce(sum(prompt_tokens + completion_tokens), 0)::bigint AS tokens,
       coalesce(sum(cost), 0)::float8 AS cost,
       avg(latency_ms)::float8 / 1000.0 AS mean_latency_s
  FROM bot.llm_calls
 WHERE created_at >= :start AND created_at < :end
   AND (:bot_id::uuid IS NULL OR bot_id = :bot_id)
 GROUP BY GROUPING SETS ((bot_id), ());

-- name: api_stats_messages
-- Per bot: human messages received, human messages answered by a finished reply, parts sent.
-- Conversations (one row per bot match the service has seen) lead to the messages by index.
SELECT b.id AS bot_id, b.display_name AS name,
       (SELECT count(*)
          FROM bot.conversations c
          JOIN public.messages msg
            ON msg.match_id = c.match_id AND msg.sender_id = c.human_id
         WHERE c.bot_id = b.id AND msg.created_at >= :start AND msg.created_at < :end) AS received,
       (SELECT count(*)
          FROM bot.answered_messages a
          JOIN bot.reply_plans rp ON rp.id = a.plan_id AND rp.status = 'done'
         WHERE rp.bot_id = b.id AND a.answered_at >= :start AND a.answered_at < :end) AS answered,
       (SELECT count(*)
          FROM bot.sent_parts sp
          JOIN bot.reply_plans rp ON rp.id = sp.plan_id
         WHERE rp.bot_id = b.id AND sp.sent_at >= :start AND sp.sent_at < :end) AS parts_sent
  FROM public.profiles b
 WHERE b.is_bot AND (:bot_id::uuid IS NULL OR b.id = :bot_id)
 ORDER BY b.display_name, b.id;

-- name: api_series_latency
-- Reply latency per time bucket of :bucket_seconds seconds from :start to :end.
WITH latency AS (
    SELECT sent_at, seconds
      FROM bot.reply_latencies
     WHERE sent_at >= :start AND sent_at < :end
       AND (:bot_id::uuid IS NULL OR bot_id = :bot_id)
)
SELECT date_bin(make_interval(secs => :bucket_seconds), sent_at, :start) AS bucket,
       count(seconds) AS replies,
       avg(seconds)::float8 AS mean_s,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds)::float8 AS p95_s
  FROM latency
 GROUP BY 1
 ORDER BY 1;

-- name: api_series_messages
-- Human messages received and parts sent per time bucket of :bucket_seconds seconds from :start to :end.
SELECT date_bin(make_interval(secs => :bucket_seconds), at, :start) AS bucket,
       count(*) FILTER (WHERE human) AS received,
       count(*) FILTER (WHERE NOT human) AS sent
  FROM (
        SELECT msg.created_at AS at, true AS human
          FROM bot.conversations c
          JOIN public.messages msg
            ON msg.match_id = c.match_id AND msg.sender_id = c.human_id
         WHERE msg.created_at >= :start AND msg.created_at < :end
           AND (:bot_id::uuid IS NULL OR c.bot_id = :bot_id)
        UNION ALL
        SELECT sp.sent_at, false
          FROM bot.sent_parts sp
          JOIN bot.reply_plans rp ON rp.id = sp.plan_id
         WHERE sp.sent_at >= :start AND sp.sent_at < :end
           AND (:bot_id::uuid IS NULL OR rp.bot_id = :bot_id)
       ) AS events
 GROUP BY 1
 ORDER BY 1;

-- name: api_conversations
-- Conversations with something under way: grouping, a reply in progress, or parked.
SELECT c.match_id, c.bot_id, b.display_name AS bot_name, c.status, c.epoch,
       c.next_wake_at, c.last_error, c.updated_at,
       rp.id AS plan_id, rp.status AS step, rp.next_part, cardinality(rp.parts) AS parts,
       rp.typing, rp.next_due_at, rp.created_at AS plan_started_at,
       cardinality(rp.trigger_message_ids) AS messages
  FROM bot.conversations c
  LEFT JOIN bot.reply_plans rp
         ON rp.match_id = c.match_id AND rp.status IN ('reading', 'thinking', 'typing')
  LEFT JOIN public.profiles b ON b.id = c.bot_id
 WHERE c.status IN ('waiting', 'replying', 'dead_letter')
 ORDER BY coalesce(rp.next_due_at, c.next_wake_at) NULLS LAST, c.match_id
 LIMIT :limit;

-- name: api_dead_letters
-- Dead letters with their conversation's status, newest first; :which is 'open', 'resolved'
-- or 'all'.
SELECT d.id, d.match_id, d.plan_id, d.task, d.error, d.attempts, d.created_at,
       d.resolved_at, d.resolution, c.bot_id, c.status AS conversation_status
  FROM bot.dead_letters d
  LEFT JOIN bot.conversations c ON c.match_id = d.match_id
 WHERE :which = 'all'
    OR (:which = 'open' AND d.resolved_at IS NULL)
    OR (:which = 'resolved' AND d.resolved_at IS NOT NULL)
 ORDER BY d.created_at DESC, d.id DESC
 LIMIT :limit;

-- name: api_dead_letter
-- One dead letter with its conversation's status and the plan it gave up on.
SELECT d.id, d.match_id, d.plan_id, d.task, d.payload::text AS payload, d.error, d.attempts,
       d.created_at, d.resolved_at, d.resolution, c.bot_id, c.status AS conversation_status,
       rp.status AS plan_status, rp.trigger_message_ids, rp.model
  FROM bot.dead_letters d
  LEFT JOIN bot.conversations c ON c.match_id = d.match_id
  LEFT JOIN bot.reply_plans rp ON rp.id = d.plan_id
 WHERE d.id = :letter_id;

-- name: api_messages_by_id
-- Messages by id, oldest first (a dead letter's detail shows those its reply was answering).
SELECT id, sender_id, content, created_at, read_at
  FROM public.messages WHERE id = ANY (:ids::uuid[])
 ORDER BY created_at, id;

-- name: api_resolve_dead_letter
-- Only an open letter can be resolved: a second retry or a discard after a retry does nothing.
UPDATE bot.dead_letters
   SET resolved_at = now(), resolution = :resolution
 WHERE id = :letter_id AND resolved_at IS NULL
RETURNING match_id, plan_id;

-- name: api_conversation_resume
-- A parked conversation goes back to idle; the wake-up that follows lets the engine answer
-- whatever is unanswered. A conversation that moved on (closed) is left alone.
UPDATE bot.conversations
   SET status = 'idle', next_wake_at = NULL, last_error = NULL, updated_at = now()
 WHERE match_id = :match_id AND status = 'dead_letter';

-- name: api_give_up_messages
-- Discarding a letter gives up on the messages its plan was answering: they count as handled
-- (by the failed plan) so that neither the engine nor the catch-up tries them again.
INSERT INTO bot.answered_messages (message_id, match_id, plan_id)
SELECT unnest(rp.trigger_message_ids), rp.match_id, rp.id
  FROM bot.reply_plans rp
 WHERE rp.id = :plan_id
ON CONFLICT (message_id) DO NOTHING;

-- name: api_chat_recent
-- The demo chat's view of its match: the newest messages, oldest first.
SELECT id, sender_id, content, created_at, read_at
  FROM (SELECT id, sender_id, content, created_at, read_at
          FROM public.messages
         WHERE match_id = :match_id
         ORDER BY created_at DESC, id DESC
         LIMIT :limit) recent
 ORDER BY created_at, id;
