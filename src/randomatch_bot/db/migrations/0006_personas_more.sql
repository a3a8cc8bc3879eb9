-- Personas gain the rest of their character and behaviour (persona files, Character Card V2).
-- Re-runnable: every column is added only where it is missing.

ALTER TABLE bot.personas
    ADD COLUMN IF NOT EXISTS icebreaker          boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS greetings           text[] NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS absence_probability double precision,
    ADD COLUMN IF NOT EXISTS emoji               text,
    ADD COLUMN IF NOT EXISTS tags                text[] NOT NULL DEFAULT '{}',
    -- The file the row was imported from and a digest of what it said: re-adding the same
    -- file changes nothing, a changed file updates the row.
    ADD COLUMN IF NOT EXISTS source              text,
    ADD COLUMN IF NOT EXISTS source_digest       text;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conname = 'personas_emoji_check'
                      AND conrelid = 'bot.personas'::regclass) THEN
        ALTER TABLE bot.personas ADD CONSTRAINT personas_emoji_check
            CHECK (emoji IS NULL OR emoji IN ('none', 'rare', 'often'));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conname = 'personas_absence_probability_check'
                      AND conrelid = 'bot.personas'::regclass) THEN
        ALTER TABLE bot.personas ADD CONSTRAINT personas_absence_probability_check
            CHECK (absence_probability IS NULL OR absence_probability BETWEEN 0 AND 1);
    END IF;
END $$;
