-- Matches whose person was forgotten (`randomatch-bot forget --user`): only the match's id and
-- when, so that what was erased stays erased. A step, a wake-up or a follow-up left over from
-- before the erasure, the catch-up scan and a later message in that match do nothing there:
-- no conversation row is created again, no model is asked, no memory is written back. The
-- purge drops the row once the app has deleted the match.
CREATE TABLE IF NOT EXISTS bot.forgotten_matches (
    match_id     uuid PRIMARY KEY,
    forgotten_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON bot.forgotten_matches FROM PUBLIC;
