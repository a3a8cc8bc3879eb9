-- One persona, many conversations, one life (conversation/persona/life.py, docs/DECISIONS.md
-- D30): what she told each person about herself, the stable facts of her life shared by all
-- her conversations, and her week. Self-contained: tables and indexes are created when
-- missing; nothing of the app or of other bot tables is touched. Like every table of the
-- `bot` schema they are closed to the app's users (the schema is revoked from PUBLIC, `anon`
-- and `authenticated` at the end of every migrate), and no function is added.

-- What the persona said about herself in one conversation (age, work, where she lives,
-- family, pets, past hikes, plans with dates), extracted by the memory update beside the
-- facts about the human. One bounded JSON object per match, like `bot.memories.facts`;
-- `bot_id` lets the canon count how many of her conversations state the same claim.
CREATE TABLE IF NOT EXISTS bot.self_memories (
    match_id   uuid PRIMARY KEY,
    bot_id     uuid NOT NULL,
    facts      jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS self_memories_bot_idx ON bot.self_memories (bot_id);

-- The persona's canon beyond what her card says: a claim promoted because several of her
-- conversations made it ('promoted', with how many), or written by an operator
-- ('operator', which a promotion never overwrites). The card's own facts are read from the
-- card and are not copied here; a row with the same key overrides the card's value.
CREATE TABLE IF NOT EXISTS bot.persona_canon (
    bot_id        uuid NOT NULL,
    key           text NOT NULL,
    value         text NOT NULL,
    source        text NOT NULL CHECK (source IN ('promoted', 'operator')),
    conversations integer NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, key)
);

-- Her week: a short dated agenda per persona and ISO week ('2026-W24'), written once (the
-- first writer wins), by the model or from the card, and the same in every conversation.
CREATE TABLE IF NOT EXISTS bot.persona_weeks (
    bot_id     uuid NOT NULL,
    week       text NOT NULL CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    days       jsonb NOT NULL DEFAULT '[]'::jsonb,
    source     text NOT NULL CHECK (source IN ('card', 'model')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, week)
);

REVOKE ALL ON bot.self_memories, bot.persona_canon, bot.persona_weeks FROM PUBLIC;
