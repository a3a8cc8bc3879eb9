-- Named queries of the conversation engine. `-- name: x` starts a query; the loader in
-- db/queries.py exposes them as Q.x. Parameters are asyncpg's $1, $2, ...

-- name: match_context
-- The match, its bot and its human, or nothing when the match or a profile is gone.
SELECT m.id AS match_id, m.status,
       b.id AS bot_id, b.display_name AS bot_name,
       h.id AS human_id, h.display_name AS human_name
  FROM public.matches m
  JOIN public.profiles b ON b.id IN (m.user_a, m.user_b) AND b.is_bot
  JOIN public.profiles h ON h.id IN (m.user_a, m.user_b) AND NOT h.is_bot
 WHERE m.id = $1
 LIMIT 1;

-- name: ensure_conversation
-- First sight of a conversation: human messages followed by a bot message were answered
-- before the service knew the match (by an earlier version), so only later ones count.
INSERT INTO bot.conversations (match_id, bot_id, human_id, baseline_at)
SELECT $1, $2, $3,
       (SELECT max(created_at) FROM public.messages WHERE match_id = $1 AND sender_id = $2)
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
-- Every step that gets this far succeeded: the count of failed steps in a row starts again.
UPDATE bot.conversations
   SET epoch = $2, status = $3, next_wake_at = $4, last_error = $5, hold_reason = $6,
       step_failures = 0, updated_at = now()
 WHERE match_id = $1;

-- name: unanswered_messages
-- Human messages of the match not yet answered by a finished plan, oldest first.
SELECT msg.id, msg.content, msg.created_at, msg.read_at
  FROM public.messages msg
 WHERE msg.match_id = $1
   AND msg.sender_id = $2
   AND msg.created_at > coalesce($3::timestamptz, '-infinity'::timestamptz)
   AND msg.created_at > $4::timestamptz
   AND NOT EXISTS (SELECT 1 FROM bot.answered_messages a WHERE a.message_id = msg.id)
 ORDER BY msg.created_at, msg.id;

-- name: active_plan
SELECT * FROM bot.reply_plans
 WHERE match_id = $1 AND status IN ('reading', 'thinking', 'typing');

-- name: get_plan
SELECT * FROM bot.reply_plans WHERE id = $1;

-- name: insert_plan
INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, trigger_message_ids,
                             read_due_at, next_due_at, created_at)
VALUES ($1, $2, $3, $4, 'reading', $5, $6, $6, $7);

-- name: plan_to_thinking
UPDATE bot.reply_plans
   SET status = 'thinking', think_until = $2, next_due_at = $2, updated_at = now()
 WHERE id = $1;

-- name: plan_set_parts
-- The generated parts land only while the plan still waits for them: a late generation of an
-- interrupted or cancelled plan is dropped here.
UPDATE bot.reply_plans
   SET parts = $2, model = $3, prompt_tokens = $4, completion_tokens = $5, cost = $6,
       updated_at = now()
 WHERE id = $1 AND status = 'thinking' AND parts IS NULL;

-- name: plan_typing
UPDATE bot.reply_plans
   SET status = 'typing', typing = $2, next_part = $3, next_due_at = $4, updated_at = now()
 WHERE id = $1;

-- name: plan_finish
UPDATE bot.reply_plans
   SET status = $2, typing = false, next_due_at = NULL, error = $3,
       finished_at = now(), updated_at = now()
 WHERE id = $1;

-- name: mark_read
UPDATE public.messages SET read_at = $2 WHERE id = ANY($1::uuid[]) AND read_at IS NULL;

-- name: set_typing
INSERT INTO public.typing_indicators (match_id, user_id, is_typing, updated_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (match_id, user_id)
DO UPDATE SET is_typing = EXCLUDED.is_typing, updated_at = EXCLUDED.updated_at;

-- name: insert_part
-- The part's id is derived from the plan and its index: a redone step inserts nothing.
INSERT INTO public.messages (id, match_id, sender_id, content, created_at)
VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()))
ON CONFLICT (id) DO NOTHING;

-- name: record_part
INSERT INTO bot.sent_parts (message_id, plan_id, match_id, part_index, sent_at)
VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()))
ON CONFLICT (message_id) DO NOTHING;

-- name: mark_answered
INSERT INTO bot.answered_messages (message_id, match_id, plan_id)
SELECT unnest($1::uuid[]), $2, $3
ON CONFLICT (message_id) DO NOTHING;

-- name: recent_messages
-- The newest messages of the match, newest first; the caller trims to a token budget.
SELECT id, sender_id, content, created_at
  FROM public.messages
 WHERE match_id = :match_id
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;

-- name: seconds_since_bot_message
SELECT extract(epoch FROM ($3::timestamptz - max(created_at)))::float8
  FROM public.messages
 WHERE match_id = $1 AND sender_id = $2;

-- name: insert_dead_letter
INSERT INTO bot.dead_letters (match_id, plan_id, task, payload, error, attempts)
VALUES ($1, $2, $3, $4::jsonb, $5, $6)
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
SELECT count(*) FROM public.messages WHERE match_id = $1;

-- name: mark_opened
UPDATE bot.conversations SET opened_at = $2 WHERE match_id = $1 AND opened_at IS NULL;
