-- Named queries of a persona's variants (`randomatch-bot persona variant ...`,
-- `/personas/{bot_id}/variants`); the assignment rule is `bot.variant_pick` (migration 0030).

-- name: variant_add
-- A new variant of a persona; nothing when the persona has a variant of that name already.
INSERT INTO bot.persona_variants (bot_id, name, weight, prompt, prompt_mode, model, temperature,
                                  typing_speed_cps, min_thinking, max_thinking, habits)
VALUES (:bot_id, :name, :weight, :prompt, :prompt_mode, :model, :temperature,
        :typing_speed_cps, :min_thinking, :max_thinking, :habits::text[])
ON CONFLICT (bot_id, name) DO NOTHING
RETURNING id;

-- name: variant_list
-- The variants of one persona (every persona's when :bot_id is NULL), oldest first, with the
-- conversations each runs.
SELECT v.id, v.bot_id, v.name, v.weight, v.prompt, v.prompt_mode, v.model, v.temperature,
       v.typing_speed_cps, v.min_thinking, v.max_thinking, v.habits, v.created_at, v.stopped_at,
       (SELECT count(*) FROM bot.conversation_variants cv WHERE cv.variant_id = v.id)::int
           AS conversations
  FROM bot.persona_variants v
 WHERE :bot_id::uuid IS NULL OR v.bot_id = :bot_id::uuid
 ORDER BY v.bot_id, v.id;

-- name: variant_of_conversation
-- The variant a conversation runs (nothing: none recorded, the persona as she is).
SELECT v.id AS variant_id, v.name AS variant_name, v.prompt AS variant_prompt,
       v.prompt_mode AS variant_prompt_mode, v.model AS variant_model,
       v.temperature AS variant_temperature, v.typing_speed_cps AS variant_typing_speed_cps,
       v.min_thinking AS variant_min_thinking, v.max_thinking AS variant_max_thinking,
       v.habits AS variant_habits
  FROM bot.conversation_variants cv
  JOIN bot.persona_variants v ON v.id = cv.variant_id
 WHERE cv.match_id = :match_id;

-- name: variant_any
-- Whether any persona has a variant.
SELECT EXISTS (SELECT 1 FROM bot.persona_variants);

-- name: variant_base_conversations
-- The persona's conversations that run no variant (the persona as she is).
SELECT count(*)::int
  FROM bot.conversations c
 WHERE c.bot_id = :bot_id
   AND NOT EXISTS (SELECT 1 FROM bot.conversation_variants cv WHERE cv.match_id = c.match_id);

-- name: variant_stop
-- Stops a variant: it gets no new conversation. Returns its id and whether it was stopped
-- before (then nothing changes); nothing when the persona has no variant of that name.
WITH target AS (
    SELECT id, stopped_at IS NOT NULL AS already
      FROM bot.persona_variants
     WHERE bot_id = :bot_id AND name = :name
       FOR UPDATE
), stopped AS (
    UPDATE bot.persona_variants v SET stopped_at = now()
      FROM target t
     WHERE v.id = t.id AND NOT t.already
)
SELECT id, already FROM target;

-- name: variant_move
-- The conversations of a stopped variant given again, by the same rule (`bot.variant_pick`),
-- among the persona's variants still active; none left: they keep it. How many moved.
WITH moved AS (
    UPDATE bot.conversation_variants cv
       SET variant_id = n.id, moved_from = cv.variant_id, assigned_at = now()
      FROM (SELECT c.match_id, bot.variant_pick(c.match_id, :bot_id) AS id
              FROM bot.conversation_variants c
             WHERE c.variant_id = :variant_id) n
     WHERE cv.match_id = n.match_id AND n.id IS NOT NULL
    RETURNING cv.match_id
)
SELECT count(*)::int FROM moved;
