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

-- name: step_context
-- What a step reads after taking the conversation's lock, in one statement: the match, its bot
-- and its human, the conversation's active plan (plan columns NULL when there is none), the
-- bot's persona row (persona columns NULL when it uses the default persona), and the human's
-- unanswered messages as `unanswered_messages` selects them (parallel arrays, oldest first;
-- NULL when there are none). Nothing when the match or a profile is gone.
SELECT m.id AS match_id, m.status,
       b.id AS bot_id, b.display_name AS bot_name,
       h.id AS human_id,
       p.id AS plan_id, p.match_id AS plan_match_id, p.bot_id AS plan_bot_id,
       p.epoch AS plan_epoch, p.status AS plan_status,
       p.trigger_message_ids AS plan_trigger_message_ids, p.read_due_at AS plan_read_due_at,
       p.think_until AS plan_think_until, p.parts AS plan_parts, p.next_part AS plan_next_part,
       p.typing AS plan_typing, p.next_due_at AS plan_next_due_at, p.retry_at AS plan_retry_at,
       p.generation_failures AS plan_generation_failures,
       p.failing_since AS plan_failing_since, p.error AS plan_error,
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
       u.ids AS unanswered_ids, u.contents AS unanswered_contents,
       u.created_ats AS unanswered_created_ats, u.read_ats AS unanswered_read_ats
  FROM public.matches m
  JOIN public.profiles b ON b.id IN (m.user_a, m.user_b) AND b.is_bot
  JOIN public.profiles h ON h.id IN (m.user_a, m.user_b) AND NOT h.is_bot
  LEFT JOIN bot.reply_plans p
    ON p.match_id = m.id AND p.status IN ('reading', 'thinking', 'typing')
  LEFT JOIN bot.personas pr ON pr.bot_id = b.id
  LEFT JOIN LATERAL (
      SELECT array_agg(msg.id ORDER BY msg.created_at, msg.id) AS ids,
             array_agg(msg.content ORDER BY msg.created_at, msg.id) AS contents,
             array_agg(msg.created_at ORDER BY msg.created_at, msg.id) AS created_ats,
             array_agg(msg.read_at ORDER BY msg.created_at, msg.id) AS read_ats
        FROM public.messages msg
       WHERE msg.match_id = m.id
         AND msg.sender_id = h.id
         AND msg.created_at > coalesce(:baseline_at::timestamptz, '-infinity'::timestamptz)
         AND msg.created_at > :since::timestamptz
         AND NOT EXISTS (SELECT 1 FROM bot.answered_messages a WHERE a.message_id = msg.id)
  ) u ON true
 WHERE m.id = :match_id
 LIMIT 1;

-- name: generation_context
-- What a generation reads, in one statement: the plan (none: no row), its match with the bot
-- and the human (match columns NULL when the match or a profile is gone), the bot's persona
-- row (persona columns NULL when it uses the default persona), and while the plan waits for
-- its parts (`history_read`), the newest `history` messages of the match (parallel arrays,
-- newest first, as `recent_messages`) and its stored memory (memory columns NULL: none).
SELECT p.id AS plan_id, p.match_id AS plan_match_id, p.bot_id AS plan_bot_id,
       p.epoch AS plan_epoch, p.status AS plan_status,
       p.trigger_message_ids AS plan_trigger_message_ids, p.read_due_at AS plan_read_due_at,
       p.think_until AS plan_think_until, p.parts AS plan_parts, p.next_part AS plan_next_part,
       p.typing AS plan_typing, p.next_due_at AS plan_next_due_at, p.retry_at AS plan_retry_at,
       p.generation_failures AS plan_generation_failures,
       p.failing_since AS plan_failing_since, p.error AS plan_error,
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
       p.status = 'thinking' AND p.parts IS NULL AS history_read,
       hist.ids AS history_ids, hist.sender_ids AS history_sender_ids,
       hist.contents AS history_contents, hist.created_ats AS history_created_ats,
       mem.summary AS memory_summary, mem.facts AS memory_facts,
       mem.covered_through AS memory_covered_through
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
 WHERE p.id = :plan_id;

