-- Icebreakers: a persona may write first in a new match. The service remembers that it did,
-- and a new match with a bot wakes the service (ids only, like every notification).
ALTER TABLE bot.conversations ADD COLUMN IF NOT EXISTS opened_at timestamptz;

CREATE OR REPLACE FUNCTION bot.notify_match_created() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_bot_id uuid;
    v_humans integer;
BEGIN
    SELECT (max(p.id::text) FILTER (WHERE p.is_bot))::uuid,
           count(*) FILTER (WHERE NOT p.is_bot)
      INTO v_bot_id, v_humans
      FROM public.profiles p
     WHERE p.id IN (NEW.user_a, NEW.user_b);
    -- One bot and one human: two bots never open a conversation with each other.
    IF v_bot_id IS NULL OR v_humans <> 1 OR NEW.status IS DISTINCT FROM 'active' THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('bot_events', json_build_object(
        'kind', 'match_created',
        'match_id', NEW.id,
        'bot_id', v_bot_id
    )::text);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS on_match_created_notify_bot ON public.matches;
CREATE TRIGGER on_match_created_notify_bot
    AFTER INSERT ON public.matches
    FOR EACH ROW EXECUTE FUNCTION bot.notify_match_created();
