-- The catch-up scan sets aside the bots' own messages by the list of bot profiles; this index
-- holds only the bots, so the list is read without reading every profile. `is_bot` and `id`
-- never change on a profile, so the app's updates of profiles stay HOT. Built CONCURRENTLY and
-- skipped where the app already has an index leading with (is_bot, id).
CREATE INDEX CONCURRENTLY IF NOT EXISTS bot_profiles_bots_idx
    ON public.profiles (is_bot, id) WHERE is_bot;
