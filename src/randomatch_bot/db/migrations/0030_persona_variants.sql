-- A persona's variants: each overrides some of her settings (prompt, model, temperature,
-- timing, habits) for the conversations it is given, so that two versions of her can be
-- compared on the same app. A conversation is given a variant once, at its first step before
-- any reply (`bot.variant_pick`, by weight), and keeps it: a later weight, a new variant or a
-- stopped one never moves it, unless the operator stops its variant with `move`. A
-- conversation with no recorded variant runs the persona as she is (`base` in the figures).
CREATE TABLE IF NOT EXISTS bot.persona_variants (
    id               bigserial PRIMARY KEY,
    bot_id           uuid NOT NULL REFERENCES bot.personas (bot_id) ON DELETE CASCADE,
    name             text NOT NULL,
    weight           integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 1000000),
    -- The prompt: NULL keeps the persona's; 'replace' puts `prompt` instead, 'append' after it.
    prompt           text,
    prompt_mode      text NOT NULL DEFAULT 'replace' CHECK (prompt_mode IN ('replace', 'append')),
    model            text,
    temperature      double precision CHECK (temperature BETWEEN 0 AND 2),
    typing_speed_cps double precision CHECK (typing_speed_cps > 0),
    min_thinking     double precision CHECK (min_thinking >= 0),
    max_thinking     double precision CHECK (max_thinking >= 0),
    habits           text[],  -- NULL keeps the persona's; '{}' none
    created_at       timestamptz NOT NULL DEFAULT now(),
    stopped_at       timestamptz,  -- no new conversation from then on
    UNIQUE (bot_id, name)
);
CREATE INDEX IF NOT EXISTS persona_variants_active_idx
    ON bot.persona_variants (bot_id, id) WHERE stopped_at IS NULL;

-- The variant each conversation runs, recorded at its first use; `moved_from` the variant it
-- ran before its own was stopped with `move`.
CREATE TABLE IF NOT EXISTS bot.conversation_variants (
    match_id    uuid PRIMARY KEY REFERENCES bot.conversations (match_id) ON DELETE CASCADE,
    variant_id  bigint NOT NULL REFERENCES bot.persona_variants (id) ON DELETE CASCADE,
    assigned_at timestamptz NOT NULL DEFAULT now(),
    moved_from  bigint REFERENCES bot.persona_variants (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS conversation_variants_variant_idx
    ON bot.conversation_variants (variant_id);

-- The active variant a conversation of `bot` in `match` is given (NULL: the bot has none):
-- the first 15 hex digits of md5('match:bot') modulo the active variants' total weight, laid
-- on their cumulative weights in creation order. The same match always draws the same point,
-- so it gets the same variant while the set is unchanged; over many matches each variant gets
-- its weight's share. conversation/persona/variants.py computes the same in Python.
CREATE OR REPLACE FUNCTION bot.variant_pick(match uuid, bot uuid) RETURNS bigint
LANGUAGE sql STABLE SET search_path = '' AS $$
    SELECT v.id
      FROM (SELECT id, sum(weight) OVER (ORDER BY id) AS upto, sum(weight) OVER () AS total
              FROM bot.persona_variants
             WHERE bot_id = bot AND stopped_at IS NULL) v
     WHERE v.upto > ((pg_catalog.concat('x', pg_catalog.substr(pg_catalog.md5(
                       pg_catalog.concat(match::text, ':', bot::text)), 1, 15))::bit(60)::bigint)
                     % v.total)
     ORDER BY v.id
     LIMIT 1
$$;
