-- Named queries of persona management (`randomatch-bot persona ...`).

-- name: persona_profile
-- The profile a persona is written for: a bot's, or a human's (which is refused).
SELECT id, display_name, is_bot FROM public.profiles WHERE id = :bot_id;

-- name: persona_create_profile
-- Only when missing: an existing profile keeps the name the app gave it.
INSERT INTO public.profiles (id, display_name, is_bot) VALUES (:bot_id, :name, true)
ON CONFLICT (id) DO NOTHING;

-- name: persona_upsert
-- Returns nothing when the stored row already came from identical content, so re-adding a
-- file is a no-op. `enabled` NULL keeps what the operator chose with enable/disable.
INSERT INTO bot.personas AS p (
    bot_id, name, system_prompt, card, language, timezone, active_hours, typing_speed_cps,
    min_thinking, max_thinking, model, temperature, enabled, icebreaker, greetings,
    absence_probability, emoji, tags, source, source_digest)
VALUES (:bot_id, :name, :system_prompt, :card::jsonb, :language, :timezone, :active_hours,
        :typing_speed_cps, :min_thinking, :max_thinking, :model, :temperature,
        coalesce(:enabled, true), :icebreaker, :greetings, :absence_probability, :emoji, :tags,
        :source, :source_digest)
ON CONFLICT (bot_id) DO UPDATE
   SET name = EXCLUDED.name,
       system_prompt = EXCLUDED.system_prompt,
       card = EXCLUDED.card,
       language = EXCLUDED.language,
       timezone = EXCLUDED.timezone,
       active_hours = EXCLUDED.active_hours,
       typing_speed_cps = EXCLUDED.typing_speed_cps,
       min_thinking = EXCLUDED.min_thinking,
       max_thinking = EXCLUDED.max_thinking,
       model = EXCLUDED.model,
       temperature = EXCLUDED.temperature,
       enabled = coalesce(:enabled, p.enabled),
       icebreaker = EXCLUDED.icebreaker,
       greetings = EXCLUDED.greetings,
       absence_probability = EXCLUDED.absence_probability,
       emoji = EXCLUDED.emoji,
       tags = EXCLUDED.tags,
       source = EXCLUDED.source,
       source_digest = EXCLUDED.source_digest,
       updated_at = now()
 WHERE p.source_digest IS DISTINCT FROM EXCLUDED.source_digest
RETURNING (xmax = 0) AS inserted;

-- name: persona_list
-- Every bot profile, with its persona row when it has one (else it uses the default persona),
-- and persona rows whose profile is gone.
SELECT coalesce(p.bot_id, pr.id) AS bot_id,
       pr.display_name AS profile_name,
       p.name, p.enabled, p.language, p.timezone, p.active_hours, p.model, p.source,
       p.updated_at
  FROM public.profiles pr
  FULL JOIN bot.personas p ON p.bot_id = pr.id
 WHERE pr.is_bot OR p.bot_id IS NOT NULL
 ORDER BY coalesce(p.name, pr.display_name), 1;

-- name: persona_by_name
-- The bots whose persona has this name, whatever its case.
SELECT bot_id FROM bot.personas WHERE lower(name) = lower(:name) ORDER BY bot_id;

-- name: persona_set_enabled
-- Enables or disables a persona row; returns its name (no row when the bot has none).
UPDATE bot.personas SET enabled = :enabled, updated_at = now() WHERE bot_id = :bot_id
RETURNING name;
