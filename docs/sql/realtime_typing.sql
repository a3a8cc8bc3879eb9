-- Who may receive the bot's typing broadcasts (TYPING_TRANSPORT=broadcast|both) on Supabase.
--
-- The service sends on the PRIVATE topic `match:<match_id>`, event `typing`. Realtime admits a
-- client to a private topic when a SELECT policy on `realtime.messages` lets it through: this one
-- admits the two members of the match, as `authenticated` (the app's signed-in users), reading
-- `public.matches` under the app's own policies. Run once, as `postgres`, from the SQL editor or
--   psql "$MIGRATION_URL" -f docs/sql/realtime_typing.sql
-- and switch off "Allow public access" in Realtime Settings so that private topics are enforced.
-- Re-running this file is harmless.

DROP POLICY IF EXISTS "match members receive typing" ON realtime.messages;
CREATE POLICY "match members receive typing" ON realtime.messages
    FOR SELECT TO authenticated
    USING (
        realtime.messages.extension = 'broadcast'
        AND EXISTS (
            SELECT 1
              FROM public.matches m
             WHERE m.id = (
                    SELECT CASE WHEN realtime.topic() ~ '^match:[0-9a-f-]{36}$'
                                THEN substr(realtime.topic(), 7)::uuid END
                   )
               AND (SELECT auth.uid()) IN (m.user_a, m.user_b)
        )
    );