-- name: ensure_conversation
-- First sight of a conversation: human messages followed by a bot message were answered
-- before the service knew the match (by an earlier version), so only later ones count.
INSERT INTO bot.conversations (match_id, bot_id, human_id, baseline_at)
SELECT :match_id, :bot_id, :human_id,
       (SELECT max(created_at) FROM public.messages
         WHERE match_id = :match_id AND sender_id = :bot_id)
ON CONFLICT (match_id) DO NOTHING;

-- name: lock_conversation
-- A conversation's row, locked until the transaction ends: every step of one conversation takes
-- this lock first, so steps of the same conversation run one after the other.
SELECT match_id, bot_id, human_id, epoch, status, baseline_at, next_wake_at, last_error,
       opened_at
  FROM bot.conversations
 WHERE match_id = :match_id
   FOR UPDATE;

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
       error
  FROM bot.reply_plans
 WHERE match_id = :match_id AND status IN ('reading', 'thinking', 'typing');

-- name: get_plan
-- One plan by id, whatever its status.
SELECT id, match_id, bot_id, epoch, status, trigger_message_ids, read_due_at, think_until,
       parts, next_part, typing, next_due_at, retry_at, generation_failures, failing_since,
       error
  FROM bot.reply_plans
 WHERE id = :plan_id;

-- name: insert_plan
-- A new plan, reading its trigger messages until `read_due_at`.
INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, trigger_message_ids,
                             read_due_at, next_due_at, created_at)
VALUES (:plan_id, :match_id, :bot_id, :epoch, 'reading', :trigger_message_ids, :read_due_at,
        :read_due_at, :created_at);

-- name: plan_to_thinking
-- The messages are read: the plan thinks (its reply is generated) until `think_until`.
UPDATE bot.reply_plans
   SET status = 'thinking', think_until = :think_until, next_due_at = :think_until,
       updated_at = now()
 WHERE id = :plan_id;

-- name: start_plan_saved
-- A new plan, reading its trigger messages until `read_due_at`, and its conversation replying
-- in the plan's epoch until `wake_at` (as `update_conversation`), in one statement.
WITH plan AS (
    INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, trigger_message_ids,
                                 read_due_at, next_due_at, created_at)
    VALUES (:plan_id, :match_id, :bot_id, :epoch, 'reading', :trigger_message_ids,
            :read_due_at, :read_due_at, :created_at)
)
UPDATE bot.conversations
   SET epoch = :epoch, status = :status, next_wake_at = :wake_at, last_error = NULL,
       hold_reason = NULL, step_failures = 0, updated_at = now()
 WHERE match_id = :match_id;

-- name: plan_to_thinking_saved
-- The messages are read: the plan thinks until `think_until`, and its conversation is saved
-- (as `update_conversation`, no error, no hold), in one statement.
WITH plan AS (
    UPDATE bot.reply_plans
       SET status = 'thinking', think_until = :think_until, next_due_at = :think_until,
           updated_at = now()
     WHERE id = :plan_id
)
UPDATE bot.conversations
   SET epoch = :epoch, status = :status, next_wake_at = :wake_at, last_error = NULL,
       hold_reason = NULL, step_failures = 0, updated_at = now()
 WHERE match_id = :match_id;

-- name: plan_typing_saved
-- The plan types part `next_part` (typing on) or pauses before it (typing off) until `due_at`,
-- the bot's indicator in the app's table is set to `typing` when `indicator` is true, and the
-- conversation is saved (as `update_conversation`, no error, no hold), in one statement.
WITH plan AS (
    UPDATE bot.reply_plans
       SET status = 'typing', typing = :typing, next_part = :next_part, next_due_at = :due_at,
           updated_at = now()
     WHERE id = :plan_id
), indicator AS (
    INSERT INTO public.typing_indicators (match_id, user_id, is_typing, updated_at)
    SELECT :match_id::uuid, :bot_id::uuid, :typing::boolean, :now::timestamptz
     WHERE :indicator::boolean
    ON CONFLICT (match_id, user_id)
    DO UPDATE SET is_typing = EXCLUDED.is_typing, updated_at = EXCLUDED.updated_at
)
UPDATE bot.conversations
   SET epoch = :epoch, status = :status, next_wake_at = :wake_at, last_error = NULL,
       hold_reason = NULL, step_failures = 0, updated_at = now()
 WHERE match_id = :match_id;

