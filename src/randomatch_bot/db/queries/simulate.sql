-- Queries of `randomatch-bot simulate`, which runs on its own temporary database only.

-- name: sim_insert_profile
-- A bot or a scripted human of a simulation.
INSERT INTO public.profiles (id, display_name, is_bot) VALUES (:id, :display_name, :is_bot);

-- name: sim_insert_match
-- A match of a simulation, made at its virtual time.
INSERT INTO public.matches (id, user_a, user_b, created_at)
VALUES (:id, :user_a, :user_b, :created_at);

-- name: sim_insert_message
-- A scripted human writes, at the simulation's virtual time.
INSERT INTO public.messages (match_id, sender_id, content, created_at)
VALUES (:match_id, :sender_id, :content, :created_at);

-- name: sim_done_plans
-- The finished reply plans of a simulation, in creation order.
SELECT id, match_id, created_at, read_due_at, think_until, trigger_message_ids
  FROM bot.reply_plans
 WHERE status = 'done'
 ORDER BY created_at, id;

-- name: sim_human_messages
-- Every message written by a human of a simulation.
SELECT m.id, m.created_at, m.read_at, m.content
  FROM public.messages m
  JOIN public.profiles p ON p.id = m.sender_id
 WHERE NOT p.is_bot;

-- name: sim_sent_parts
-- Every part the personas sent in a simulation, by plan and position.
SELECT sp.plan_id, sp.part_index, sp.sent_at, m.content
  FROM bot.sent_parts sp
  JOIN public.messages m ON m.id = sp.message_id
 ORDER BY sp.plan_id, sp.part_index;

-- name: sim_plan_statuses
-- How many plans of a simulation ended in each status.
SELECT status, count(*)::int AS n FROM bot.reply_plans GROUP BY status ORDER BY status;

-- name: sim_interrupted_after_sending
-- Interrupted plans that had already sent a part: the only interruptions a human can see.
SELECT count(*)::int
  FROM bot.reply_plans p
 WHERE p.status = 'interrupted'
   AND EXISTS (SELECT 1 FROM bot.sent_parts sp WHERE sp.plan_id = p.id);

-- name: sim_transcripts
-- Every message of the simulation, conversation by conversation, for the style report.
SELECT m.match_id, p.is_bot, p.display_name, m.content
  FROM public.messages m
  JOIN public.profiles p ON p.id = m.sender_id
 ORDER BY m.match_id, m.created_at, m.id;

-- name: sim_messages_since
-- What one participant of a simulated match wrote at or after an instant, oldest first.
SELECT content
  FROM public.messages
 WHERE match_id = :match_id AND sender_id = :sender_id AND created_at >= :after
 ORDER BY created_at, id;

-- name: sim_demo_profile
-- A profile of the variants demo, renamed when it exists.
INSERT INTO public.profiles (id, display_name, is_bot) VALUES (:id, :display_name, :is_bot)
ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name;

-- name: sim_demo_match
-- A match of the variants demo with its conversation row and the variant `bot.variant_pick`
-- gives it, as a first step would; nothing when the match is there already. Returns the
-- variant's name.
WITH m AS (
    INSERT INTO public.matches (id, user_a, user_b, created_at)
    VALUES (:match_id, :human_id, :bot_id, :created_at)
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), c AS (
    INSERT INTO bot.conversations (match_id, bot_id, human_id, created_at)
    SELECT id, :bot_id, :human_id, :created_at FROM m
    RETURNING match_id
), v AS (
    INSERT INTO bot.conversation_variants (match_id, variant_id, assigned_at)
    SELECT match_id, bot.variant_pick(match_id, :bot_id), :created_at FROM c
    RETURNING variant_id
)
SELECT pv.name FROM v JOIN bot.persona_variants pv ON pv.id = v.variant_id;

-- name: sim_demo_messages
-- The messages of one demo conversation, at their virtual times; all of them count as
-- handled (`baseline_at`): a worker running meanwhile answers none of the human's.
WITH written AS (
    INSERT INTO public.messages (match_id, sender_id, content, created_at)
    SELECT :match_id, s, t, a
      FROM unnest(:senders::uuid[], :contents::text[], :created_ats::timestamptz[]) AS x(s, t, a)
    RETURNING created_at
)
UPDATE bot.conversations
   SET baseline_at = (SELECT max(created_at) FROM written)
 WHERE match_id = :match_id;
