-- A database shaped like a Supabase project before randomatch-bot is installed, run by the
-- cluster's superuser in a new database owned by `postgres`.

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;

-- Every new table, sequence and function that `postgres` creates in `public` is granted to the
-- API roles: this is what makes a table the service creates readable with the anon key.
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;

-- Supabase Auth: users, and auth.uid() read from the JWT claims PostgREST sets per request.
CREATE SCHEMA auth;
GRANT USAGE ON SCHEMA auth TO postgres, anon, authenticated, service_role;
CREATE TABLE auth.users (
    id         uuid PRIMARY KEY,
    email      text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT nullif(coalesce(
        current_setting('request.jwt.claim.sub', true),
        current_setting('request.jwt.claims', true)::jsonb ->> 'sub'
    ), '')::uuid
$$;
GRANT EXECUTE ON FUNCTION auth.uid() TO postgres, anon, authenticated, service_role;

-- Realtime: Broadcast from SQL. The stub records each call so that tests can read them.
CREATE SCHEMA realtime;
GRANT USAGE ON SCHEMA realtime TO postgres, anon, authenticated, service_role;
CREATE TABLE realtime.sent (
    id      bigserial PRIMARY KEY,
    payload jsonb,
    event   text,
    topic   text,
    private boolean,
    at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    INSERT INTO realtime.sent (payload, event, topic, private) VALUES (payload, event, topic, private)
$$;
REVOKE EXECUTE ON FUNCTION realtime.send(jsonb, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION realtime.send(jsonb, text, text, boolean) TO postgres, service_role;
GRANT SELECT ON realtime.sent TO postgres;

-- The app's tables, created by the app (owned by `postgres`, so the default privileges above
-- grant them to the API roles).
SET ROLE postgres;

CREATE PUBLICATION supabase_realtime;

CREATE TABLE public.profiles (
    id           uuid PRIMARY KEY,
    display_name text NOT NULL,
    is_bot       boolean NOT NULL DEFAULT false,
    created_at   timestamptz DEFAULT now(),
    bio          text
);
CREATE TABLE public.matches (
    id         uuid PRIMARY KEY,
    user_a     uuid REFERENCES public.profiles (id),
    user_b     uuid REFERENCES public.profiles (id),
    status     text NOT NULL DEFAULT 'active',
    created_at timestamptz DEFAULT now()
);
CREATE TABLE public.messages (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    match_id   uuid REFERENCES public.matches (id),
    sender_id  uuid REFERENCES public.profiles (id),
    content    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz NULL
);
-- The app's own index for a conversation's messages (the service needs no other).
CREATE INDEX messages_match_id_created_at_idx ON public.messages (match_id, created_at DESC);
CREATE TABLE public.typing_indicators (
    match_id   uuid NOT NULL,
    user_id    uuid NOT NULL,
    is_typing  boolean NOT NULL,
    updated_at timestamptz DEFAULT now(),
    PRIMARY KEY (match_id, user_id)
);

-- Which profiles are bots is the app's secret: app users get every column but is_bot.
REVOKE ALL ON public.profiles FROM anon, authenticated;
GRANT SELECT (id, display_name, created_at, bio) ON public.profiles TO authenticated;
GRANT INSERT (id, display_name, bio), UPDATE (display_name, bio) ON public.profiles TO authenticated;

-- Row-level security: a user sees their own profile and those they matched with, the matches
-- they are in, and the messages and typing indicators of those matches; they write as themselves.
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.matches ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.typing_indicators ENABLE ROW LEVEL SECURITY;

CREATE POLICY matches_member_read ON public.matches FOR SELECT TO authenticated
    USING (auth.uid() IN (user_a, user_b));
CREATE POLICY profiles_self_or_matched ON public.profiles FOR SELECT TO authenticated
    USING (id = auth.uid() OR EXISTS (
        SELECT 1 FROM public.matches m
         WHERE (m.user_a = auth.uid() AND m.user_b = profiles.id)
            OR (m.user_b = auth.uid() AND m.user_a = profiles.id)));
CREATE POLICY profiles_self_write ON public.profiles FOR UPDATE TO authenticated
    USING (id = auth.uid()) WITH CHECK (id = auth.uid());
CREATE POLICY messages_member_read ON public.messages FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM public.matches m
                    WHERE m.id = messages.match_id AND auth.uid() IN (m.user_a, m.user_b)));
CREATE POLICY messages_member_send ON public.messages FOR INSERT TO authenticated
    WITH CHECK (sender_id = auth.uid() AND EXISTS (
        SELECT 1 FROM public.matches m
         WHERE m.id = messages.match_id AND m.status = 'active'
           AND auth.uid() IN (m.user_a, m.user_b)));
CREATE POLICY messages_member_mark_read ON public.messages FOR UPDATE TO authenticated
    USING (EXISTS (SELECT 1 FROM public.matches m
                    WHERE m.id = messages.match_id AND auth.uid() IN (m.user_a, m.user_b)));
CREATE POLICY typing_member_read ON public.typing_indicators FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM public.matches m
                    WHERE m.id = typing_indicators.match_id
                      AND auth.uid() IN (m.user_a, m.user_b)));
CREATE POLICY typing_self_insert ON public.typing_indicators FOR INSERT TO authenticated
    WITH CHECK (user_id = auth.uid());
CREATE POLICY typing_self_update ON public.typing_indicators FOR UPDATE TO authenticated
    USING (user_id = auth.uid()) WITH CHECK (user_id = auth.uid());

RESET ROLE;
