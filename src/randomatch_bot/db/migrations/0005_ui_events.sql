-- Live updates for the demo chat page and any screen that follows a conversation: a change a
-- person would see (a message, a read receipt, the typing indicator) notifies `match_events`
-- with ids only. Listeners re-read the match's current state from the tables, so a lost or
-- coalesced notification costs at most a delay, never a wrong screen. Only matches with a bot
-- participant notify: the app's other conversations are none of the service's business.

CREATE OR REPLACE FUNCTION bot.notify_match_event() RETURNS trigger
LANGUAGE plpgsql AS $$
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

    PERFORM pg_notify('match_events', json_build_object(
        'match_id', NEW.match_id,
        'kind', v_kind
    )::text);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS on_message_notify_ui ON public.messages;
CREATE TRIGGER on_message_notify_ui
    AFTER INSERT ON public.messages
    FOR EACH ROW EXECUTE FUNCTION bot.notify_match_event();

DROP TRIGGER IF EXISTS on_message_read_notify_ui ON public.messages;
CREATE TRIGGER on_message_read_notify_ui
    AFTER UPDATE OF read_at ON public.messages
    FOR EACH ROW EXECUTE FUNCTION bot.notify_match_event();

DROP TRIGGER IF EXISTS on_typing_notify_ui ON public.typing_indicators;
CREATE TRIGGER on_typing_notify_ui
    AFTER INSERT OR UPDATE ON public.typing_indicators
    FOR EACH ROW EXECUTE FUNCTION bot.notify_match_event();
