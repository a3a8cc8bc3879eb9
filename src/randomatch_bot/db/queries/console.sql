-- Named queries of the operator's console (api/engagement.py, api/conversation.py): engagement
-- per persona, per model or per variant over a window, and one conversation explained.
-- Definitions in docs/API.md ("Engagement"). `:by` chooses the group: 'persona' (the bot's id),
-- 'model' (the model that wrote the persona's message) or 'variant' ('bot id/variant name' of
-- the variant the conversation runs, 'bot id/base' for none); a new grouping is one more WHEN. Each query also
-- gives the total over every group (`is_total`, key 'all') in the same pass (GROUPING SETS).

-- name: engagement_work_mem
-- The engagement queries sort a window's messages and calls: memory enough to sort them in
-- memory, for this transaction only.
SELECT set_config('work_mem', :work_mem, true) AS work_mem;

-- name: engagement_turns
-- The persona's turns (a run of her messages with no silence of more than 24 h; the last one
-- stands for the turn) decided in [:start, :end): replied (the human wrote within 24 h;
-- decided then) or not (decided 24 h after); per group, the reply rate's counts, the human's
-- reply delay (median, p90), the turns still pending, and per conversation with a decided
-- turn whether its latest decided turn went unanswered (ghosted) and its human turns in the
-- window (depth; a human turn likewise: a run of the human's messages with no silence of more
-- than 24 h). Rows of kind 'group' (one per group), then kind 'worst' (the :worst
-- conversations ghosted first, then the shallowest). Turns decided before the cut (the kept
-- turns' watermark, within the window; the window's start when the kept turns do not cover
-- it) are read from bot.engagement_turns; the rest are computed from the messages of
-- [cut - 24 h, :end), by time, as `engagement_keep` does.
WITH cut AS (
    SELECT CASE WHEN w.kept_from <= :start::timestamptz
                THEN least(greatest(w.kept_until, :start::timestamptz), :end::timestamptz)
                ELSE :start::timestamptz END AS at
      FROM (SELECT NULL) one
      LEFT JOIN bot.engagement_watermark w ON true
), msgs AS (
    SELECT msg.match_id, msg.id, msg.created_at, msg.sender_id = c.bot_id AS persona,
           c.bot_id
      FROM public.messages msg
      JOIN bot.conversations c ON c.match_id = msg.match_id
     WHERE msg.created_at >= (SELECT at FROM cut) - interval '24 hours'
       AND msg.created_at < :end::timestamptz
       AND msg.sender_id IN (c.bot_id, c.human_id)
), ordered AS (
    SELECT match_id, id, created_at, persona, bot_id,
           lead(persona) OVER w AS next_persona,
           lead(created_at) OVER w AS next_at,
           lag(persona) OVER w AS prev_persona,
           lag(created_at) OVER w AS prev_at
      FROM msgs
    WINDOW w AS (PARTITION BY match_id ORDER BY created_at, id)
), live AS (
    SELECT o.match_id, o.bot_id, o.created_at AS at,
           extract(epoch FROM o.next_at - o.created_at)::float8 AS delay_s,
           coalesce(o.next_at <= o.created_at + interval '24 hours', false) AS replied,
           CASE WHEN o.next_at <= o.created_at + interval '24 hours' THEN o.next_at
                WHEN o.created_at + interval '24 hours' < :end::timestamptz
                THEN o.created_at + interval '24 hours' END AS decided_at,
           rp.model
      FROM ordered o
      -- The model only when grouping by it (a one-time filter skips the look-ups otherwise).
      LEFT JOIN bot.sent_parts sp ON sp.message_id = o.id AND :by::text = 'model'
      LEFT JOIN bot.reply_plans rp ON rp.id = sp.plan_id
     WHERE o.persona
       AND (o.next_persona IS NOT TRUE OR o.next_at > o.created_at + interval '24 hours')
), all_turns AS (
    SELECT match_id, bot_id, at, delay_s, replied, decided_at, model
      FROM live
     WHERE decided_at IS NULL OR decided_at >= (SELECT at FROM cut)
    UNION ALL
    SELECT match_id, bot_id, at, delay_s, replied, decided_at, model
      FROM bot.engagement_turns
     WHERE persona AND decided_at >= :start::timestamptz AND decided_at < (SELECT at FROM cut)
), turns AS (
    SELECT t.match_id, t.bot_id, t.at, t.delay_s, t.replied, t.decided_at,
           CASE :by::text WHEN 'persona' THEN t.bot_id::text
                          WHEN 'model' THEN coalesce(t.model, 'unknown')
                          WHEN 'variant' THEN t.bot_id::text || '/' || coalesce(pv.name, 'base')
           END AS key
      FROM all_turns t
      -- The variant only when grouping by it, likewise.
      LEFT JOIN bot.conversation_variants cv
        ON cv.match_id = t.match_id AND :by::text = 'variant'
      LEFT JOIN bot.persona_variants pv ON pv.id = cv.variant_id
), decided AS (
    SELECT match_id, bot_id, at, delay_s, replied, key
      FROM turns
     WHERE decided_at >= :start::timestamptz AND decided_at < :end::timestamptz
), human_turns AS (
    SELECT match_id
      FROM ordered
     WHERE NOT persona
       AND (prev_persona IS NOT FALSE OR prev_at < created_at - interval '24 hours')
       AND created_at >= greatest((SELECT at FROM cut), :start::timestamptz)
    UNION ALL
    SELECT match_id
      FROM bot.engagement_turns
     WHERE NOT persona AND decided_at >= :start::timestamptz AND decided_at < (SELECT at FROM cut)
), depth AS (
    SELECT match_id, count(*) AS human_turns FROM human_turns GROUP BY match_id
), convs AS (
    SELECT DISTINCT ON (d.match_id) d.match_id, d.bot_id, d.key, d.at AS last_turn_at,
           NOT d.replied AS ghosted, coalesce(h.human_turns, 0)::int AS depth
      FROM decided d
      LEFT JOIN depth h ON h.match_id = d.match_id
     ORDER BY d.match_id, d.at DESC
), per_turn AS (
    SELECT coalesce(key, 'all') AS key, GROUPING(key) = 1 AS is_total,
           count(*) FILTER (WHERE decided_at >= :start::timestamptz
                              AND decided_at < :end::timestamptz)::int AS turns,
           count(*) FILTER (WHERE replied AND decided_at >= :start::timestamptz
                              AND decided_at < :end::timestamptz)::int AS replied,
           count(*) FILTER (WHERE decided_at IS NULL)::int AS pending,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY delay_s)
               FILTER (WHERE replied AND decided_at >= :start::timestamptz
                         AND decided_at < :end::timestamptz) AS delay_median_s,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY delay_s)
               FILTER (WHERE replied AND decided_at >= :start::timestamptz
                         AND decided_at < :end::timestamptz) AS delay_p90_s
      FROM turns
     GROUP BY GROUPING SETS ((key), ())
), per_conv AS (
    SELECT coalesce(key, 'all') AS key, GROUPING(key) = 1 AS is_total,
           count(*)::int AS conversations, count(*) FILTER (WHERE ghosted)::int AS ghosted,
           avg(depth)::float8 AS depth_mean, stddev_samp(depth)::float8 AS depth_stddev,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY depth) AS depth_median
      FROM convs
     GROUP BY GROUPING SETS ((key), ())
)
(SELECT CASE WHEN t.is_total THEN 'total' ELSE 'group' END AS kind, t.key, t.is_total,
        NULL::uuid AS match_id, NULL::uuid AS bot_id,
        t.turns, t.replied, t.pending, t.delay_median_s, t.delay_p90_s,
        coalesce(c.conversations, 0) AS conversations, coalesce(c.ghosted, 0) AS ghosted,
        c.depth_mean, c.depth_stddev, c.depth_median, NULL::int AS depth,
        NULL::timestamptz AS last_turn_at
   FROM per_turn t
   LEFT JOIN per_conv c ON c.is_total = t.is_total AND c.key = t.key
  WHERE t.turns > 0 OR t.pending > 0 OR t.is_total
  ORDER BY t.is_total, t.key)
