-- The catch-up scan finds new matches that never got their icebreaker by their creation time.
-- Built CONCURRENTLY and skipped where the app already has an index leading with created_at.
CREATE INDEX CONCURRENTLY IF NOT EXISTS bot_matches_created_idx
    ON public.matches (created_at);
