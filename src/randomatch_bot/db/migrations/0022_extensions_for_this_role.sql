-- The optional contract extensions (see 0045) count only where the role that asks may use
-- them: an app that adds a reactions or attachments table after the runtime role was set up
-- (no grant yet) must not make every reply fail with "permission denied". Re-running the
-- documented role script grants them, and the service uses them from the next reply.
-- Same columns as before, so the view's grants stay.
CREATE OR REPLACE VIEW bot.contract_extensions AS
SELECT
    (SELECT count(*) = 3
       FROM pg_catalog.pg_attribute
      WHERE attrelid = to_regclass('public.message_reactions') AND NOT attisdropped
        AND attname IN ('message_id', 'user_id', 'emoji'))
    AND coalesce(has_table_privilege(to_regclass('public.message_reactions'), 'SELECT')
                 AND has_table_privilege(to_regclass('public.message_reactions'), 'INSERT'),
                 false) AS reactions,
    (SELECT min(attname::text)
       FROM pg_catalog.pg_attribute
      WHERE attrelid = to_regclass('public.messages') AND NOT attisdropped
        AND attname IN ('image_url', 'attachment_url', 'media_url', 'photo_url')) AS message_image_column,
    (SELECT count(*) = 2
       FROM pg_catalog.pg_attribute
      WHERE attrelid = to_regclass('public.message_attachments') AND NOT attisdropped
        AND attname IN ('message_id', 'url'))
    AND coalesce(has_table_privilege(to_regclass('public.message_attachments'), 'SELECT'),
                 false) AS attachments;

REVOKE ALL ON bot.contract_extensions FROM PUBLIC;
