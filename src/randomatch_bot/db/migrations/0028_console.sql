-- The operator's console: what happened in one conversation (each reply's timeline, the guard's
-- trips) and the engagement figures per persona and per model, cheap on a large database.

-- Each reply's timeline, step by step: written by triggers on the rows every step already
-- updates (a plan, its conversation), so in the same statements and at no extra round trip.
-- `plan_id` is NULL for a conversation's own waits (grouping, a policy's hold) before a plan.
-- Kinds: planned (until = when the messages are read: night, absence or reading), read,
-- thinking (until), generated (reason = the model), outage (until = the next try), typing
-- (part, until), pause (part = the next one, until), done, interrupted, cancelled, failed
-- (reason = why), wait (a conversation waiting: reason = its hold, or 'grouping'), closed.
CREATE TABLE IF NOT EXISTS bot.plan_events (
    id       bigserial PRIMARY KEY,
    match_id uuid NOT NULL,
    plan_id  uuid,
    kind     text NOT NULL,
    part     integer,
    at       timestamptz NOT NULL DEFAULT now(),
    until    timestamptz,
    reason   text
);
CREATE INDEX IF NOT EXISTS plan_events_match_idx ON bot.plan_events (match_id, id);

CREATE OR REPLACE FUNCTION bot.record_plan_event() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO bot.plan_events (match_id, plan_id, kind, at, until, reason)
        VALUES (NEW.match_id, NEW.id, 'planned', NEW.created_at, NEW.read_due_at,
                CASE WHEN cardinality(NEW.trigger_message_ids) = 0 THEN 'no message' END);
        RETURN NULL;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NEW.status = 'thinking' THEN
            INSERT INTO bot.plan_events (match_id, plan_id, kind, until)
            VALUES (NEW.match_id, NEW.id, 'read', NULL),
                   (NEW.match_id, NEW.id, 'thinking', NEW.think_until);
        ELSIF NEW.status IN ('done', 'interrupted', 'cancelled', 'failed') THEN
            INSERT INTO bot.plan_events (match_id, plan_id, kind, reason)
            VALUES (NEW.match_id, NEW.id, NEW.status, left(NEW.error, 300));
            RETURN NULL;
        END IF;
    END IF;
    IF NEW.parts IS NOT NULL AND OLD.parts IS NULL THEN
        INSERT INTO bot.plan_events (match_id, plan_id, kind, reason)
        VALUES (NEW.match_id, NEW.id, 'generated', NEW.model);
    END IF;
    IF NEW.retry_at IS NOT NULL AND NEW.retry_at IS DISTINCT FROM OLD.retry_at THEN
        INSERT INTO bot.plan_events (match_id, plan_id, kind, until, reason)
        VALUES (NEW.match_id, NEW.id, 'outage', NEW.retry_at, left(NEW.error, 300));
    END IF;
    IF NEW.status = 'typing'
       AND (NEW.typing, NEW.next_part, NEW.next_due_at)
           IS DISTINCT FROM (OLD.typing, OLD.next_part, OLD.next_due_at) THEN
        INSERT INTO bot.plan_events (match_id, plan_id, kind, part, until)
        VALUES (NEW.match_id, NEW.id, CASE WHEN NEW.typing THEN 'typing' ELSE 'pause' END,
                NEW.next_part, NEW.next_due_at);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS reply_plans_record_event ON bot.reply_plans;
CREATE TRIGGER reply_plans_record_event
    AFTER INSERT OR UPDATE ON bot.reply_plans
    FOR EACH ROW EXECUTE FUNCTION bot.record_plan_event();

-- A conversation waiting before its reply (grouping, the human typing, a rate limit, a budget,
-- a disabled persona) or closed by an unmatch or a block.
CREATE OR REPLACE FUNCTION bot.record_conversation_event() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF NEW.status = 'waiting'
       AND (OLD.status, OLD.hold_reason, OLD.next_wake_at)
           IS DISTINCT FROM (NEW.status, NEW.hold_reason, NEW.next_wake_at) THEN
        INSERT INTO bot.plan_events (match_id, kind, until, reason)
        VALUES (NEW.match_id, 'wait', NEW.next_wake_at, coalesce(NEW.hold_reason, 'grouping'));
    ELSIF NEW.status = 'closed' AND OLD.status <> 'closed' THEN
        INSERT INTO bot.plan_events (match_id, kind) VALUES (NEW.match_id, 'closed');
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS conversations_record_event ON bot.conversations;
CREATE TRIGGER conversations_record_event
    AFTER UPDATE ON bot.conversations
    FOR EACH ROW EXECUTE FUNCTION bot.record_conversation_event();

-- The guard's trips: each reason the output guard kept a reply (or a model call) from the
-- person, by stage ('input', 'attempt 0', ...). Until now only a process counter held them.
CREATE TABLE IF NOT EXISTS bot.guard_trips (
    id         bigserial PRIMARY KEY,
    bot_id     uuid,
    match_id   uuid,
    plan_id    uuid,
    reason     text NOT NULL,
    stage      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS guard_trips_created_idx ON bot.guard_trips (created_at);
CREATE INDEX IF NOT EXISTS guard_trips_match_idx ON bot.guard_trips (match_id);

-- Engagement: unmatches and blocks by the time the service saw them, follow-ups (plans with no
-- trigger message) by their start, a conversation's model calls by plan.
CREATE INDEX IF NOT EXISTS conversations_closed_idx
    ON bot.conversations (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS reply_plans_unprompted_idx
    ON bot.reply_plans (created_at) WHERE cardinality(trigger_message_ids) = 0;
CREATE INDEX IF NOT EXISTS llm_calls_plan_idx ON bot.llm_calls (plan_id) WHERE plan_id IS NOT NULL;
