-- Named queries of conversations closed for good by what the person wrote (db/closures.py):
-- `minor` and `stop` (migration 0025).

-- name: closure_facts
-- What a step needs to know of a conversation's closings, in one row (as the `closure_`
-- columns of `step_read`): the open `minor` closing (its id, the message that said it, its
-- closing line's plan and when), the latest reopened `minor` closing (when, and its plan), the
-- open `stop` record and when the latest `stop` was reopened.
SELECT max(c.id) FILTER (WHERE c.reason = 'minor' AND c.reopened_at IS NULL) AS minor_id,
       (array_agg(c.message_id ORDER BY c.id DESC)
            FILTER (WHERE c.reason = 'minor' AND c.reopened_at IS NULL))[1] AS minor_message_id,
       (array_agg(c.plan_id ORDER BY c.id DESC)
            FILTER (WHERE c.reason = 'minor' AND c.reopened_at IS NULL))[1] AS minor_plan_id,
       max(c.closed_at) FILTER (WHERE c.reason = 'minor' AND c.reopened_at IS NULL) AS minor_at,
       max(c.reopened_at) FILTER (WHERE c.reason = 'minor') AS minor_reopened_at,
       (array_agg(c.plan_id ORDER BY c.reopened_at DESC)
            FILTER (WHERE c.reason = 'minor' AND c.reopened_at IS NOT NULL))[1]
            AS minor_reopened_plan_id,
       max(c.id) FILTER (WHERE c.reason = 'stop' AND c.reopened_at IS NULL) AS stop_id,
       max(c.reopened_at) FILTER (WHERE c.reason = 'stop') AS stop_reopened_at
  FROM bot.conversation_closures c
 WHERE c.match_id = :match_id;

-- name: close_conversation
-- Record a closing; nothing when one of that reason is open already (returns its id if new).
INSERT INTO bot.conversation_closures (match_id, reason, message_id, plan_id, closed_at)
VALUES (:match_id, :reason, :message_id, :plan_id, :closed_at)
ON CONFLICT (match_id, reason) WHERE reopened_at IS NULL DO NOTHING
RETURNING id;

-- name: insert_closing_plan
-- The closing line of a conversation closed for good, as a plan whose part is written already:
-- it reads the messages until `read_due_at`, then types and sends like any reply (no model
-- call, no reaction). The conversation replies in its epoch until `read_due_at` (as
-- `update_conversation`), in one statement.
WITH plan AS (
    INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, trigger_message_ids,
                                 read_due_at, next_due_at, parts, model, prompt_tokens,
                                 completion_tokens, cost, created_at)
    VALUES (:plan_id, :match_id, :bot_id, :epoch, 'reading', :trigger_message_ids,
            :read_due_at, :read_due_at, :parts, 'closing', 0, 0, 0, :created_at)
)
UPDATE bot.conversations
   SET epoch = :epoch, status = 'replying', next_wake_at = :read_due_at, last_error = NULL,
       hold_reason = NULL, step_failures = 0, updated_at = now()
 WHERE match_id = :match_id;

-- name: set_aside_messages
-- What the person writes in a closed conversation is handled by the closing (its plan id):
-- never answered, and neither the engine nor the catch-up looks at it again.
INSERT INTO bot.answered_messages (message_id, match_id, plan_id)
SELECT unnest(:message_ids::uuid[]), :match_id, :plan_id
ON CONFLICT (message_id) DO NOTHING;

-- name: closed_conversations
-- Closings for the operator, newest first, with the message that said it and the
-- conversation's status; :which is 'open', 'reopened' or 'all', :reason a reason or NULL.
SELECT c.id, c.match_id, c.reason, c.message_id, m.content AS message, c.closed_at,
       c.reopened_at, c.reopened_by, c.confirmed, cv.bot_id, cv.human_id,
       cv.status AS conversation_status
  FROM bot.conversation_closures c
  LEFT JOIN public.messages m ON m.id = c.message_id
  LEFT JOIN bot.conversations cv ON cv.match_id = c.match_id
 WHERE (:which = 'all'
        OR (:which = 'open' AND c.reopened_at IS NULL)
        OR (:which = 'reopened' AND c.reopened_at IS NOT NULL))
   AND (:reason::text IS NULL OR c.reason = :reason)
 ORDER BY c.closed_at DESC, c.id DESC
 LIMIT :limit;

-- name: reopen_closures
-- Reopen a conversation's open closings (of :reason, or all when NULL); returns each reopened.
UPDATE bot.conversation_closures
   SET reopened_at = :now, reopened_by = :by
 WHERE match_id = :match_id AND reopened_at IS NULL
   AND (:reason::text IS NULL OR reason = :reason)
RETURNING id, reason, plan_id;

-- name: reopen_conversation
-- A conversation closed for a minor goes back to idle; the wake-up that follows lets the
-- engine answer what comes next. One closed by an unmatch stays closed (the step closes it
-- again at once).
UPDATE bot.conversations
   SET status = 'idle', next_wake_at = NULL, last_error = NULL, hold_reason = NULL,
       updated_at = now()
 WHERE match_id = :match_id AND status = 'closed';

-- name: closure_to_review
-- An open `minor` closing with the message that said it and the person's messages just
-- before it, for the reviewing model.
SELECT c.id, c.match_id, c.message_id, c.confirmed, m.content AS message,
       ARRAY(SELECT p.content FROM public.messages p
              WHERE p.match_id = c.match_id AND p.sender_id = m.sender_id
                AND p.created_at <= m.created_at AND p.id <> m.id
              ORDER BY p.created_at DESC LIMIT 5) AS before
  FROM bot.conversation_closures c
  LEFT JOIN public.messages m ON m.id = c.message_id
 WHERE c.id = :closure_id AND c.reason = 'minor' AND c.reopened_at IS NULL;

-- name: confirm_closure
-- The reviewing model's verdict on a closing.
UPDATE bot.conversation_closures SET confirmed = :confirmed WHERE id = :closure_id;

-- name: closures_table_exists
-- Whether the database has the closings table (a schema migrated before it has none).
SELECT to_regclass('bot.conversation_closures') IS NOT NULL;

-- name: closure_counts
-- Open closings by reason, for `status` and the dashboard.
SELECT reason, count(*) AS n
  FROM bot.conversation_closures
 WHERE reopened_at IS NULL
 GROUP BY reason;
