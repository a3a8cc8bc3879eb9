-- The triggers on the app's tables run inside the app's own INSERT and UPDATE statements, as
-- whoever wrote (on Supabase: `authenticated`, under row-level security, with `is_bot` hidden).
-- So each function now:
--   * is SECURITY DEFINER, owned by the migrating role (the tables' owner, or a role with
--     BYPASSRLS), so it reads profiles and matches whatever the writer may see;
--   * pins `search_path` to '' and names every object with its schema, so the writer's
--     search_path cannot swap a table or function under it;
--   * turns any unexpected error into a WARNING: a wake-up lost this way is recovered by the
--     bridge's periodic catch-up, while a failing trigger would fail the app's own write;
--   * looks rows up by primary key only.
-- The EXCEPTION block costs a subtransaction per row; it only reads and notifies, so it is
-- never assigned a transaction id and cannot overflow the subtransaction cache.

CREATE OR REPLACE FUNCTION bot.notify_message() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_bot_id uuid;
    v_sender_is_bot boolean;
BEGIN
    SELECT p.is_bot INTO v_sender_is_bot FROM public.profiles p WHERE p.id = NEW.sender_id;
    IF coalesce(v_sender_is_bot, false) THEN
        RETURN NULL;
    END IF;

    SELECT p.id INTO v_bot_id
      FROM public.matches m
      JOIN public.profiles p ON p.id IN (m.user_a, m.user_b)
     WHERE m.id = NEW.match_id
       AND p.is_bot
       AND p.id IS DISTINCT FROM NEW.sender_id
     LIMIT 1;
    IF v_bot_id IS NULL THEN
        RETURN NULL;
    END IF;

    PERFORM pg_catalog.pg_notify('bot_events', pg_catalog.json_build_object(
        'kind', 'message',
        'message_id', NEW.id,
        'match_id', NEW.match_id,
        'sender_id', NEW.sender_id,
        'bot_id', v_bot_id,
        'created_at', NEW.created_at
    )::text);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'randomatch-bot: message % not signalled (% %); the catch-up scan will find it',
        NEW.id, SQLSTATE, SQLERRM;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION bot.notify_match_status() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_bot_id uuid;
BEGIN
    IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
        RETURN NULL;
    END IF;
    SELECT p.id INTO v_bot_id
      FROM public.profiles p
     WHERE p.id IN (NEW.user_a, NEW.user_b) AND p.is_bot
     LIMIT 1;
    IF v_bot_id IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_catalog.pg_notify('bot_events', pg_catalog.json_build_object(
        'kind', 'match_status',
        'match_id', NEW.id,
        'bot_id', v_bot_id,
        'status', NEW.status
    )::text);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'randomatch-bot: status change of match % not signalled (% %)',
        NEW.id, SQLSTATE, SQLERRM;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION bot.notify_match_created() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_bot_id uuid;
    v_humans integer;
BEGIN
    SELECT (max(p.id::text) FILTER (WHERE p.is_bot))::uuid,
           count(*) FILTER (WHERE NOT p.is_bot)
      INTO v_bot_id, v_humans
      FROM public.profiles p
     WHERE p.id IN (NEW.user_a, NEW.user_b);
    IF v_bot_id IS NULL OR v_humans <> 1 OR NEW.status IS DISTINCT FROM 'active' THEN
        RETURN NULL;
    END IF;
    PERFORM pg_catalog.pg_notify('bot_events', pg_catalog.json_build_object(
        'kind', 'match_created',
        'match_id', NEW.id,
        'bot_id', v_bot_id
    )::text);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'randomatch-bot: new match % not signalled (% %)', NEW.id, SQLSTATE, SQLERRM;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION bot.notify_match_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_kind text;
BEGIN
    IF TG_TABLE_NAME = 'typing_indicators' THEN
        IF TG_OP = 'UPDATE' AND NEW.is_typing IS NOT DISTINCT FROM OLD.is_typing THEN
            RETURN NULL;
        END IF;
        v_kind := 'typing';
    ELSIF TG_OP = 'INSERT' THEN
        v_kind := 'message';
    ELSE
        IF NEW.read_at IS NOT DISTINCT FROM OLD.read_at THEN
            RETURN NULL;
        END IF;
        v_kind := 'read';
    END IF;

    IF NOT EXISTS (
        SELECT 1
          FROM public.matches m
          JOIN public.profiles p ON p.id IN (m.user_a, m.user_b)
         WHERE m.id = NEW.match_id AND p.is_bot
    ) THEN
        RETURN NULL;
    END IF;

    PERFORM pg_catalog.pg_notify('match_events', pg_catalog.json_build_object(
        'match_id', NEW.match_id,
        'kind', v_kind
    )::text);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'randomatch-bot: live update of match % not signalled (% %)',
        NEW.match_id, SQLSTATE, SQLERRM;
    RETURN NULL;
END;
$$;
