-- Named queries for faults that last: model outages waited out, paused models, poison
-- conversations and dead letters revived by a new message (conversation/policies/outage.py).

-- name: plan_generation_failed
-- One more failed generation of a plan still waiting for its parts; a plan that moved on
-- (interrupted, cancelled, already generated) returns nothing.
UPDATE bot.reply_plans
   SET generation_failures = generation_failures + 1,
       failing_since = coalesce(failing_since, :now),
       error = coalesce(:error, error),
       updated_at = now()
 WHERE id = :plan_id AND status = 'thinking' AND parts IS NULL
RETURNING generation_failures, failing_since, epoch, match_id, error;

-- name: plan_retry_at
-- A plan waiting for its parts asks the model again at `retry_at`; a plan that moved on
-- returns nothing.
UPDATE bot.reply_plans SET retry_at = :retry_at, updated_at = now()
 WHERE id = :plan_id AND status = 'thinking' AND parts IS NULL
RETURNING id;

-- name: llm_pauses_for
-- The model pauses of these scopes (the endpoint's and one model's).
SELECT scope, status, reason, fingerprint, paused_at, next_probe_at
  FROM bot.llm_pauses
 WHERE scope = ANY(:scopes::text[]);

-- name: llm_pauses_all
-- Every model pause, one per scope.
SELECT scope, status, reason, fingerprint, paused_at, next_probe_at
  FROM bot.llm_pauses
 ORDER BY scope;

-- name: llm_pause
-- Pause a scope, or record the latest failure of one already paused (it keeps its paused_at).
INSERT INTO bot.llm_pauses (scope, status, reason, fingerprint, paused_at, next_probe_at)
VALUES (:scope, :status, :reason, :fingerprint, :paused_at, :next_probe_at)
ON CONFLICT (scope) DO UPDATE
   SET status = EXCLUDED.status, reason = EXCLUDED.reason, fingerprint = EXCLUDED.fingerprint,
       next_probe_at = EXCLUDED.next_probe_at;

-- name: llm_pause_claim_probe
-- One caller per interval probes a paused scope: the one that moves `next_probe_at` on.
UPDATE bot.llm_pauses SET next_probe_at = :next_probe_at
 WHERE scope = :scope AND next_probe_at <= :now
RETURNING scope;

-- name: llm_pause_lift
-- Lift the pauses of these scopes; returns the scopes that were paused.
DELETE FROM bot.llm_pauses WHERE scope = ANY(:scopes::text[]) RETURNING scope;

-- name: release_waiting_plans
-- After a paused model, or one resting in the breaker, answered again: every reply waiting for
-- a model tries again within :jitter seconds from now, each at its own moment.
WITH released AS (
    UPDATE bot.reply_plans
       SET retry_at = :now + random() * :jitter * interval '1 second', updated_at = now()
     WHERE status = 'thinking' AND parts IS NULL AND retry_at > :now
    RETURNING match_id, retry_at
)
UPDATE bot.conversations c
   SET next_wake_at = r.retry_at, updated_at = now()
  FROM released r
 WHERE c.match_id = r.match_id
RETURNING c.match_id;

-- name: plan_follows_a_model_wait
-- Whether the conversation's plan before this one was waiting for the model when the human's
-- new message interrupted it.
SELECT coalesce((
    SELECT p.status = 'interrupted' AND p.parts IS NULL AND p.generation_failures > 0
      FROM bot.reply_plans p
     WHERE p.match_id = :match_id AND p.id <> :plan_id
     ORDER BY p.created_at DESC
     LIMIT 1
), false);

-- name: conversation_step_failed
-- A failed step, counted outside the step's own (rolled back) transaction.
UPDATE bot.conversations
   SET step_failures = step_failures + 1, last_error = :error, updated_at = now()
 WHERE match_id = :match_id AND status <> 'dead_letter'
RETURNING step_failures, epoch;

-- name: open_dead_letters_of
-- The open dead letters of a conversation, newest first.
SELECT id, created_at FROM bot.dead_letters
 WHERE match_id = :match_id AND resolved_at IS NULL
 ORDER BY created_at DESC;

-- name: revive_dead_letters
-- The open dead letters of a conversation are retried (a new message from the human).
UPDATE bot.dead_letters SET resolved_at = now(), resolution = 'retried'
 WHERE match_id = :match_id AND resolved_at IS NULL;

-- name: human_wrote_since
-- Whether the human wrote in the match after `since`.
SELECT EXISTS (SELECT 1 FROM public.messages
                WHERE match_id = :match_id AND sender_id = :human_id AND created_at > :since);

-- name: open_dead_letter_ids
-- The dead letters not yet resolved, oldest first.
SELECT id FROM bot.dead_letters WHERE resolved_at IS NULL ORDER BY created_at, id;

-- name: release_persona_holds
-- A persona enabled again: its conversations held back "persona disabled" lose their far
-- wake-up, so that the bridge's next catch-up scan (which looks for unanswered messages with no
-- wake-up) wakes them.
UPDATE bot.conversations
   SET status = 'idle', next_wake_at = NULL, hold_reason = NULL, updated_at = now()
 WHERE bot_id = :bot_id AND hold_reason = 'persona disabled';
