-- name: upsert_profile
INSERT INTO public.profiles (id, display_name, is_bot) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, is_bot = EXCLUDED.is_bot;

-- name: ensure_match
INSERT INTO public.matches (id, user_a, user_b, status) VALUES ($1, $2, $3, 'active')
ON CONFLICT (id) DO NOTHING;

-- name: insert_message
INSERT INTO public.messages (match_id, sender_id, content) VALUES ($1, $2, $3)
RETURNING id, created_at;

-- name: chat_messages_since
SELECT id, sender_id, content, created_at, read_at
  FROM public.messages
 WHERE match_id = $1 AND (created_at > $2 OR read_at > $2)
 ORDER BY created_at, id;

-- name: is_typing
SELECT is_typing FROM public.typing_indicators WHERE match_id = $1 AND user_id = $2;
