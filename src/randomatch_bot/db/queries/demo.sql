-- name: upsert_profile
-- A demo profile, bot or human, renamed when it exists.
INSERT INTO public.profiles (id, display_name, is_bot) VALUES (:id, :display_name, :is_bot)
ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, is_bot = EXCLUDED.is_bot;

-- name: ensure_match
-- The demo match, kept as it is when it exists.
INSERT INTO public.matches (id, user_a, user_b, status)
VALUES (:match_id, :user_a, :user_b, 'active')
ON CONFLICT (id) DO NOTHING;

-- name: insert_message
-- A message written in the app by one side of a match, as the demo chat writes it.
INSERT INTO public.messages (match_id, sender_id, content) VALUES (:match_id, :sender_id, :content)
RETURNING id, created_at;

-- name: chat_messages_since
-- The match's messages written or read after `since`, oldest first.
SELECT id, sender_id, content, created_at, read_at
  FROM public.messages
 WHERE match_id = :match_id AND (created_at > :since OR read_at > :since)
 ORDER BY created_at, id;

-- name: is_typing
-- Whether the app shows this user of the match as typing.
SELECT is_typing FROM public.typing_indicators WHERE match_id = :match_id AND user_id = :user_id;