UNION ALL
(SELECT 'worst', key, false, match_id, bot_id, NULL, NULL, NULL, NULL, NULL, NULL,
        ghosted::int, NULL, NULL, NULL, depth, last_turn_at
   FROM convs
  ORDER BY ghosted DESC, depth, last_turn_at DESC, match_id
  LIMIT :worst);

-- name: engagement_keep
-- Keeps the turns decided in [:start, :end) (as `engagement_turns` computes them: the
-- persona's, decided, and the human's, for depth) in bot.engagement_turns, reading the
-- messages of [:start - 24 h, :end) of the matches with a message in [:start - 24 h, :end -
-- 24 h) (a turn decided unanswered) or in [:start, :end) (a reply, a human turn). A turn
-- already kept is left as it is. Returns how many were added.
WITH active AS (
    SELECT DISTINCT match_id
      FROM public.messages
     WHERE (created_at >= :start::timestamptz - interval '24 hours'
            AND created_at < :end::timestamptz - interval '24 hours')
        OR (created_at >= :start::timestamptz AND created_at < :end::timestamptz)
), msgs AS (
    SELECT msg.match_id, msg.id, msg.created_at, msg.sender_id = c.bot_id AS persona,
           c.bot_id
      FROM active a
      JOIN bot.conversations c ON c.match_id = a.match_id
      JOIN public.messages msg ON msg.match_id = a.match_id
     WHERE msg.created_at >= :start::timestamptz - interval '24 hours'
       AND msg.created_at < :end::timestamptz
       AND msg.sender_id IN (c.bot_id, c.human_id)
), ordered AS (
    SELECT match_id, id, created_at, persona, bot_id,
           lead(persona) OVER w AS next_persona,
           lead(created_at) OVER w AS next_at,
           lag(persona) OVER w AS prev_persona,
           lag(created_at) OVER w AS prev_at
      FROM msgs
    WINDOW w AS (PARTITION BY match_id ORDER BY created_at, id)
), turns AS (
    SELECT o.match_id, o.id, o.bot_id, true AS persona, rp.model, o.created_at AS at,
           CASE WHEN o.next_at <= o.created_at + interval '24 hours' THEN o.next_at
                ELSE o.created_at + interval '24 hours' END AS decided_at,
           coalesce(o.next_at <= o.created_at + interval '24 hours', false) AS replied,
           CASE WHEN o.next_at <= o.created_at + interval '24 hours'
                THEN extract(epoch FROM o.next_at - o.created_at)::float8 END AS delay_s
      FROM ordered o
      LEFT JOIN bot.sent_parts sp ON sp.message_id = o.id
      LEFT JOIN bot.reply_plans rp ON rp.id = sp.plan_id
     WHERE o.persona
       AND (o.next_persona IS NOT TRUE OR o.next_at > o.created_at + interval '24 hours')
    UNION ALL
    SELECT match_id, id, bot_id, false, NULL, created_at, created_at, false, NULL
      FROM ordered
     WHERE NOT persona
       AND (prev_persona IS NOT FALSE OR prev_at < created_at - interval '24 hours')
), added AS (
    INSERT INTO bot.engagement_turns
           (match_id, message_id, bot_id, persona, model, at, decided_at, replied, delay_s)
    SELECT match_id, id, bot_id, persona, model, at, decided_at, replied, delay_s
      FROM turns
     WHERE decided_at >= :start::timestamptz AND decided_at < :end::timestamptz
    ON CONFLICT (match_id, message_id) DO NOTHING
    RETURNING 1
)
SELECT count(*)::int AS added FROM added;

