-- What the human is doing besides writing messages: the conversation engine reads these.

-- name: human_typing
-- The human's own typing row, written by the app (None when the app never wrote one).
SELECT is_typing, updated_at
  FROM public.typing_indicators
 WHERE match_id = :match_id AND user_id = :human_id;

-- name: followup_state
-- For a follow-up after a silence: the last message of each side, the follow-ups (plans with
-- no trigger message) started since the human last wrote, and the human's recent messages.
WITH last AS (
    SELECT max(created_at) FILTER (WHERE sender_id = :bot_id) AS last_bot_at,
           max(created_at) FILTER (WHERE sender_id = :human_id) AS last_human_at
      FROM public.messages
     WHERE match_id = :match_id
)
SELECT last.last_bot_at, last.last_human_at,
       (SELECT count(*) FROM bot.reply_plans p
         WHERE p.match_id = :match_id
           AND cardinality(p.trigger_message_ids) = 0
           AND p.created_at > last.last_human_at) AS followups,
       ARRAY(SELECT content FROM public.messages
              WHERE match_id = :match_id AND sender_id = :human_id
              ORDER BY created_at DESC LIMIT 20) AS human_texts
  FROM last;

-- name: contract_extensions
-- Which optional extensions of the app's contract this database has (migration 0020).
SELECT reactions, message_image_column, attachments FROM bot.contract_extensions;

-- name: bot_recent_reactions
-- The persona's last reactions in a match, newest first, so that it varies them.
SELECT r.emoji
  FROM public.message_reactions r
  JOIN public.messages m ON m.id = r.message_id
 WHERE m.match_id = :match_id AND r.user_id = :bot_id
 ORDER BY m.created_at DESC
 LIMIT 3;

-- name: insert_reaction
-- The persona's reaction to a message; redone, it is inserted once (the step holds the
-- conversation's lock, and the app's table may have no unique key).
INSERT INTO public.message_reactions (message_id, user_id, emoji)
SELECT :message_id, :bot_id, :emoji
 WHERE NOT EXISTS (SELECT 1 FROM public.message_reactions
                    WHERE message_id = :message_id AND user_id = :bot_id);

-- name: trigger_texts
-- The messages a plan answers, in order.
SELECT id, content FROM public.messages WHERE id = ANY(:message_ids::uuid[]) ORDER BY created_at, id;
