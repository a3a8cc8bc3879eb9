-- Optional extensions of the app's contract, detected rather than created: the app may have a
-- reactions table (`public.message_reactions(message_id, user_id, emoji)`, one reaction per
-- person and message) or a way to attach a photo to a message (an image column on `messages`
-- or a `message_attachments` table). The view says what this database has, at query time, so
-- an app that adds one later is seen without another migration; `migrate` prints it.

CREATE OR REPLACE VIEW bot.contract_extensions AS
SELECT
    (SELECT count(*) = 3
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = 'message_reactions'
        AND column_name IN ('message_id', 'user_id', 'emoji')) AS reactions,
    (SELECT min(column_name)
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = 'messages'
        AND column_name IN ('image_url', 'attachment_url', 'media_url', 'photo_url')) AS message_image_column,
    (SELECT count(*) >= 2
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = 'message_attachments'
        AND column_name IN ('message_id', 'url')) AS attachments;

REVOKE ALL ON bot.contract_extensions FROM PUBLIC;