-- name: engagement_watermark
-- How far the kept turns go (locked: one keeper at a time); no row before the first keeping.
SELECT kept_from, kept_until FROM bot.engagement_watermark FOR UPDATE;

-- name: engagement_set_watermark
-- The kept turns now cover [:kept_from, :kept_until); those decided before :kept_from go.
WITH gone AS (
    DELETE FROM bot.engagement_turns WHERE decided_at < :kept_from::timestamptz RETURNING 1
)
INSERT INTO bot.engagement_watermark (one, kept_from, kept_until)
VALUES (true, :kept_from::timestamptz, :kept_until::timestamptz)
ON CONFLICT (one) DO UPDATE SET kept_from = EXCLUDED.kept_from, kept_until = EXCLUDED.kept_until
RETURNING (SELECT count(*) FROM gone)::int AS dropped;

-- name: engagement_followups
-- Follow-ups (plans with no trigger message, not an icebreaker nor an operator's message)
-- whose first part was sent,
-- decided in [:start, :end): re-engaged when the human wrote within 24 h (decided then),
-- else decided 24 h after; per group (:by as `engagement_turns`) and in total.
WITH f AS (
    SELECT CASE :by::text WHEN 'persona' THEN p.bot_id::text
                          WHEN 'model' THEN coalesce(p.model, 'unknown')
                          WHEN 'variant' THEN p.bot_id::text || '/' || coalesce(pv.name, 'base')
           END AS key,
           sp.sent_at,
           (SELECT min(m.created_at) FROM public.messages m
             WHERE m.match_id = p.match_id AND m.sender_id = c.human_id
               AND m.created_at > sp.sent_at
               AND m.created_at <= sp.sent_at + interval '24 hours'
               AND m.created_at < :end::timestamptz) AS answered_at
      FROM bot.reply_plans p
      JOIN bot.conversations c ON c.match_id = p.match_id
      JOIN bot.sent_parts sp
        ON sp.match_id = p.match_id AND sp.plan_id = p.id AND sp.part_index = 0
      LEFT JOIN bot.conversation_variants cv
        ON cv.match_id = p.match_id AND :by::text = 'variant'
      LEFT JOIN bot.persona_variants pv ON pv.id = cv.variant_id
     WHERE cardinality(p.trigger_message_ids) = 0
       AND p.created_at >= :start::timestamptz - interval '48 hours'
       AND p.created_at < :end::timestamptz
       AND coalesce(p.model, '') NOT IN ('greeting', 'operator')
), decided AS (
    SELECT key, answered_at IS NOT NULL AS reengaged,
           coalesce(answered_at, sent_at + interval '24 hours') AS decided_at
      FROM f
)
SELECT coalesce(key, 'all') AS key, GROUPING(key) = 1 AS is_total,
       count(*)::int AS followups, count(*) FILTER (WHERE reengaged)::int AS reengaged
  FROM decided
 WHERE decided_at >= :start::timestamptz AND decided_at < :end::timestamptz
 GROUP BY GROUPING SETS ((key), ())
 ORDER BY 2, 1;

-- name: engagement_closures
-- Matches unmatched or blocked in [:start, :end) (as the service saw them: `closed_at`) within
-- 24 h of the persona's last message before; per group (:by as `engagement_turns`, the model
-- of that message) and in total.
WITH closed AS (
    SELECT CASE :by::text WHEN 'persona' THEN c.bot_id::text
                          WHEN 'model' THEN coalesce(rp.model, 'unknown')
                          WHEN 'variant' THEN c.bot_id::text || '/' || coalesce(pv.name, 'base')
           END AS key,
           m.status
      FROM bot.conversations c
      JOIN public.matches m ON m.id = c.match_id AND m.status IN ('unmatched', 'blocked')
      JOIN LATERAL (
          SELECT msg.id, msg.created_at
            FROM public.messages msg
           WHERE msg.match_id = c.match_id AND msg.sender_id = c.bot_id
             AND msg.created_at <= c.closed_at
           ORDER BY msg.created_at DESC
           LIMIT 1
      ) last ON last.created_at > c.closed_at - interval '24 hours'
      LEFT JOIN bot.sent_parts sp ON sp.message_id = last.id
      LEFT JOIN bot.reply_plans rp ON rp.id = sp.plan_id
      LEFT JOIN bot.conversation_variants cv
        ON cv.match_id = c.match_id AND :by::text = 'variant'
      LEFT JOIN bot.persona_variants pv ON pv.id = cv.variant_id
     WHERE c.closed_at >= :start::timestamptz AND c.closed_at < :end::timestamptz
)
SELECT coalesce(key, 'all') AS key, GROUPING(key) = 1 AS is_total,
       count(*)::int AS closed, count(*) FILTER (WHERE status = 'blocked')::int AS blocked
  FROM closed
 GROUP BY GROUPING SETS ((key), ())
 ORDER BY 2, 1;

