-- The engagement figures' turns, kept once decided (D34): the persona's turns (a run of her
-- messages; the last one stands for it) once the human replied within 24 h or 24 h passed, and
-- the human's turns (for depth), written by the worker's sweeper (`engagement_keep`) up to a
-- watermark, so that `engagement_turns` reads them for the closed part of a window and sorts
-- only the messages of the last day or so. A turn decided stays as it was decided.
-- `persona`: the persona's turn (else the human's); `model`: the model of the plan that wrote
-- the turn's last message (NULL: none recorded); `decided_at`: when the reply came or 24 h
-- after the turn (the human's turns: when written); `delay_s`: the human's reply delay, when
-- replied. Erased with the conversation (forget, the purge).
CREATE TABLE IF NOT EXISTS bot.engagement_turns (
    match_id   uuid NOT NULL REFERENCES bot.conversations (match_id) ON DELETE CASCADE,
    message_id uuid NOT NULL,
    bot_id     uuid NOT NULL,
    persona    boolean NOT NULL,
    model      text,
    at         timestamptz NOT NULL,
    decided_at timestamptz NOT NULL,
    replied    boolean NOT NULL,
    delay_s    double precision,
    PRIMARY KEY (match_id, message_id)
);
-- A window reads the persona's turns and the human's apart, each from its own index holding
-- every column it reads (index-only once vacuumed, as autovacuum does an insert-only table).
CREATE INDEX IF NOT EXISTS engagement_turns_persona_idx ON bot.engagement_turns (decided_at)
    INCLUDE (match_id, bot_id, at, replied, delay_s, model) WHERE persona;
CREATE INDEX IF NOT EXISTS engagement_turns_human_idx ON bot.engagement_turns (decided_at)
    INCLUDE (match_id) WHERE NOT persona;

-- How far the kept turns go: every turn decided in [kept_from, kept_until) is in
-- bot.engagement_turns; one row.
CREATE TABLE IF NOT EXISTS bot.engagement_watermark (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    kept_from  timestamptz NOT NULL,
    kept_until timestamptz NOT NULL CHECK (kept_until >= kept_from)
);
REVOKE ALL ON bot.engagement_turns FROM PUBLIC;
REVOKE ALL ON bot.engagement_watermark FROM PUBLIC;
