-- What one conversation step reads and writes (db/steps.py), each in one statement: the read
-- takes the conversation's lock and returns every fact the plan machine may ask for; the write
-- carries out the step's effects and the conversation's save together.
--
-- One more fact: a column (or a LATERAL block) in `step_read`, gated like the others when it
-- costs more than an index lookup, and a field of `db.steps.StepRead`.

-- name: step_read
-- A step's one read: the conversation's row locked (created on first sight while the match is
-- there; none when another transaction holds its lock: the caller waits for it with
-- `lock_conversation`, then reads again, so that what was committed meanwhile is seen), whether
-- it changed between this statement's snapshot and the lock (`moved`: a step of the same
-- conversation committed meanwhile, so the caller reads again), the match with
-- its bot and human (NULL when gone), the active plan, the persona row with the conversation's
-- variant (given and recorded here at its first step: `variant`), the human's unanswered
-- messages (parallel arrays, oldest first), and each fact a decision may ask for in this state,
-- with a `*_loaded` flag when its gate (the states that ask for it) held. The policy counts wait
-- until the grouping of the unanswered messages may be over: `grouping_quiet` seconds after the
-- last one at the earliest, `grouping_cap` after the first at the latest (both scaled).
WITH locked AS (
    SELECT c.match_id, c.bot_id, c.human_id, c.epoch, c.status, c.baseline_at, c.next_wake_at,
           c.last_error, c.opened_at, c.taken_over_until, c.xmin::text AS version,
           false AS created
      FROM bot.conversations c
     WHERE c.match_id = :match_id
       FOR UPDATE SKIP LOCKED
), mc AS (
    SELECT m.id AS match_id, m.status, b.id AS bot_id, b.display_name AS bot_name,
           h.id AS human_id
      FROM public.matches m
      JOIN public.profiles b ON b.id IN (m.user_a, m.user_b) AND b.is_bot
      JOIN public.profiles h ON h.id IN (m.user_a, m.user_b) AND NOT h.is_bot
     WHERE m.id = :match_id
     LIMIT 1
), created AS (
    -- First sight: human messages followed by a bot message were answered before the service
    -- knew the match, so only later ones count (as `ensure_conversation`). Only with the
    -- first-sight lock (`first_sight_lock`) taken at once and no erasure of the match seen: when
    -- `forget` holds that lock, the caller waits for it with `conversations.ensure`, whose own
    -- statements see the match forgotten. A row that exists but is locked is not created again.
    INSERT INTO bot.conversations (match_id, bot_id, human_id, baseline_at)
    SELECT mc.match_id, mc.bot_id, mc.human_id,
           (SELECT max(created_at) FROM public.messages
             WHERE match_id = mc.match_id AND sender_id = mc.bot_id)
      FROM mc
     WHERE NOT EXISTS (SELECT 1 FROM locked)
       AND NOT EXISTS (SELECT 1 FROM bot.conversations x WHERE x.match_id = :match_id)
       AND NOT EXISTS (SELECT 1 FROM bot.forgotten_matches f WHERE f.match_id = :match_id)
       AND pg_catalog.pg_try_advisory_xact_lock(
               pg_catalog.hashtextextended(CAST(:match_id::uuid AS text), 20))
    ON CONFLICT (match_id) DO NOTHING
    RETURNING match_id, bot_id, human_id, epoch, status, baseline_at, next_wake_at, last_error,
              opened_at, taken_over_until, xmin::text AS version, true AS created
), conv AS (
    SELECT match_id, bot_id, human_id, epoch, status, baseline_at, next_wake_at, last_error,
           opened_at, taken_over_until, version, created FROM locked
    UNION ALL
    SELECT match_id, bot_id, human_id, epoch, status, baseline_at, next_wake_at, last_error,
           opened_at, taken_over_until, version, created FROM created
), variant AS (
    -- The persona's variant: the one recorded for the conversation, else (before its first
    -- reply plan) the one `bot.variant_pick` gives it, recorded now and kept from then on.
    SELECT r.id AS recorded,
           CASE WHEN r.id IS NULL
                 AND NOT EXISTS (SELECT 1 FROM bot.reply_plans vp WHERE vp.match_id = :match_id)
                THEN (SELECT bot.variant_pick(conv.match_id, conv.bot_id) FROM conv) END
               AS picked
      FROM (SELECT (SELECT cv.variant_id FROM bot.conversation_variants cv
                     WHERE cv.match_id = :match_id) AS id) r
), assigned AS (
    INSERT INTO bot.conversation_variants (match_id, variant_id)
    SELECT conv.match_id, variant.picked FROM conv, variant
     WHERE variant.picked IS NOT NULL
    ON CONFLICT (match_id) DO NOTHING
)
SELECT c.match_id AS conv_match_id, c.bot_id AS conv_bot_id, c.human_id AS conv_human_id,
       c.epoch AS conv_epoch, c.status AS conv_status, c.baseline_at AS conv_baseline_at,
       c.next_wake_at AS conv_next_wake_at, c.last_error AS conv_last_error,
       c.opened_at AS conv_opened_at, c.created AS conv_created,
       c.taken_over_until AS conv_taken_over_until,
       EXISTS (SELECT 1 FROM bot.conversations x WHERE x.match_id = :match_id) AS conv_exists,
       NOT c.created
         AND c.version IS DISTINCT FROM (SELECT x.xmin::text FROM bot.conversations x
                                          WHERE x.match_id = :match_id) AS moved,
       mc.match_id, mc.status, mc.bot_id, mc.bot_name, mc.human_id,
       p.id AS plan_id, p.match_id AS plan_match_id, p.bot_id AS plan_bot_id,
       p.epoch AS plan_epoch, p.status AS plan_status,
       p.trigger_message_ids AS plan_trigger_message_ids, p.read_due_at AS plan_read_due_at,
       p.think_until AS plan_think_until, p.parts AS plan_parts, p.next_part AS plan_next_part,
       p.typing AS plan_typing, p.next_due_at AS plan_next_due_at, p.retry_at AS plan_retry_at,
       p.generation_failures AS plan_generation_failures,
       p.failing_since AS plan_failing_since, p.error AS plan_error, p.model AS plan_model,
       pr.bot_id AS persona_bot_id, pr.name AS persona_name,
       pr.system_prompt AS persona_system_prompt, pr.card AS persona_card,
       pr.language AS persona_language, pr.timezone AS persona_timezone,
       pr.active_hours AS persona_active_hours, pr.typing_speed_cps AS persona_typing_speed_cps,
       pr.min_thinking AS persona_min_thinking, pr.max_thinking AS persona_max_thinking,
       pr.model AS persona_model, pr.temperature AS persona_temperature,
       pr.enabled AS persona_enabled, pr.icebreaker AS persona_icebreaker,
       pr.greetings AS persona_greetings, pr.absence_probability AS persona_absence_probability,
       pr.emoji AS persona_emoji, pr.tags AS persona_tags, pr.source AS persona_source,
       pr.source_digest AS persona_source_digest,
       v.id AS variant_id, v.name AS variant_name, v.prompt AS variant_prompt,
       v.prompt_mode AS variant_prompt_mode, v.model AS variant_model,
       v.temperature AS variant_temperature, v.typing_speed_cps AS variant_typing_speed_cps,
       v.min_thinking AS variant_min_thinking, v.max_thinking AS variant_max_thinking,
       v.habits AS variant_habits,
       u.ids AS unanswered_ids, u.contents AS unanswered_contents,
       u.created_ats AS unanswered_created_ats, u.read_ats AS unanswered_read_ats,
       g.letters AS letters_loaded, dl.ids AS letter_ids, dl.created_ats AS letter_created_ats,
       dl.wrote_since AS wrote_since_letter,
       g.typing AS typing_loaded, ti.is_typing AS human_is_typing,
       ti.updated_at AS human_typing_at,
       g.since_bot AS since_bot_loaded, sb.seconds AS since_bot_message,
       g.reactions AS reactions_loaded, rx.reactions,
       g.match_messages AS match_messages_loaded, mm.any AS match_messages,
       g.followup AS followup_loaded, fu.last_bot_at AS followup_last_bot_at,
       fu.last_human_at AS followup_last_human_at, fu.followups AS followup_count,
       fu.human_texts AS followup_human_texts,
       g.policy AS policy_loaded, pol.bot_tokens, pol.bot_cost, pol.person_cost,
       pol.person_replies, pol.match_replies, pol.match_oldest, pol.bot_replies, pol.bot_oldest,
       cl.minor_id AS closure_minor_id, cl.minor_message_id AS closure_minor_message_id,
       cl.minor_plan_id AS closure_minor_plan_id, cl.minor_at AS closure_minor_at,
       cl.minor_reopened_at AS closure_minor_reopened_at,
       cl.minor_reopened_plan_id AS closure_minor_reopened_plan_id,
       cl.stop_id AS closure_stop_id, cl.stop_reopened_at AS closure_stop_reopened_at
  FROM (SELECT 1) one
  LEFT JOIN conv c ON true
  LEFT JOIN mc ON true
  LEFT JOIN bot.reply_plans p
    ON p.match_id = :match_id AND p.status IN ('reading', 'thinking', 'typing')
  LEFT JOIN bot.personas pr ON pr.bot_id = mc.bot_id
  LEFT JOIN bot.persona_variants v
    ON pr.bot_id IS NOT NULL
   AND v.id = (SELECT coalesce(variant.recorded, variant.picked) FROM variant)
  LEFT JOIN LATERAL (
      SELECT array_agg(msg.id ORDER BY msg.created_at, msg.id) AS ids,
             array_agg(msg.content ORDER BY msg.created_at, msg.id) AS contents,
             array_agg(msg.created_at ORDER BY msg.created_at, msg.id) AS created_ats,
             array_agg(msg.read_at ORDER BY msg.created_at, msg.id) AS read_ats
        FROM public.messages msg
       WHERE c.match_id IS NOT NULL
         AND msg.match_id = mc.match_id
         AND msg.sender_id = mc.human_id
         AND msg.created_at > coalesce(c.baseline_at, '-infinity'::timestamptz)
         AND msg.created_at > :since::timestamptz
         AND NOT EXISTS (SELECT 1 FROM bot.answered_messages a WHERE a.message_id = msg.id)
  ) u ON true
  -- The gates: which facts this state may ask for (plan_machine.decide).
  LEFT JOIN LATERAL (
      SELECT c.status = 'dead_letter' AS letters,
             live AND p.id IS NULL AND u.ids IS NOT NULL AS typing,
             live AND p.status = 'reading' AS since_bot,
             live AND p.status = 'reading' AS reactions,
             live AND p.id IS NULL AND u.ids IS NULL AND c.opened_at IS NULL AS match_messages,
             live AND followups
               AND ((p.id IS NULL AND u.ids IS NULL)
                    OR (p.status = 'typing' AND p.typing
                        AND p.next_part + 1 >= coalesce(cardinality(p.parts), 0))) AS followup,
             -- A new reply: once the grouping may be over (or while held back), or a follow-up.
             live AND p.id IS NULL
               AND ((u.ids IS NOT NULL
                     AND (c.status = 'waiting'
                          OR :now::timestamptz >= least(
                                 u.created_ats[cardinality(u.created_ats)]
                                   + make_interval(secs => :grouping_quiet::float8),
                                 u.created_ats[1] + make_interval(secs => :grouping_cap::float8))))
                    OR (u.ids IS NULL AND followups)) AS policy
        FROM (SELECT coalesce(mc.status = 'active' AND c.status <> 'dead_letter', false) AS live,
                     CASE WHEN pr.bot_id IS NULL THEN :followups_default::boolean
                          ELSE pr.enabled END AS followups) s
  ) g ON true
  LEFT JOIN LATERAL (
      SELECT array_agg(d.id ORDER BY d.created_at DESC) AS ids,
             array_agg(d.created_at ORDER BY d.created_at DESC) AS created_ats,
             EXISTS (SELECT 1 FROM public.messages hm
                      WHERE hm.match_id = c.match_id AND hm.sender_id = c.human_id
                        AND hm.created_at > max(d.created_at)) AS wrote_since
        FROM bot.dead_letters d
       WHERE g.letters AND d.match_id = c.match_id AND d.resolved_at IS NULL
  ) dl ON true
  LEFT JOIN public.typing_indicators ti
    ON g.typing AND ti.match_id = mc.match_id AND ti.user_id = mc.human_id
  LEFT JOIN LATERAL (
      SELECT extract(epoch FROM (:now::timestamptz - max(bm.created_at)))::float8 AS seconds
        FROM public.messages bm
       WHERE g.since_bot AND bm.match_id = mc.match_id AND bm.sender_id = mc.bot_id
  ) sb ON true
  LEFT JOIN LATERAL (
      SELECT coalesce((SELECT e.reactions FROM bot.contract_extensions e), false) AS reactions
       WHERE g.reactions
  ) rx ON true
  LEFT JOIN LATERAL (
      SELECT EXISTS (SELECT 1 FROM public.messages am WHERE am.match_id = mc.match_id)::int AS any
       WHERE g.match_messages
  ) mm ON true
  LEFT JOIN LATERAL (
      -- As `followup_state`.
      SELECT last.last_bot_at, last.last_human_at,
             (SELECT count(*) FROM bot.reply_plans fp
               WHERE fp.match_id = mc.match_id
                 AND cardinality(fp.trigger_message_ids) = 0
                 AND fp.created_at > last.last_human_at) AS followups,
             ARRAY(SELECT fm.content FROM public.messages fm
                    WHERE fm.match_id = mc.match_id AND fm.sender_id = mc.human_id
                    ORDER BY fm.created_at DESC LIMIT 20) AS human_texts
        FROM (SELECT max(lm.created_at) FILTER (WHERE lm.sender_id = mc.bot_id) AS last_bot_at,
                     max(lm.created_at) FILTER (WHERE lm.sender_id = mc.human_id) AS last_human_at
                FROM public.messages lm
               WHERE g.followup AND lm.match_id = mc.match_id) last
       WHERE g.followup
  ) fu ON true
  LEFT JOIN LATERAL (
      -- As policies/limits.check: each count only where its setting is on (its parameter set),
      -- the day starting at midnight in the persona's timezone.
      SELECT bs.tokens AS bot_tokens, bs.cost AS bot_cost,
             (SELECT coalesce(sum(l.cost), 0)::float8
                FROM bot.llm_calls l
                JOIN bot.conversations hc ON hc.match_id = l.match_id
               WHERE :person_caps::boolean AND hc.human_id = mc.human_id
                 AND l.created_at >= d.day) AS person_cost,
             (SELECT count(*)
                FROM bot.reply_plans hp
                JOIN bot.conversations hc ON hc.match_id = hp.match_id
               WHERE :person_caps::boolean AND hc.human_id = mc.human_id
                 AND hp.created_at >= d.day AND hp.status <> 'cancelled') AS person_replies,
             mr.n AS match_replies, mr.oldest AS match_oldest,
             br.n AS bot_replies, br.oldest AS bot_oldest
        FROM (SELECT date_trunc('day', :now::timestamptz AT TIME ZONE
                                coalesce(pr.timezone, :default_timezone::text))
                     AT TIME ZONE coalesce(pr.timezone, :default_timezone::text) AS day) d,
             LATERAL (
                 SELECT coalesce(sum(l.prompt_tokens + l.completion_tokens), 0)::bigint AS tokens,
                        coalesce(sum(l.cost), 0)::float8 AS cost
                   FROM bot.llm_calls l
                  WHERE :bot_budget::boolean AND l.bot_id = mc.bot_id AND l.created_at >= d.day
             ) bs,
             LATERAL (
                 SELECT count(*) AS n, min(rp.created_at) AS oldest
                   FROM bot.reply_plans rp
                  WHERE rp.match_id = mc.match_id
                    AND rp.created_at > :match_since::timestamptz
                    AND (rp.status IN ('reading', 'thinking', 'typing', 'done')
                         OR EXISTS (SELECT 1 FROM bot.sent_parts sp WHERE sp.plan_id = rp.id))
             ) mr,
             LATERAL (
                 SELECT count(*) AS n, min(rp.created_at) AS oldest
                   FROM bot.reply_plans rp
                  WHERE rp.bot_id = mc.bot_id
                    AND rp.created_at > :bot_since::timestamptz
                    AND (rp.status IN ('reading', 'thinking', 'typing', 'done')
                         OR EXISTS (SELECT 1 FROM bot.sent_parts sp WHERE sp.plan_id = rp.id))
             ) br
       WHERE g.policy
  ) pol ON true
  LEFT JOIN LATERAL (
      -- As `closure_facts` (closures.sql): the open minor's closing, the open request to stop,
      -- and when each was last reopened.
      SELECT max(cc.id) FILTER (WHERE cc.reason = 'minor' AND cc.reopened_at IS NULL) AS minor_id,
             (array_agg(cc.message_id ORDER BY cc.id DESC)
                  FILTER (WHERE cc.reason = 'minor' AND cc.reopened_at IS NULL))[1]
                  AS minor_message_id,
             (array_agg(cc.plan_id ORDER BY cc.id DESC)
                  FILTER (WHERE cc.reason = 'minor' AND cc.reopened_at IS NULL))[1]
                  AS minor_plan_id,
             max(cc.closed_at) FILTER (WHERE cc.reason = 'minor' AND cc.reopened_at IS NULL)
                  AS minor_at,
             max(cc.reopened_at) FILTER (WHERE cc.reason = 'minor') AS minor_reopened_at,
             (array_agg(cc.plan_id ORDER BY cc.reopened_at DESC)
                  FILTER (WHERE cc.reason = 'minor' AND cc.reopened_at IS NOT NULL))[1]
                  AS minor_reopened_plan_id,
             max(cc.id) FILTER (WHERE cc.reason = 'stop' AND cc.reopened_at IS NULL) AS stop_id,
             max(cc.reopened_at) FILTER (WHERE cc.reason = 'stop') AS stop_reopened_at
        FROM bot.conversation_closures cc
       WHERE cc.match_id = :match_id
  ) cl ON true;

