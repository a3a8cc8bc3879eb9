-- An operator takes a conversation over: until `taken_over_until` the persona sends nothing
-- of her own (no reply, follow-up, reaction or typing); the operator writes as her. NULL: not
-- taken over.
ALTER TABLE bot.conversations ADD COLUMN IF NOT EXISTS taken_over_until timestamptz;
ALTER TABLE bot.conversations ADD COLUMN IF NOT EXISTS taken_over_at timestamptz;
ALTER TABLE bot.conversations ADD COLUMN IF NOT EXISTS takeover_reason text;
