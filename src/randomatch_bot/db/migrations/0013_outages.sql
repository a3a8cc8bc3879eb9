-- Faults that last: a model down for hours, a model the operator must fix, a conversation that
-- fails at every step. Nothing here drops data; columns and the table are added when missing.

-- A reply whose model is down waits for it instead of being given up: since when its
-- generation fails, how many times it failed, and when it tries again.
ALTER TABLE bot.reply_plans ADD COLUMN IF NOT EXISTS generation_failures integer NOT NULL DEFAULT 0;
ALTER TABLE bot.reply_plans ADD COLUMN IF NOT EXISTS failing_since timestamptz;
ALTER TABLE bot.reply_plans ADD COLUMN IF NOT EXISTS retry_at timestamptz;

-- Consecutive failed steps of a conversation: a step that fails every time (a trigger of the
-- app rejecting the bot's message, a row gone) is dead-lettered after a bounded number.
ALTER TABLE bot.conversations ADD COLUMN IF NOT EXISTS step_failures integer NOT NULL DEFAULT 0;

-- Model failures only an operator can fix (401 key rejected, 402 no credits, 403 forbidden,
-- 404 model retired) pause the endpoint or the model, not each conversation. One row per
-- paused scope ('endpoint' or 'model:<id>'); `fingerprint` identifies the settings that failed,
-- so different settings (a new key, another model) resume at once; a probe is allowed at
-- `next_probe_at`.
CREATE TABLE IF NOT EXISTS bot.llm_pauses (
    scope         text PRIMARY KEY,
    status        integer,
    reason        text NOT NULL,
    fingerprint   text NOT NULL,
    paused_at     timestamptz NOT NULL DEFAULT now(),
    next_probe_at timestamptz NOT NULL
);
