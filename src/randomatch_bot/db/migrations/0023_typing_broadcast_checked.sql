-- A typing broadcast that was not stored falls back to the table (replaces 0013's function).
--
-- Supabase's `realtime.send` catches its own errors: when the message cannot be stored in
-- `realtime.messages` (today's partition missing because Realtime has not connected today or
-- its partition job failed, a policy, a full disk ...) it only raises a WARNING and returns,
-- and nothing is delivered. So the state is sent with an `id` of its own in the payload, and
-- read back from `realtime.messages` in the same transaction: not there, it was not sent, and
-- the state goes to `public.typing_indicators` as when `realtime.send` is missing or raises.
-- The function returns whether the broadcast was stored (the worker counts the fallbacks).
--
-- Everything that touches `realtime` runs inside the exception block: a role that may not use
-- that schema, a renamed table or any other surprise costs the broadcast, never the step.
--
-- SECURITY DEFINER, owned by the migrating role (`postgres` on Supabase, which may call
-- `realtime.send` and read `realtime.messages`); the runtime role needs EXECUTE on this
-- function (`migrate` closes it to PUBLIC, anon and authenticated).

CREATE OR REPLACE FUNCTION bot.set_typing(
    p_match_id uuid,
    p_user_id uuid,
    p_is_typing boolean,
    p_at timestamptz,
    p_transport text,
    p_expires_at timestamptz
) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_sent boolean := false;
    v_id uuid := pg_catalog.gen_random_uuid();
    v_topic text := 'match:' || p_match_id::text;
BEGIN
    IF p_transport IN ('broadcast', 'both') THEN
        BEGIN
            IF pg_catalog.to_regprocedure('realtime.send(jsonb,text,text,boolean)') IS NOT NULL THEN
                EXECUTE 'SELECT realtime.send($1, $2, $3, $4)'
                  USING pg_catalog.jsonb_build_object(
                            'id', v_id,
                            'match_id', p_match_id,
                            'user_id', p_user_id,
                            'is_typing', p_is_typing,
                            'expires_at', p_expires_at),
                        'typing',
                        v_topic,
                        true;
                EXECUTE 'SELECT EXISTS (SELECT 1 FROM realtime.messages m '
                        'WHERE m.topic = $1 AND m.extension = ''broadcast'' '
                        'AND m.inserted_at >= $2 AND m.payload ->> ''id'' = $3)'
                   INTO v_sent
                  USING v_topic, pg_catalog.now() - interval '1 minute', v_id::text;
                IF NOT v_sent THEN
                    RAISE WARNING 'randomatch-bot: typing broadcast on % was not stored (realtime.send failed, see its warning), written to typing_indicators instead',
                        v_topic;
                END IF;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            v_sent := false;
            RAISE WARNING 'randomatch-bot: typing not broadcast on % (% %), written to typing_indicators instead',
                v_topic, SQLSTATE, SQLERRM;
        END;
    END IF;
    IF p_transport <> 'broadcast' OR NOT v_sent THEN
        INSERT INTO public.typing_indicators (match_id, user_id, is_typing, updated_at)
        VALUES (p_match_id, p_user_id, p_is_typing, p_at)
        ON CONFLICT (match_id, user_id)
        DO UPDATE SET is_typing = EXCLUDED.is_typing, updated_at = EXCLUDED.updated_at;
    END IF;
    RETURN v_sent;
END;
$$;

REVOKE ALL ON FUNCTION bot.set_typing(uuid, uuid, boolean, timestamptz, text, timestamptz)
    FROM PUBLIC;
