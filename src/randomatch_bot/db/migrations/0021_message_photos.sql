-- Photos sent with messages, where the app has a way to attach one (see 0045): an image
-- column on `messages` or a `message_attachments(message_id, url)` table. The column's name
-- varies between apps, so the function reads the one `bot.contract_extensions` found; with
-- neither it returns nothing. Nothing is created in `public`.

CREATE OR REPLACE FUNCTION bot.message_photos(p_ids uuid[])
RETURNS TABLE (message_id uuid, url text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_column text;
    v_attachments boolean;
BEGIN
    SELECT e.message_image_column, e.attachments
      INTO v_column, v_attachments
      FROM bot.contract_extensions e;
    IF v_column IS NOT NULL THEN
        RETURN QUERY EXECUTE format(
            'SELECT id, %I::text FROM public.messages WHERE id = ANY($1) AND %I IS NOT NULL',
            v_column, v_column)
        USING p_ids;
    END IF;
    IF v_attachments THEN
        RETURN QUERY EXECUTE
            'SELECT message_id, url::text FROM public.message_attachments '
            'WHERE message_id = ANY($1) AND url IS NOT NULL'
        USING p_ids;
    END IF;
END;
$$;

REVOKE ALL ON FUNCTION bot.message_photos(uuid[]) FROM PUBLIC;
