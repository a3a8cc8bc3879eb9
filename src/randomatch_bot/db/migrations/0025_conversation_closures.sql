-- Conversations ended for good by what the person wrote (conversation/words/signals.py):
--   `minor`: they said they are under 18. One closing line, then no reply, follow-up,
--            icebreaker or reaction, whatever they write next (the conversation's status is
--            `closed`);
--   `stop`:  they asked the persona to stop writing. No follow-up any more; a message they
--            write is still answered.
-- One row per closing, with the message that said it. An operator who reopens a conversation
-- closed by mistake stamps `reopened_at` (and who, in `reopened_by`); only messages written
-- after that are read for a new closing. `confirmed` is the reviewing model's verdict where
-- one was asked (NULL: none). No function, no trigger: the table is closed to app users by the
-- lockdown at the end of every `migrate`, like the rest of `bot`.
CREATE TABLE IF NOT EXISTS bot.conversation_closures (
    id          bigserial PRIMARY KEY,
    match_id    uuid NOT NULL,
    reason      text NOT NULL CHECK (reason IN ('minor', 'stop')),
    message_id  uuid,
    plan_id     uuid,
    closed_at   timestamptz NOT NULL DEFAULT now(),
    reopened_at timestamptz,
    reopened_by text,
    confirmed   boolean
);
-- At most one open closing of each reason per conversation.
CREATE UNIQUE INDEX IF NOT EXISTS conversation_closures_open
    ON bot.conversation_closures (match_id, reason) WHERE reopened_at IS NULL;
CREATE INDEX IF NOT EXISTS conversation_closures_closed_at_idx
    ON bot.conversation_closures (closed_at);