-- name: plan_set_parts
-- The generated parts land only while the plan still waits for them: a late generation of an
-- interrupted or cancelled plan is dropped here (and returns nothing).
UPDATE bot.reply_plans
   SET parts = :parts, model = :model, prompt_tokens = :prompt_tokens,
       completion_tokens = :completion_tokens, cost = :cost, updated_at = now()
 WHERE id = :plan_id AND status = 'thinking' AND parts IS NULL
RETURNING id;

-- name: plan_set_parts_saved
-- `plan_set_parts`, and when the parts landed, the conversation replying in `epoch` until
-- `wake_at` (as `update_conversation`, no error, no hold), in one statement run on its own (its
-- own transaction); whether they landed. The conversation's lock is taken first, as by every
-- step (the plan's update waits for it: a step that holds it and ends the plan is never
-- deadlocked against this statement).
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
)
SELECT EXISTS (SELECT 1 FROM stored) AS stored;

-- name: plan_finish
-- A plan ends: done, interrupted, cancelled or failed (with why).
UPDATE bot.reply_plans
   SET status = :status, typing = false, next_due_at = NULL, error = :error,
       finished_at = now(), updated_at = now()
 WHERE id = :plan_id;

-- name: mark_read
-- The persona has read these messages (the app shows it); a message read before keeps its time.
UPDATE public.messages SET read_at = :read_at
 WHERE id = ANY(:message_ids::uuid[]) AND read_at IS NULL;

-- name: set_typing
-- The bot's typing indicator in the app's table.
INSERT INTO public.typing_indicators (match_id, user_id, is_typing, updated_at)
VALUES (:match_id, :user_id, :is_typing, :updated_at)
ON CONFLICT (match_id, user_id)
DO UPDATE SET is_typing = EXCLUDED.is_typing, updated_at = EXCLUDED.updated_at;

-- name: send_part
-- A part of a reply as the bot's message, with which plan sent it as which part, in one
-- statement. The message's id is derived from the plan and its index: a redone step inserts
-- nothing. No `sent_at` means the database's clock.
WITH message AS (
    INSERT INTO public.messages (id, match_id, sender_id, content, created_at)
    VALUES (:message_id, :match_id, :sender_id, :content,
            coalesce(:sent_at::timestamptz, now()))
    ON CONFLICT (id) DO NOTHING
)
INSERT INTO bot.sent_parts (message_id, plan_id, match_id, part_index, sent_at)
VALUES (:message_id, :plan_id, :match_id, :part_index, coalesce(:sent_at::timestamptz, now()))
ON CONFLICT (message_id) DO NOTHING;


-- name: finish_reply
-- A reply is over (its last part sent, or an emoji instead): its trigger messages are answered
-- by it (once), and the plan is done, in one statement.
WITH answered AS (
    INSERT INTO bot.answered_messages (message_id, match_id, plan_id)
    SELECT unnest(:message_ids::uuid[]), :match_id, :plan_id
    ON CONFLICT (message_id) DO NOTHING
)
UPDATE bot.reply_plans
   SET status = 'done', typing = false, next_due_at = NULL, error = NULL,
       finished_at = now(), updated_at = now()
 WHERE id = :plan_id;

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

-- name: record_llm_call
-- One model call, successful or not, with its tokens, cost and latency.
INSERT INTO bot.llm_calls (bot_id, match_id, plan_id, purpose, model, ok, status, error,
                           prompt_tokens, completion_tokens, cost, latency_ms)
VALUES (:bot_id, :match_id, :plan_id, :purpose, :model, :ok, :status, :error,
        :prompt_tokens, :completion_tokens, :cost, :latency_ms);

-- name: persona
-- A bot's persona row (none: the bot uses the default persona).
SELECT bot_id, name, system_prompt, card, language, timezone, active_hours, typing_speed_cps,
       min_thinking, max_thinking, model, temperature, enabled, icebreaker, greetings,
       absence_probability, emoji, tags, source, source_digest
  FROM bot.personas WHERE bot_id = :bot_id;

-- name: match_message_count
-- How many messages the match has, from either side.
SELECT count(*) FROM public.messages WHERE match_id = :match_id;

-- name: mark_opened
-- The persona opened the match (an icebreaker planned): it never opens it again.
UPDATE bot.conversations SET opened_at = :opened_at
 WHERE match_id = :match_id AND opened_at IS NULL;
