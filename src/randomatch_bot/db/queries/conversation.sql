-- Named queries of the conversation engine (db/conversations.py, db/plans.py, db/messages.py)
-- and of the composer. `-- name: x` starts a query, then its description; parameters are
-- named (`:match_id`). Queries still written with `$1, $2, ...` are run by modules not yet
-- moved into db/.

-- name: match_context
-- The match, its bot and its human, or nothing when the match or a profile is gone.
SELECT m.id AS match_id, m.status,
       b.id AS bot_id, b.display_name AS bot_name,
       h.id AS human_id, h.display_name AS human_name
  FROM public.matches m
  JOIN public.profiles b ON b.id IN (m.user_a, m.user_b) AND b.is_bot
  JOIN public.profiles h ON h.id IN (m.user_a, m.user_b) AND NOT h.is_bot
 WHERE m.id = :match_id
 LIMIT 1;

-- name: generation_context
-- What a generation reads, in one statement: the plan (none: no row), its match with the bot
-- and the human (match columns NULL when the match or a profile is gone), the bot's persona
-- row (persona columns NULL when it uses the default persona) with the variant the
-- conversation runs (variant columns NULL: none), and while the plan waits for
-- its parts (`history_read`), the newest `history` messages of the match (parallel arrays,
-- newest first, as `recent_messages`) and its stored memory (memory columns NULL: none).
-- It takes the conversation's lock for the statement's length, like every step, so that an
-- unmatch, a block or an erasure committed before is seen and no model is asked: `locked` is
-- false when another transaction holds it, or when a step committed between this statement's
-- snapshot and the lock (the caller then waits with `lock_conversation_of_plan`, in a
-- transaction, and reads again); true too when there is no conversation row to lock.
-- While it waits for its parts, the photos the human sent since the persona last wrote (at
-- most 4; not for a follow-up, which answers no message), and with `life_weeks` (not NULL:
-- SELF_CONSISTENCY) the persona's life as `life_read` reads it (`life_loaded`).
WITH locked AS (
    SELECT c.match_id, c.xmin::text AS version
      FROM bot.reply_plans lp
      JOIN bot.conversations c ON c.match_id = lp.match_id
     WHERE lp.id = :plan_id
       FOR UPDATE OF c SKIP LOCKED
)
SELECT coalesce((SELECT l.version FROM locked l)
                    = (SELECT x.xmin::text FROM bot.conversations x
                        WHERE x.match_id = p.match_id),
                NOT EXISTS (SELECT 1 FROM bot.conversations x WHERE x.match_id = p.match_id))
         AS locked,
       p.id AS plan_id, p.match_id AS plan_match_id, p.bot_id AS plan_bot_id,
       p.epoch AS plan_epoch, p.status AS plan_status,
       p.trigger_message_ids AS plan_trigger_message_ids, p.read_due_at AS plan_read_due_at,
       p.think_until AS plan_think_until, p.parts AS plan_parts, p.next_part AS plan_next_part,
       p.typing AS plan_typing, p.next_due_at AS plan_next_due_at, p.retry_at AS plan_retry_at,
       p.generation_failures AS plan_generation_failures,
       p.failing_since AS plan_failing_since, p.error AS plan_error, p.model AS plan_model,
       mc.match_id, mc.status, mc.bot_id, mc.bot_name, mc.human_id,
       pr.bot_id AS persona_bot_id, pr.name AS persona_name,
       pr.system_prompt AS persona_system_prompt, pr.card AS persona_card,
       pr.language AS persona_language, pr.timezone AS persona_timezone,
       pr.active_hours AS persona_active_hours, pr.typing_speed_cps AS persona_typing_speed_cps,
       pr.min_thinking AS persona_min_thinking, pr.max_thinking AS persona_max_thinking,
       pr.model AS persona_model, pr.temperature AS persona_temperature,
       pr.enabled AS persona_enabled, pr.icebreaker AS persona_icebreaker,
       pr.greetings AS persona_greetings, pr.absence_probability AS persona_absence_probability,
       pr.emoji AS persona_emoji, pr.tags AS persona_tags, pr.source AS persona_source,
       pr.source_digest AS persona_source_digest,
       v.id AS variant_id, v.name AS variant_name, v.prompt AS variant_prompt,
       v.prompt_mode AS variant_prompt_mode, v.model AS variant_model,
       v.temperature AS variant_temperature, v.typing_speed_cps AS variant_typing_speed_cps,
       v.min_thinking AS variant_min_thinking, v.max_thinking AS variant_max_thinking,
       v.habits AS variant_habits,
       p.status = 'thinking' AND p.parts IS NULL AS history_read,
       hist.ids AS history_ids, hist.sender_ids AS history_sender_ids,
       hist.contents AS history_contents, hist.created_ats AS history_created_ats,
       mem.summary AS memory_summary, mem.facts AS memory_facts,
       mem.covered_through AS memory_covered_through,
       CASE WHEN p.status = 'thinking' AND p.parts IS NULL AND mc.match_id IS NOT NULL
                 AND cardinality(p.trigger_message_ids) > 0
            THEN ARRAY(
                SELECT ph.url
                  FROM bot.message_photos(ARRAY(
                           SELECT id FROM public.messages
                            WHERE match_id = p.match_id AND sender_id <> mc.bot_id
                              AND created_at > coalesce(
                                    (SELECT max(created_at) FROM public.messages
                                      WHERE match_id = p.match_id AND sender_id = mc.bot_id),
                                    '-infinity'::timestamptz)
                       )) ph
                 LIMIT 4)
       END AS photo_urls,
       :life_weeks::text[] IS NOT NULL AND p.status = 'thinking' AND p.parts IS NULL
           AND mc.match_id IS NOT NULL AS life_loaded,
       canon.keys AS life_canon_keys, canon.vals AS life_canon_values,
       canon.sources AS life_canon_sources, canon.conversations AS life_canon_conversations,
       canon.updated_ats AS life_canon_updated_ats,
       told.facts AS life_told,
       wk.weeks AS life_weeks, wk.days AS life_week_days, wk.sources AS life_week_sources,
       wk.created_ats AS life_week_created_ats
  FROM bot.reply_plans p
  LEFT JOIN LATERAL (
      SELECT m.id AS match_id, m.status, b.id AS bot_id, b.display_name AS bot_name,
             h.id AS human_id
        FROM public.matches m
        JOIN public.profiles b ON b.id IN (m.user_a, m.user_b) AND b.is_bot
        JOIN public.profiles h ON h.id IN (m.user_a, m.user_b) AND NOT h.is_bot
       WHERE m.id = p.match_id
       LIMIT 1
  ) mc ON true
  LEFT JOIN bot.personas pr ON pr.bot_id = mc.bot_id
  -- The variant the conversation runs (recorded by its first step: `step_read`).
  LEFT JOIN bot.conversation_variants cv ON pr.bot_id IS NOT NULL AND cv.match_id = p.match_id
  LEFT JOIN bot.persona_variants v ON v.id = cv.variant_id
  LEFT JOIN LATERAL (
      SELECT array_agg(r.id ORDER BY r.created_at DESC, r.id DESC) AS ids,
             array_agg(r.sender_id ORDER BY r.created_at DESC, r.id DESC) AS sender_ids,
             array_agg(r.content ORDER BY r.created_at DESC, r.id DESC) AS contents,
             array_agg(r.created_at ORDER BY r.created_at DESC, r.id DESC) AS created_ats
        FROM (SELECT msg.id, msg.sender_id, msg.content, msg.created_at
                FROM public.messages msg
               WHERE p.status = 'thinking' AND p.parts IS NULL AND mc.match_id IS NOT NULL
                 AND msg.match_id = p.match_id
               ORDER BY msg.created_at DESC, msg.id DESC
               LIMIT :history) r
  ) hist ON true
  LEFT JOIN bot.memories mem
    ON p.status = 'thinking' AND p.parts IS NULL AND mem.match_id = p.match_id
  LEFT JOIN LATERAL (
      SELECT array_agg(c.key ORDER BY c.key) AS keys, array_agg(c.value ORDER BY c.key) AS vals,
             array_agg(c.source ORDER BY c.key) AS sources,
             array_agg(c.conversations ORDER BY c.key) AS conversations,
             array_agg(c.updated_at ORDER BY c.key) AS updated_ats
        FROM bot.persona_canon c
       WHERE :life_weeks::text[] IS NOT NULL AND p.status = 'thinking' AND p.parts IS NULL
         AND c.bot_id = mc.bot_id
  ) canon ON true
  LEFT JOIN bot.self_memories told
    ON :life_weeks::text[] IS NOT NULL AND p.status = 'thinking' AND p.parts IS NULL
   AND told.match_id = p.match_id
  LEFT JOIN LATERAL (
      SELECT array_agg(w.week ORDER BY w.week) AS weeks, array_agg(w.days ORDER BY w.week) AS days,
             array_agg(w.source ORDER BY w.week) AS sources,
             array_agg(w.created_at ORDER BY w.week) AS created_ats
        FROM bot.persona_weeks w
       WHERE :life_weeks::text[] IS NOT NULL AND p.status = 'thinking' AND p.parts IS NULL
         AND w.bot_id = mc.bot_id AND w.week = ANY(:life_weeks::text[])
  ) wk ON true
 WHERE p.id = :plan_id;

