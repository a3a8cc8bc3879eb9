-- A least-privilege role for randomatch-bot, instead of Supabase's service role (which
-- bypasses row-level security). Run once as the database owner, after `randomatch-bot migrate`
-- (the migrations themselves need the owner: they create the schema `bot` and the triggers).
-- Then use this role in POSTGRES_CONNECTION_STRING for bridge, worker and api.

CREATE ROLE randomatch_bot LOGIN PASSWORD 'change-me';   -- or set it with \password

-- What the service reads in the app's tables.
GRANT USAGE ON SCHEMA public TO randomatch_bot;
GRANT SELECT ON public.profiles, public.matches TO randomatch_bot;
-- Messages: read the conversation, insert reply parts, set read_at on human messages.
GRANT SELECT, INSERT ON public.messages TO randomatch_bot;
GRANT UPDATE (read_at) ON public.messages TO randomatch_bot;
-- Typing indicators: the bot's own row per match.
GRANT SELECT, INSERT, UPDATE ON public.typing_indicators TO randomatch_bot;

-- Its own schema, fully.
GRANT USAGE ON SCHEMA bot TO randomatch_bot;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA bot TO randomatch_bot;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA bot TO randomatch_bot;
ALTER DEFAULT PRIVILEGES IN SCHEMA bot
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO randomatch_bot;
ALTER DEFAULT PRIVILEGES IN SCHEMA bot GRANT USAGE, SELECT ON SEQUENCES TO randomatch_bot;

-- With row-level security on the app's tables, let the role through explicitly, e.g.:
-- CREATE POLICY randomatch_bot_all ON public.messages TO randomatch_bot USING (true) WITH CHECK (true);
