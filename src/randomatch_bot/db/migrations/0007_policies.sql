-- Why a conversation is held back (rate limit, daily budget, persona disabled), for `status`
-- and the API. NULL when nothing holds it.
ALTER TABLE bot.conversations ADD COLUMN IF NOT EXISTS hold_reason text;
-- Usage per bot and day is summed from llm_calls; plans per match and bot by creation time.
CREATE INDEX IF NOT EXISTS reply_plans_bot_created_idx ON bot.reply_plans (bot_id, created_at);
