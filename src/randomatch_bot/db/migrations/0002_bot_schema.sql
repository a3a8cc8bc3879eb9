-- The service's own schema. Everything the service remembers lives here; the app's tables
-- are only read, and written through the contract (messages, read_at, typing_indicators).

CREATE SCHEMA IF NOT EXISTS bot;

-- One row per bot profile with its own character and behaviour. A bot profile without a row
-- uses the default persona from configuration.
CREATE TABLE IF NOT EXISTS bot.personas (
    bot_id            uuid PRIMARY KEY,
    name              text NOT NULL,
    system_prompt     text NOT NULL,
    card              jsonb NOT NULL DEFAULT '{}'::jsonb,
    language          text NOT NULL DEFAULT 'fr',
    timezone          text NOT NULL DEFAULT 'Europe/Paris',
    active_hours      text NOT NULL DEFAULT '08:00-23:30',
    typing_speed_cps  double precision,
    min_thinking      double precision,
    max_thinking      double precision,
    model             text,
    temperature       double precision,
    enabled           boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Per-match state. Its row lock serialises every step of a conversation across workers, and
-- `epoch` moves on each new plan, interruption or cancellation: a step scheduled for an older
-- epoch finds nothing to do.
CREATE TABLE IF NOT EXISTS bot.conversations (
    match_id      uuid PRIMARY KEY,
    bot_id        uuid NOT NULL,
    human_id      uuid NOT NULL,
    epoch         bigint NOT NULL DEFAULT 0,
    status        text NOT NULL DEFAULT 'idle'
                  CHECK (status IN ('idle', 'waiting', 'replying', 'dead_letter', 'closed')),
    -- Human messages at or before this instant were handled before the service knew the
    -- conversation (a bot message followed them); only later ones can be unanswered.
    baseline_at   timestamptz,
    next_wake_at  timestamptz,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS conversations_next_wake_idx
    ON bot.conversations (next_wake_at) WHERE next_wake_at IS NOT NULL;

-- A reply in progress or finished: the messages it answers, the parts it generated and how far
-- it got. Written before its first part is sent, so any step can be redone from it.
CREATE TABLE IF NOT EXISTS bot.reply_plans (
    id                  uuid PRIMARY KEY,
    match_id            uuid NOT NULL,
    bot_id              uuid NOT NULL,
    epoch               bigint NOT NULL,
    status              text NOT NULL
                        CHECK (status IN ('reading', 'thinking', 'typing', 'done',
                                          'interrupted', 'cancelled', 'failed')),
    trigger_message_ids uuid[] NOT NULL,
    read_due_at         timestamptz NOT NULL,
    think_until         timestamptz,
    parts               text[],
    next_part           integer NOT NULL DEFAULT 0,
    typing              boolean NOT NULL DEFAULT false,
    next_due_at         timestamptz,
    model               text,
    prompt_tokens       integer,
    completion_tokens   integer,
    cost                double precision,
    error               text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz
);
-- One plan per conversation at a time, whatever the number of workers.
CREATE UNIQUE INDEX IF NOT EXISTS reply_plans_one_active
    ON bot.reply_plans (match_id) WHERE status IN ('reading', 'thinking', 'typing');
CREATE INDEX IF NOT EXISTS reply_plans_match_idx ON bot.reply_plans (match_id, created_at);

-- A human message is answered once it is recorded here, by the plan that answered it.
CREATE TABLE IF NOT EXISTS bot.answered_messages (
    message_id  uuid PRIMARY KEY,
    match_id    uuid NOT NULL,
    plan_id     uuid NOT NULL,
    answered_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS answered_messages_match_idx ON bot.answered_messages (match_id);

-- The parts a plan sent, by deterministic message id, for accounting and the latency figures.
CREATE TABLE IF NOT EXISTS bot.sent_parts (
    message_id  uuid PRIMARY KEY,
    plan_id     uuid NOT NULL,
    match_id    uuid NOT NULL,
    part_index  integer NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sent_parts_sent_at_idx ON bot.sent_parts (sent_at);

-- Long-term memory per match: a rolling summary and facts about the human.
CREATE TABLE IF NOT EXISTS bot.memories (
    match_id        uuid PRIMARY KEY,
    summary         text NOT NULL DEFAULT '',
    facts           jsonb NOT NULL DEFAULT '{}'::jsonb,
    covered_through timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Work that failed after its last attempt, with its error, until an operator retries or
-- discards it.
CREATE TABLE IF NOT EXISTS bot.dead_letters (
    id          bigserial PRIMARY KEY,
    match_id    uuid,
    plan_id     uuid,
    task        text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
    error       text NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolution  text CHECK (resolution IN ('retried', 'discarded'))
);
CREATE INDEX IF NOT EXISTS dead_letters_open_idx
    ON bot.dead_letters (created_at) WHERE resolved_at IS NULL;

-- Every model call, for latency, error rate, tokens and cost per bot and per day.
CREATE TABLE IF NOT EXISTS bot.llm_calls (
    id                bigserial PRIMARY KEY,
    bot_id            uuid,
    match_id          uuid,
    plan_id           uuid,
    purpose           text NOT NULL DEFAULT 'reply',
    model             text NOT NULL,
    ok                boolean NOT NULL,
    status            integer,
    error             text,
    prompt_tokens     integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    cost              double precision,
    latency_ms        integer NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS llm_calls_created_idx ON bot.llm_calls (created_at);
CREATE INDEX IF NOT EXISTS llm_calls_bot_created_idx ON bot.llm_calls (bot_id, created_at);