-- name: first_sight_lock
-- Taken by a step that found no conversation row, before creating it; `forget` takes the same
-- lock (privacy.sql `first_sight_locks`), so the row is either created before the erasure reads
-- (and erased) or not at all (the match is forgotten by then).
SELECT pg_catalog.pg_advisory_xact_lock(
           pg_catalog.hashtextextended(CAST(:match_id::uuid AS text), 20));

-- name: ensure_conversation
-- First sight of a conversation: human messages followed by a bot message were answered
-- before the service knew the match (by an earlier version), so only later ones count. A
-- forgotten match gets no row again (0068_forgotten_matches).
INSERT INTO bot.conversations (match_id, bot_id, human_id, baseline_at)
SELECT :match_id, :bot_id, :human_id,
       (SELECT max(created_at) FROM public.messages
         WHERE match_id = :match_id AND sender_id = :bot_id)
 WHERE NOT EXISTS (SELECT 1 FROM bot.forgotten_matches f WHERE f.match_id = :match_id)
ON CONFLICT (match_id) DO NOTHING;

-- name: lock_conversation
-- A conversation's row, locked until the transaction ends: every step of one conversation takes
-- this lock first, so steps of the same conversation run one after the other.
SELECT match_id, bot_id, human_id, epoch, status, baseline_at, next_wake_at, last_error,
       opened_at
  FROM bot.conversations
 WHERE match_id = :match_id
   FOR UPDATE;