-- name: engagement_guard
-- Replies (first part sent in [:start, :end)) and the guard's trips recorded in the window,
-- per group (:by as `engagement_turns`; a trip's model is its plan's) and in total. A plan is
-- created less than a week before its first part (a night, an absence, an outage horizon):
-- the plans are read by that range too, and joined by hash rather than one by one.
WITH replies AS (
    SELECT CASE :by::text WHEN 'persona' THEN rp.bot_id::text
                          WHEN 'model' THEN coalesce(rp.model, 'unknown')
                          WHEN 'variant' THEN rp.bot_id::text || '/' || coalesce(pv.name, 'base')
           END AS key,
           1 AS reply, 0 AS trip
      FROM bot.sent_parts sp
      JOIN bot.reply_plans rp ON rp.id = sp.plan_id
      LEFT JOIN bot.conversation_variants cv
        ON cv.match_id = rp.match_id AND :by::text = 'variant'
      LEFT JOIN bot.persona_variants pv ON pv.id = cv.variant_id
     WHERE sp.sent_at >= :start::timestamptz AND sp.sent_at < :end::timestamptz
       AND sp.part_index = 0
       AND rp.created_at >= :start::timestamptz - interval '7 days'
       AND rp.created_at < :end::timestamptz
), trips AS (
    SELECT CASE :by::text WHEN 'persona' THEN g.bot_id::text
                          WHEN 'model' THEN coalesce(rp.model, 'unknown')
                          WHEN 'variant' THEN g.bot_id::text || '/' || coalesce(pv.name, 'base')
           END AS key,
           0 AS reply, 1 AS trip
      FROM bot.guard_trips g
      LEFT JOIN bot.reply_plans rp ON rp.id = g.plan_id
      LEFT JOIN bot.conversation_variants cv
        ON cv.match_id = g.match_id AND :by::text = 'variant'
      LEFT JOIN bot.persona_variants pv ON pv.id = cv.variant_id
     WHERE g.created_at >= :start::timestamptz AND g.created_at < :end::timestamptz
)
SELECT coalesce(key, 'all') AS key, GROUPING(key) = 1 AS is_total,
       coalesce(sum(reply), 0)::int AS replies, coalesce(sum(trip), 0)::int AS trips
  FROM (SELECT key, reply, trip FROM replies UNION ALL SELECT key, reply, trip FROM trips) r
 WHERE key IS NOT NULL
 GROUP BY GROUPING SETS ((key), ())
 ORDER BY 2, 1;

