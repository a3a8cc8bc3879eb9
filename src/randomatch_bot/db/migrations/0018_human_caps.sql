-- Per-human daily caps (HUMAN_DAILY_COST_BUDGET, HUMAN_DAILY_REPLIES) sum a person's model
-- calls and reply plans over all their matches with bots; these indexes keep that cheap, and
-- serve `forget --user` and the retention purge, which look rows up by person and by match.
CREATE INDEX IF NOT EXISTS conversations_human_idx ON bot.conversations (human_id);
CREATE INDEX IF NOT EXISTS llm_calls_match_created_idx ON bot.llm_calls (match_id, created_at);