-- name: lock_conversation_of_plan
-- The conversation of a plan, locked until the transaction ends: a generation takes it before
-- it reads whether the model is still wanted.
SELECT c.match_id
  FROM bot.reply_plans p
  JOIN bot.conversations c ON c.match_id = p.match_id
 WHERE p.id = :plan_id
   FOR UPDATE OF c;

-- name: update_conversation
-- A conversation's epoch, status, wake-up, error and hold after a step. Every step that gets
-- this far succeeded: the count of failed steps in a row starts again.
UPDATE bot.conversations
   SET epoch = :epoch, status = :status, next_wake_at = :wake_at, last_error = :error,
       hold_reason = :hold, step_failures = 0, updated_at = now()
 WHERE match_id = :match_id;

-- name: unanswered_messages
-- Human messages of the match not yet answered by a finished plan, oldest first.
SELECT msg.id, msg.content, msg.created_at, msg.read_at
  FROM public.messages msg
 WHERE msg.match_id = :match_id
   AND msg.sender_id = :human_id
   AND msg.created_at > coalesce(:baseline_at::timestamptz, '-infinity'::timestamptz)
   AND msg.created_at > :since::timestamptz
   AND NOT EXISTS (SELECT 1 FROM bot.answered_messages a WHERE a.message_id = msg.id)
 ORDER BY msg.created_at, msg.id;

