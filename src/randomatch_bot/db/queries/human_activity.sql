-- What the human is doing besides writing messages: the conversation engine reads these.

-- name: human_typing
-- The human's own typing row, written by the app (None when the app never wrote one).
SELECT is_typing, updated_at
  FROM public.typing_indicators
 WHERE match_id = $1 AND user_id = $2;

-- name: followup_state
-- For a follow-up after a silence: the last message of each side, the follow-ups (plans with
-- no trigger message) started since the human last wrote, and the human's recent messages.
WITH last AS (
    SELECT max(created_at) FILTER (WHERE sender_id = $2) AS last_bot_at,
           max(created_at) FILTER (WHERE sender_id = $3) AS last_human_at
      FROM public.messages
     WHERE match_id = $1
)
SELECT last.last_bot_at, last.last_human_at,
       (SELECT count(*) FROM bot.reply_plans p
         WHERE p.match_id = $1
           AND cardinality(p.trigger_message_ids) = 0
           AND p.created_at > last.last_human_at) AS followups,
       ARRAY(SELECT content FROM public.messages
              WHERE match_id = $1 AND sender_id = $3
              ORDER BY created_at DESC LIMIT 20) AS human_texts
  FROM last;