-- name: engagement_cost
-- Model spend in [:start, :end) and the conversations it went to, per group (:by as
-- `engagement_turns`; by model, each call's own model) and in total.
SELECT coalesce(key, 'all') AS key, GROUPING(key) = 1 AS is_total,
       coalesce(sum(cost), 0)::float8 AS cost, count(DISTINCT match_id)::int AS conversations
  FROM (SELECT CASE :by::text WHEN 'persona' THEN l.bot_id::text
                              WHEN 'model' THEN l.model
                              WHEN 'variant' THEN l.bot_id::text || '/' || coalesce(pv.name, 'base')
               END AS key,
               l.cost, l.match_id
          FROM bot.llm_calls l
          LEFT JOIN bot.conversation_variants cv
            ON cv.match_id = l.match_id AND :by::text = 'variant'
          LEFT JOIN bot.persona_variants pv ON pv.id = cv.variant_id
         WHERE l.created_at >= :start::timestamptz AND l.created_at < :end::timestamptz) c
 WHERE key IS NOT NULL
 GROUP BY GROUPING SETS ((key), ())
 ORDER BY 2, 1;

-- name: engagement_bot_names
-- The bots' display names, for the groups of `:by = 'persona'`.
SELECT id AS bot_id, display_name AS name
  FROM public.profiles
 WHERE id = ANY (:ids::uuid[]);

-- name: record_guard_trip
-- One reason the guard kept a reply (or a model call) from the person, at one stage.
INSERT INTO bot.guard_trips (bot_id, match_id, plan_id, reason, stage)
SELECT :bot_id, :match_id, :plan_id, unnest(:reasons::text[]), :stage;

-- name: console_match
-- One match with its bot, its human and the service's conversation row (columns NULL when the
-- service never saw it); nothing when the match is unknown to both.
SELECT k.id AS match_id, m.status AS match_status,
       b.id AS bot_id, b.display_name AS bot_name, h.id AS human_id, h.display_name AS human_name,
       c.status, c.epoch, c.hold_reason, c.next_wake_at, c.last_error, c.opened_at,
       c.closed_at, c.taken_over_until, c.takeover_reason
  FROM (SELECT :match_id::uuid AS id) k
  LEFT JOIN public.matches m ON m.id = k.id
  LEFT JOIN bot.conversations c ON c.match_id = k.id
  LEFT JOIN LATERAL (
      SELECT p.id, p.display_name FROM public.profiles p
       WHERE p.id IN (m.user_a, m.user_b, c.bot_id) AND p.is_bot LIMIT 1) b ON true
  LEFT JOIN LATERAL (
      SELECT p.id, p.display_name FROM public.profiles p
       WHERE p.id IN (m.user_a, m.user_b, c.human_id) AND NOT p.is_bot LIMIT 1) h ON true
 WHERE m.id IS NOT NULL OR c.match_id IS NOT NULL;

