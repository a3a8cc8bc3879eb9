-- Roles for randomatch-bot on Supabase (or any PostgreSQL with row-level security).
--
-- Two roles:
--   * the MIGRATION role runs `randomatch-bot migrate`. It must own the app's tables or bypass
--     row-level security: on Supabase this is `postgres` (BYPASSRLS, owner of the app tables).
--     The triggers it installs run with its rights (SECURITY DEFINER), so it is also what lets
--     a human's INSERT as `authenticated` wake the bot.
--   * the RUNTIME role below is what bridge, worker and api connect as. It is not a superuser,
--     does not bypass RLS, and is let through by explicit policies instead (creating a
--     BYPASSRLS role needs a superuser on PostgreSQL 15, which Supabase projects do not have).
--
-- Run this file once as the migration role, AFTER `randomatch-bot migrate`, e.g.
--   psql "$MIGRATION_URL" -f docs/sql/service_role.sql
-- then give the role a password from psql (`\password randomatch_bot`) and put it in the
-- runtime processes' POSTGRES_CONNECTION_STRING. Re-running this file is harmless.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'randomatch_bot') THEN
        CREATE ROLE randomatch_bot LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END;
$$;

-- What the service reads and writes in the app's tables.
GRANT USAGE ON SCHEMA public TO randomatch_bot;
GRANT SELECT ON public.profiles, public.matches TO randomatch_bot;
GRANT SELECT, INSERT ON public.messages TO randomatch_bot;
GRANT UPDATE (read_at) ON public.messages TO randomatch_bot;
GRANT SELECT, INSERT, UPDATE ON public.typing_indicators TO randomatch_bot;

-- Row-level security: the role sees every profile, match and message (it must find the bot
-- matches and read conversations), and writes only as a bot profile.
DROP POLICY IF EXISTS randomatch_bot_read ON public.profiles;
CREATE POLICY randomatch_bot_read ON public.profiles FOR SELECT TO randomatch_bot USING (true);
DROP POLICY IF EXISTS randomatch_bot_read ON public.matches;
CREATE POLICY randomatch_bot_read ON public.matches FOR SELECT TO randomatch_bot USING (true);
DROP POLICY IF EXISTS randomatch_bot_read ON public.messages;
CREATE POLICY randomatch_bot_read ON public.messages FOR SELECT TO randomatch_bot USING (true);
DROP POLICY IF EXISTS randomatch_bot_send ON public.messages;
CREATE POLICY randomatch_bot_send ON public.messages FOR INSERT TO randomatch_bot
    WITH CHECK (EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = sender_id AND p.is_bot));
DROP POLICY IF EXISTS randomatch_bot_mark_read ON public.messages;
CREATE POLICY randomatch_bot_mark_read ON public.messages FOR UPDATE TO randomatch_bot
    USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS randomatch_bot_read ON public.typing_indicators;
CREATE POLICY randomatch_bot_read ON public.typing_indicators FOR SELECT TO randomatch_bot
    USING (true);
DROP POLICY IF EXISTS randomatch_bot_type ON public.typing_indicators;
CREATE POLICY randomatch_bot_type ON public.typing_indicators FOR INSERT TO randomatch_bot
    WITH CHECK (EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = user_id AND p.is_bot));
DROP POLICY IF EXISTS randomatch_bot_untype ON public.typing_indicators;
CREATE POLICY randomatch_bot_untype ON public.typing_indicators FOR UPDATE TO randomatch_bot
    USING (EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = user_id AND p.is_bot))
    WITH CHECK (EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = user_id AND p.is_bot));

-- Its own schema, fully (tables created by later migrations too).
GRANT USAGE ON SCHEMA bot TO randomatch_bot;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA bot TO randomatch_bot;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA bot TO randomatch_bot;
ALTER DEFAULT PRIVILEGES IN SCHEMA bot
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO randomatch_bot;
ALTER DEFAULT PRIVILEGES IN SCHEMA bot GRANT USAGE, SELECT ON SEQUENCES TO randomatch_bot;
-- The service's own functions (`migrate` closes them to PUBLIC; photos are read through one).
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bot TO randomatch_bot;
ALTER DEFAULT PRIVILEGES IN SCHEMA bot GRANT EXECUTE ON FUNCTIONS TO randomatch_bot;

-- The app's optional tables, where it has them: reactions (the persona reacts with an emoji,
-- and reads its own reactions to vary them) and photo attachments (read). An app that adds
-- one later: run this file again; until then the service leaves that extension unused.
DO $$
BEGIN
    IF to_regclass('public.message_reactions') IS NOT NULL THEN
        GRANT SELECT, INSERT ON public.message_reactions TO randomatch_bot;
        DROP POLICY IF EXISTS randomatch_bot_read ON public.message_reactions;
        CREATE POLICY randomatch_bot_read ON public.message_reactions FOR SELECT
            TO randomatch_bot USING (true);
        DROP POLICY IF EXISTS randomatch_bot_react ON public.message_reactions;
        CREATE POLICY randomatch_bot_react ON public.message_reactions FOR INSERT
            TO randomatch_bot
            WITH CHECK (EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = user_id AND p.is_bot));
    END IF;
    IF to_regclass('public.message_attachments') IS NOT NULL THEN
        GRANT SELECT ON public.message_attachments TO randomatch_bot;
        DROP POLICY IF EXISTS randomatch_bot_read ON public.message_attachments;
        CREATE POLICY randomatch_bot_read ON public.message_attachments FOR SELECT
            TO randomatch_bot USING (true);
    END IF;
END;
$$;

-- Supabase Realtime, for TYPING_TRANSPORT=broadcast|both: the worker checks at start that it may
-- use `realtime.send` (the broadcasts themselves go through `bot.set_typing`, which runs as the
-- migration role). Realtime grants its schema to postgres, anon, authenticated and
-- service_role only: without these grants the worker writes the typing indicator to
-- `typing_indicators` and says so. Skipped where the project has no Realtime schema.
DO $$
BEGIN
    IF to_regnamespace('realtime') IS NULL THEN
        RETURN;
    END IF;
    IF NOT has_schema_privilege('randomatch_bot', 'realtime', 'USAGE') THEN
        GRANT USAGE ON SCHEMA realtime TO randomatch_bot;
    END IF;
    IF to_regprocedure('realtime.send(jsonb,text,text,boolean)') IS NOT NULL
       AND NOT has_function_privilege('randomatch_bot', 'realtime.send(jsonb,text,text,boolean)',
                                      'EXECUTE') THEN
        GRANT EXECUTE ON FUNCTION realtime.send(jsonb, text, text, boolean) TO randomatch_bot;
    END IF;
    IF NOT has_schema_privilege('randomatch_bot', 'realtime', 'USAGE')
       OR (to_regprocedure('realtime.send(jsonb,text,text,boolean)') IS NOT NULL
           AND NOT has_function_privilege('randomatch_bot',
                                          'realtime.send(jsonb,text,text,boolean)', 'EXECUTE')) THEN
        RAISE WARNING 'randomatch_bot may not use realtime.send (% could not grant it): typing '
                      'broadcasts fall back to typing_indicators until it is granted',
                      current_user;
    END IF;
END;
$$;
