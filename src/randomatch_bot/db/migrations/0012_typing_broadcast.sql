-- Typing over Supabase Realtime Broadcast (TYPING_TRANSPORT=broadcast|both).
--
-- The bot's typing state is sent with `realtime.send` on the match's private topic
-- `match:<match_id>`, event `typing`, payload {match_id, user_id, is_typing, expires_at}, in
-- the transaction of the step that changes it (the message is delivered when it commits).
-- With `both` the row in `public.typing_indicators` is written as well.
--
-- Where `realtime.send` does not exist (plain PostgreSQL, the embedded demo) or fails, the
-- state goes to `public.typing_indicators` instead: a step never fails because of a broadcast.
-- `realtime.send` is looked up at run time (to_regprocedure, dynamic call), so this function
-- installs on any PostgreSQL.
--
-- SECURITY DEFINER, owned by the migrating role: on Supabase `postgres` may call
-- `realtime.send` and write `realtime.messages`; the runtime role needs EXECUTE on this
-- function only (`migrate` closes it to PUBLIC, anon and authenticated).

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
BEGIN
    IF p_transport IN ('broadcast', 'both')
       AND pg_catalog.to_regprocedure('realtime.send(jsonb,text,text,boolean)') IS NOT NULL THEN
        BEGIN
            EXECUTE 'SELECT realtime.send($1, $2, $3, $4)'
              USING pg_catalog.jsonb_build_object(
                        'match_id', p_match_id,
                        'user_id', p_user_id,
                        'is_typing', p_is_typing,
                        'expires_at', p_expires_at),
                    'typing',
                    'match:' || p_match_id::text,
                    true;
            v_sent := true;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'randomatch-bot: typing not broadcast on match:% (% %), written to typing_indicators instead',
                p_match_id, SQLSTATE, SQLERRM;
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
