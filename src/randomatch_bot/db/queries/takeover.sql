-- Named queries of a takeover: an operator pauses the persona in one conversation and writes
-- as her (worker/takeover.py, the policy check of conversation/policies/limits.py).

-- name: takeover_until
-- Until when the conversation is taken over by an operator (NULL: it is not).
SELECT taken_over_until FROM bot.conversations WHERE match_id = :match_id;

-- name: takeover_start
-- The conversation is taken over until :until (a takeover under way is extended), with why;
-- it waits, held, until then (a dead letter stays one). Its epoch moves on: a step scheduled
-- before finds nothing to do.
UPDATE bot.conversations
   SET taken_over_until = :until, taken_over_at = coalesce(taken_over_at, :now::timestamptz),
       takeover_reason = :reason, epoch = epoch + 1,
       status = CASE WHEN status = 'dead_letter' THEN status ELSE 'waiting' END,
       next_wake_at = :until, hold_reason = 'taken over', updated_at = now()
 WHERE match_id = :match_id AND status <> 'closed'
RETURNING epoch;

-- name: takeover_end
-- The persona resumes: the takeover is cleared and the conversation is idle, to be woken.
UPDATE bot.conversations
   SET taken_over_until = NULL, taken_over_at = NULL, takeover_reason = NULL,
       status = CASE WHEN status IN ('closed', 'dead_letter') THEN status ELSE 'idle' END,
       next_wake_at = NULL, hold_reason = NULL, updated_at = now()
 WHERE match_id = :match_id AND taken_over_until IS NOT NULL
RETURNING match_id;

-- name: operator_plan
-- The operator's message as a plan of one part, written already: it is read (its trigger
-- messages), typed and sent like the persona's own, by the same steps; the conversation
-- replies in the plan's epoch until :read_due_at.
WITH plan AS (
    INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, trigger_message_ids,
                                 read_due_at, next_due_at, parts, model, prompt_tokens,
                                 completion_tokens, cost, created_at)
    SELECT :plan_id, c.match_id, c.bot_id, c.epoch + 1, 'reading', :trigger_message_ids,
           :read_due_at, :read_due_at, ARRAY[:content::text], 'operator', 0, 0, 0,
           :now::timestamptz
      FROM bot.conversations c
     WHERE c.match_id = :match_id
    RETURNING epoch
)
UPDATE bot.conversations
   SET epoch = (SELECT epoch FROM plan), status = 'replying', next_wake_at = :read_due_at,
       hold_reason = NULL, last_error = NULL, updated_at = now()
 WHERE match_id = :match_id
RETURNING epoch;

-- name: takeover_active_plan
-- The conversation's active plan, if any, and whether an operator wrote it or it is an
-- icebreaker (the persona's greetings).
SELECT id, typing, model IS NOT DISTINCT FROM 'operator' AS operator,
       model IS NOT DISTINCT FROM 'greeting' AS greeting
  FROM bot.reply_plans
 WHERE match_id = :match_id AND status IN ('reading', 'thinking', 'typing');

-- name: takeover_extend
-- A takeover's end and reason change; the conversation's state stays (a message of the
-- operator is on its way).
UPDATE bot.conversations
   SET taken_over_until = :until, taken_over_at = coalesce(taken_over_at, now()),
       takeover_reason = coalesce(:reason, takeover_reason), updated_at = now()
 WHERE match_id = :match_id;

-- name: takeover_unopen
-- An icebreaker stopped by the takeover: the match counts as not opened, so that the persona
-- writes first when she resumes if nobody wrote meanwhile.
UPDATE bot.conversations SET opened_at = NULL, updated_at = now() WHERE match_id = :match_id;