-- name: step_write
-- A step's one write: each effect below runs only when its parameters are given (NULL or false
-- leave it out), then the conversation's save when `save` is true. The caller never gives two
-- effects on the same row (an ended plan and a new one are two writes: the index of active plans
-- would see both). Dead letters retried; messages read; a part sent (message and `sent_parts`,
-- by its deterministic id: redone, nothing); trigger messages answered; the active plan ended
-- (done, interrupted, cancelled, failed) or moved on (thinking, typing, pausing); a new plan;
-- the bot's indicator in the app's table; the conversation saved (failures count from zero).
WITH revived AS (
    UPDATE bot.dead_letters SET resolved_at = now(), resolution = 'retried'
     WHERE :revive::boolean AND match_id = :match_id AND resolved_at IS NULL
), read AS (
    UPDATE public.messages SET read_at = :read_at
     WHERE id = ANY(:read_ids::uuid[]) AND read_at IS NULL
), message AS (
    INSERT INTO public.messages (id, match_id, sender_id, content, created_at)
    SELECT :part_id::uuid, :match_id::uuid, :bot_id::uuid, :part_content::text,
           coalesce(:part_sent_at::timestamptz, now())
     WHERE :part_id::uuid IS NOT NULL
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), sent AS (
    INSERT INTO bot.sent_parts (message_id, plan_id, match_id, part_index, sent_at)
    SELECT :part_id::uuid, :plan_id::uuid, :match_id, :part_index::integer,
           coalesce(:part_sent_at::timestamptz, now())
     WHERE :part_id::uuid IS NOT NULL
    ON CONFLICT (message_id) DO NOTHING
), answered AS (
    INSERT INTO bot.answered_messages (message_id, match_id, plan_id)
    SELECT unnest(:answered_ids::uuid[]), :match_id, :plan_id::uuid
    ON CONFLICT (message_id) DO NOTHING
), ended AS (
    UPDATE bot.reply_plans
       SET status = :end_status::text, typing = false, next_due_at = NULL,
           error = :end_error::text, finished_at = now(), updated_at = now()
     WHERE id = :plan_id::uuid AND :end_status::text IS NOT NULL
), progressed AS (
    UPDATE bot.reply_plans
       SET status = :progress_status::text,
           think_until = coalesce(:think_until::timestamptz, think_until),
           typing = coalesce(:typing::boolean, typing),
           next_part = coalesce(:next_part::integer, next_part),
           next_due_at = :due_at::timestamptz, updated_at = now()
     WHERE id = :plan_id::uuid AND :progress_status::text IS NOT NULL
), started AS (
    INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, trigger_message_ids,
                                 read_due_at, think_until, next_due_at, parts, model,
                                 prompt_tokens, completion_tokens, cost, created_at)
    SELECT :new_plan_id::uuid, :match_id, :bot_id, :new_epoch::bigint, :new_status::text,
           :new_triggers::uuid[], :new_read_due_at::timestamptz, :new_think_until::timestamptz,
           :new_due_at::timestamptz, :new_parts::text[], :new_model::text,
           :new_prompt_tokens::integer, :new_completion_tokens::integer,
           :new_cost::float8, :new_created_at::timestamptz
     WHERE :new_plan_id::uuid IS NOT NULL
), indicator AS (
    -- After the part's message (it reads the message's result), as the app has always seen
    -- them: the message, then the indicator off.
    INSERT INTO public.typing_indicators (match_id, user_id, is_typing, updated_at)
    SELECT :match_id::uuid, :bot_id::uuid, :indicator::boolean, :indicator_at::timestamptz
     WHERE :indicator::boolean IS NOT NULL AND (SELECT count(*) FROM message) >= 0
    ON CONFLICT (match_id, user_id)
    DO UPDATE SET is_typing = EXCLUDED.is_typing, updated_at = EXCLUDED.updated_at
)
UPDATE bot.conversations
   SET epoch = :epoch, status = :status, next_wake_at = :wake_at, last_error = :error,
       hold_reason = :hold, step_failures = 0, opened_at = coalesce(opened_at, :opened_at),
       updated_at = now()
 WHERE :save::boolean AND match_id = :match_id;