-- name: active_plan
-- The plan a conversation is carrying out (at most one: a partial unique index), if any.
SELECT id, match_id, bot_id, epoch, status, trigger_message_ids, read_due_at, think_until,
       parts, next_part, typing, next_due_at, retry_at, generation_failures, failing_since,
       error, model
  FROM bot.reply_plans
 WHERE match_id = :match_id AND status IN ('reading', 'thinking', 'typing');

-- name: get_plan
-- One plan by id, whatever its status.
SELECT id, match_id, bot_id, epoch, status, trigger_message_ids, read_due_at, think_until,
       parts, next_part, typing, next_due_at, retry_at, generation_failures, failing_since,
       error, model
  FROM bot.reply_plans
 WHERE id = :plan_id;

-- name: plan_set_parts_saved
-- `plan_set_parts`, and when the parts landed, the conversation replying in `epoch` until
-- `wake_at` (as `update_conversation`, no error, no hold), in one statement run on its own (its
-- own transaction); whether they landed. The conversation's lock is taken first, as by every
-- step (the plan's update waits for it: a step that holds it and ends the plan is never
-- deadlocked against this statement). With them, whether the parts landed or not, the model
-- calls the reply made (the `call_*` arrays, as `record_llm_calls`) and her week when the
-- generation built it from the card (`week` not NULL: the first writer wins, as
-- `week_store`); `week_written` says whether this statement stored it.
WITH locked AS (
    SELECT 1 FROM bot.conversations WHERE match_id = :match_id FOR UPDATE
), stored AS (
    UPDATE bot.reply_plans
       SET parts = :parts, model = :model, prompt_tokens = :prompt_tokens,
           completion_tokens = :completion_tokens, cost = :cost, updated_at = now()
     WHERE id = :plan_id AND status = 'thinking' AND parts IS NULL
       AND EXISTS (SELECT 1 FROM locked)
    RETURNING id
), saved AS (
    UPDATE bot.conversations
       SET epoch = :epoch, status = :status, next_wake_at = :wake_at, last_error = NULL,
           hold_reason = NULL, step_failures = 0, updated_at = now()
     WHERE match_id = :match_id AND EXISTS (SELECT 1 FROM stored)
), week AS (
    INSERT INTO bot.persona_weeks (bot_id, week, days, source)
    SELECT :bot_id, :week, :week_days::jsonb, :week_source
     WHERE :week::text IS NOT NULL
    ON CONFLICT (bot_id, week) DO NOTHING
    RETURNING week
), recorded AS (
    INSERT INTO bot.llm_calls (bot_id, match_id, plan_id, purpose, model, ok, status, error,
                               prompt_tokens, completion_tokens, cost, latency_ms)
    SELECT c.bot_id, CASE WHEN c.forgotten THEN NULL ELSE c.match_id END,
           CASE WHEN c.forgotten THEN NULL ELSE c.plan_id END, c.purpose, c.model, c.ok,
           c.status, CASE WHEN c.forgotten THEN NULL ELSE c.error END,
           c.prompt_tokens, c.completion_tokens, c.cost, c.latency_ms
      FROM (SELECT u.bot_id, u.match_id, u.plan_id, u.purpose, u.model, u.ok, u.status,
                   u.error, u.prompt_tokens, u.completion_tokens, u.cost, u.latency_ms, u.n,
                   EXISTS (SELECT 1 FROM bot.forgotten_matches f
                            WHERE f.match_id = u.match_id) AS forgotten
              FROM unnest(:call_bot_ids::uuid[], :call_match_ids::uuid[],
                          :call_plan_ids::uuid[], :call_purposes::text[], :call_models::text[],
                          :call_oks::boolean[], :call_statuses::int[], :call_errors::text[],
                          :call_prompt_tokens::int[], :call_completion_tokens::int[],
                          :call_costs::float8[], :call_latencies_ms::int[])
                   WITH ORDINALITY
                   AS u(bot_id, match_id, plan_id, purpose, model, ok, status, error,
                        prompt_tokens, completion_tokens, cost, latency_ms, n)) c
     ORDER BY c.n
)
SELECT EXISTS (SELECT 1 FROM stored) AS stored, EXISTS (SELECT 1 FROM week) AS week_written;

