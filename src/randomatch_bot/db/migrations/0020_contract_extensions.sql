-- Optional extensions of the app's contract, detected rather than created: the app may have a
-- reactions table (`public.message_reactions(message_id, user_id, emoji)`, one reaction per
-- person and message) or a way to attach a photo to a message (an image column on `messages`
-- or a `message_attachments` table). The view says what this database has, at query time, so
-- an app that adds one later is seen without another migration; `migrate` prints it.

-- Read from the catalogue (not information_schema), as it is asked before every reply.
DROP VIEW IF EXISTS bot.contract_extensions;
CREATE OR REPLACE VIEW bot.contract_extensions AS
SELECT
    (SELECT count(*) = 3
       FROM pg_catalog.pg_attribute
      WHERE attrelid = to_regclass('public.message_reactions') AND NOT attisdropped
        AND attname IN ('message_id', 'user_id', 'emoji')) AS reactions,
    (SELECT min(attname::text)
       FROM pg_catalog.pg_attribute
      WHERE attrelid = to_regclass('public.messages') AND NOT attisdropped
        AND attname IN ('image_url', 'attachment_url', 'media_url', 'photo_url')) AS message_image_column,
    (SELECT count(*) = 2
       FROM pg_catalog.pg_attribute
      WHERE attrelid = to_regclass('public.message_attachments') AND NOT attisdropped
        AND attname IN ('message_id', 'url')) AS attachments;

REVOKE ALL ON bot.contract_extensions FROM PUBLIC;
