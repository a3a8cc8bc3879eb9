-- The wake-up signal (docs/CONTRACT.md): after a human writes in a match that has a bot, notify
-- `bot_events` with ids only. NOTIFY payloads are capped at 8000 bytes and may be read by
-- any listener, so the content never travels in them. A bot never answers a bot: a message
-- sent by a bot profile produces no notification.

CREATE OR REPLACE FUNCTION bot.notify_message() RETURNS trigger
LANGUAGE plpgsql AS $$
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

    PERFORM pg_notify('bot_events', json_build_object(
        'kind', 'message',
        'message_id', NEW.id,
        'match_id', NEW.match_id,
        'sender_id', NEW.sender_id,
        'bot_id', v_bot_id,
        'created_at', NEW.created_at
    )::text);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS on_message_notify_bot ON public.messages;
CREATE TRIGGER on_message_notify_bot
    AFTER INSERT ON public.messages
    FOR EACH ROW EXECUTE FUNCTION bot.notify_message();

-- An unmatch or a block must stop a reply in progress at once, not only when the next part
-- is due: the status change wakes the conversation too.
CREATE OR REPLACE FUNCTION bot.notify_match_status() RETURNS trigger
LANGUAGE plpgsql AS $$
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
    PERFORM pg_notify('bot_events', json_build_object(
        'kind', 'match_status',
        'match_id', NEW.id,
        'bot_id', v_bot_id,
        'status', NEW.status
    )::text);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS on_match_status_notify_bot ON public.matches;
CREATE TRIGGER on_match_status_notify_bot
    AFTER UPDATE OF status ON public.matches
    FOR EACH ROW EXECUTE FUNCTION bot.notify_match_status();