-- name: plan_finish
-- A plan ends: done, interrupted, cancelled or failed (with why).
UPDATE bot.reply_plans
   SET status = :status, typing = false, next_due_at = NULL, error = :error,
       finished_at = now(), updated_at = now()
 WHERE id = :plan_id;

-- name: set_typing
-- The bot's typing indicator in the app's table.
INSERT INTO public.typing_indicators (match_id, user_id, is_typing, updated_at)
VALUES (:match_id, :user_id, :is_typing, :updated_at)
ON CONFLICT (match_id, user_id)
DO UPDATE SET is_typing = EXCLUDED.is_typing, updated_at = EXCLUDED.updated_at;

-- name: recent_messages
-- The newest messages of the match, newest first; the caller trims to a token budget.
SELECT id, sender_id, content, created_at
  FROM public.messages
 WHERE match_id = :match_id
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;

-- name: seconds_since_bot_message
-- Seconds from the bot's last message in the match to `now` (NULL when it never wrote).
SELECT extract(epoch FROM (:now::timestamptz - max(created_at)))::float8
  FROM public.messages
 WHERE match_id = :match_id AND sender_id = :bot_id;

-- name: insert_dead_letter
-- A reply or a step given up after its last attempt, for an operator; returns its id.
INSERT INTO bot.dead_letters (match_id, plan_id, task, payload, error, attempts)
VALUES (:match_id, :plan_id, :task, :payload::jsonb, :error, :attempts)
RETURNING id;

-- name: record_llm_calls
-- Model calls, successful or not, with their tokens, cost and latency: one row per element of
-- the `call_*` arrays, in their order. A call that ends after its match was forgotten keeps
-- nothing that points at the match.
INSERT INTO bot.llm_calls (bot_id, match_id, plan_id, purpose, model, ok, status, error,
                           prompt_tokens, completion_tokens, cost, latency_ms)
SELECT c.bot_id, CASE WHEN c.forgotten THEN NULL ELSE c.match_id END,
       CASE WHEN c.forgotten THEN NULL ELSE c.plan_id END, c.purpose, c.model, c.ok, c.status,
       CASE WHEN c.forgotten THEN NULL ELSE c.error END,
       c.prompt_tokens, c.completion_tokens, c.cost, c.latency_ms
  FROM (SELECT u.bot_id, u.match_id, u.plan_id, u.purpose, u.model, u.ok, u.status, u.error,
               u.prompt_tokens, u.completion_tokens, u.cost, u.latency_ms, u.n,
               EXISTS (SELECT 1 FROM bot.forgotten_matches f
                        WHERE f.match_id = u.match_id) AS forgotten
          FROM unnest(:call_bot_ids::uuid[], :call_match_ids::uuid[], :call_plan_ids::uuid[],
                      :call_purposes::text[], :call_models::text[], :call_oks::boolean[],
                      :call_statuses::int[], :call_errors::text[], :call_prompt_tokens::int[],
                      :call_completion_tokens::int[], :call_costs::float8[],
                      :call_latencies_ms::int[])
               WITH ORDINALITY
               AS u(bot_id, match_id, plan_id, purpose, model, ok, status, error,
                    prompt_tokens, completion_tokens, cost, latency_ms, n)) c
 ORDER BY c.n;

-- name: persona
-- A bot's persona row (none: the bot uses the default persona).
SELECT bot_id, name, system_prompt, card, language, timezone, active_hours, typing_speed_cps,
       min_thinking, max_thinking, model, temperature, enabled, icebreaker, greetings,
       absence_probability, emoji, tags, source, source_digest
  FROM bot.personas WHERE bot_id = :bot_id;

-- name: match_message_count
-- How many messages the match has, from either side.
SELECT count(*) FROM public.messages WHERE match_id = :match_id;

