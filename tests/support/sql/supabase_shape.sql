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

-- Supabase Auth: users, and auth.uid() read from the JWT claims PostgREST sets per request
-- (`request.jwt.claims`, a JSON object; the older per-claim setting is still read first).
CREATE SCHEMA auth;
GRANT USAGE ON SCHEMA auth TO postgres, anon, authenticated, service_role;
CREATE TABLE auth.users (
    id         uuid PRIMARY KEY,
    email      text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
$$;
GRANT EXECUTE ON FUNCTION auth.uid() TO postgres, anon, authenticated, service_role;

-- Supabase Realtime's tenant schema, as Realtime's migrations leave it: the schema is granted to
-- postgres (with grant option), anon, authenticated and service_role only; Broadcast from SQL
-- stores each message in `realtime.messages`, partitioned by day (Realtime creates the
-- partitions of the coming days while it is connected), under RLS, where a private channel's
-- policies read the topic through `realtime.topic()`. `realtime.send` catches its own errors
-- and only raises a WARNING: a message it could not store is silently not delivered.
CREATE SCHEMA realtime;
GRANT USAGE ON SCHEMA realtime TO postgres WITH GRANT OPTION;
GRANT USAGE ON SCHEMA realtime TO anon, authenticated, service_role, supabase_realtime_admin;
GRANT CREATE ON SCHEMA realtime TO supabase_realtime_admin;

CREATE FUNCTION realtime.topic() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('realtime.topic', true), '')::text
$$;
ALTER FUNCTION realtime.topic() OWNER TO supabase_realtime_admin;

CREATE TABLE realtime.messages (
    topic       text NOT NULL,
    extension   text NOT NULL,
    payload     jsonb,
    event       text,
    private     boolean NOT NULL DEFAULT false,
    updated_at  timestamptz(6) NOT NULL DEFAULT now(),
    inserted_at timestamptz(6) NOT NULL DEFAULT now(),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    PRIMARY KEY (id, inserted_at)
) PARTITION BY RANGE (inserted_at);
CREATE INDEX messages_inserted_at_topic_index ON ONLY realtime.messages (inserted_at DESC, topic)
    WHERE extension = 'broadcast' AND private IS TRUE;
ALTER TABLE realtime.messages OWNER TO supabase_realtime_admin;
ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON realtime.messages FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON realtime.messages TO postgres, anon, authenticated, service_role;

-- One partition per UTC day, `messages_YYYY_MM_DD`, from yesterday to three days ahead.
DO $$
DECLARE
    d date;
BEGIN
    FOR d IN SELECT generate_series((now() AT TIME ZONE 'UTC')::date - 1,
                                    (now() AT TIME ZONE 'UTC')::date + 3, interval '1 day')::date
    LOOP
        EXECUTE format(
            'CREATE TABLE realtime.%I PARTITION OF realtime.messages '
            'FOR VALUES FROM (%L) TO (%L)',
            'messages_' || to_char(d, 'YYYY_MM_DD'),
            (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
        EXECUTE format('ALTER TABLE realtime.%I OWNER TO supabase_realtime_admin',
                       'messages_' || to_char(d, 'YYYY_MM_DD'));
    END LOOP;
END;
$$;

CREATE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    new_id uuid := gen_random_uuid();
BEGIN
    BEGIN
        EXECUTE format('SET LOCAL realtime.topic TO %L', topic);
        INSERT INTO realtime.messages (id, payload, event, topic, private, extension)
        VALUES (new_id,
                CASE WHEN payload ? 'id' THEN payload
                     ELSE jsonb_set(payload, '{id}', to_jsonb(new_id)) END,
                event, topic, private, 'broadcast');
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'ErrorSendingBroadcastMessage: %', SQLERRM;
    END;
END;
$$;
ALTER FUNCTION realtime.send(jsonb, text, text, boolean) OWNER TO supabase_realtime_admin;

-- Test instrument, not Supabase's: every broadcast message stored, in the order it was stored
-- (rows of one transaction share `inserted_at`), for the tests to read. A message that was not
-- stored leaves nothing here either.
CREATE TABLE realtime.sent (
    id      bigserial PRIMARY KEY,
    payload jsonb,
    event   text,
    topic   text,
    private boolean,
    at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION realtime.record_sent() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    INSERT INTO realtime.sent (payload, event, topic, private)
    VALUES (NEW.payload, NEW.event, NEW.topic, NEW.private);
    RETURN NULL;
END;
$$;
CREATE TRIGGER record_sent AFTER INSERT ON realtime.messages
    FOR EACH ROW EXECUTE FUNCTION realtime.record_sent();
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