-- name: console_messages
-- The match's newest :limit messages, oldest first, with the plan and part that sent each of
-- the persona's.
SELECT r.id, r.sender_id, r.content, r.created_at, r.read_at, sp.plan_id, sp.part_index
  FROM (SELECT id, sender_id, content, created_at, read_at
          FROM public.messages
         WHERE match_id = :match_id
         ORDER BY created_at DESC, id DESC
         LIMIT :limit) r
  LEFT JOIN bot.sent_parts sp ON sp.message_id = r.id
 ORDER BY r.created_at, r.id;

-- name: console_plans
-- The match's plans created at or after :since (the oldest message shown), oldest first.
SELECT id, status, trigger_message_ids, read_due_at, think_until,
       coalesce(cardinality(parts), 0) AS parts, next_part, model, prompt_tokens,
       completion_tokens, cost, error, generation_failures, created_at, finished_at
  FROM bot.reply_plans
 WHERE match_id = :match_id AND created_at >= :since::timestamptz
 ORDER BY created_at, id;

-- name: console_events
-- The match's recorded plan and conversation events from :since, in order.
SELECT id, plan_id, kind, part, at, until, reason
  FROM bot.plan_events
 WHERE match_id = :match_id AND at >= :since::timestamptz
 ORDER BY id;

-- name: console_calls
-- The match's model calls from :since, in order.
SELECT plan_id, purpose, model, ok, status, prompt_tokens, completion_tokens, cost, latency_ms,
       created_at
  FROM bot.llm_calls
 WHERE match_id = :match_id AND created_at >= :since::timestamptz
 ORDER BY created_at, id;

-- name: console_trips
-- The guard's trips in the match from :since, in order.
SELECT plan_id, reason, stage, created_at
  FROM bot.guard_trips
 WHERE match_id = :match_id AND created_at >= :since::timestamptz
 ORDER BY created_at, id;
