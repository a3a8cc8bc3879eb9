-- What bench/engagement_scale.py adds to the rows of bench/scan_scale_fill.sql (same ids): the
-- plans that sent the bots' messages of the last `bench.days` days (one part each, a model out
-- of three, one in twenty a follow-up), one model call per plan, a guard trip every 200 plans,
-- and the time the service saw each unmatch. Statements are separated by blank lines.

-- A plan per bot message of the last days, its part, and one model call. Ids derive from the
-- message's (tag 8004 for plans).
INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, trigger_message_ids,
                             read_due_at, model, cost, created_at, finished_at)
SELECT pg_temp.uid('8004', ('x' || right(msg.id::text, 12))::bit(48)::bigint), msg.match_id,
       msg.sender_id, 1, 'done',
       CASE WHEN get_byte(decode(md5(msg.id::text), 'hex'), 0) % 20 = 0 THEN '{}'::uuid[]
            ELSE ARRAY[msg.id] END,
       msg.created_at,
       (ARRAY['x-ai/grok-4.20', 'openai/gpt-4.1-mini', 'mistral/small'])[
           1 + get_byte(decode(md5(msg.id::text), 'hex'), 1) % 3],
       0.0004, msg.created_at, msg.created_at
  FROM public.messages msg
  JOIN public.profiles p ON p.id = msg.sender_id AND p.is_bot
 WHERE msg.created_at > now() - make_interval(days => current_setting('bench.days')::int);

INSERT INTO bot.sent_parts (message_id, plan_id, match_id, part_index, sent_at)
SELECT msg.id, pg_temp.uid('8004', ('x' || right(msg.id::text, 12))::bit(48)::bigint),
       msg.match_id, 0, msg.created_at
  FROM public.messages msg
  JOIN public.profiles p ON p.id = msg.sender_id AND p.is_bot
 WHERE msg.created_at > now() - make_interval(days => current_setting('bench.days')::int);

INSERT INTO bot.llm_calls (bot_id, match_id, plan_id, purpose, model, ok, prompt_tokens,
                           completion_tokens, cost, latency_ms, created_at)
SELECT bot_id, match_id, id, 'reply', model, true, 900, 40, cost, 800, created_at
  FROM bot.reply_plans;

INSERT INTO bot.guard_trips (bot_id, match_id, plan_id, reason, stage, created_at)
SELECT bot_id, match_id, id, 'contact', 'attempt 0', created_at
  FROM bot.reply_plans
 WHERE get_byte(decode(md5(id::text), 'hex'), 2) % 200 = 0;

-- Unmatched matches: seen by the service some time in the last year, closed conversations.
INSERT INTO bot.conversations (match_id, bot_id, human_id, status, closed_at)
SELECT m.id, m.user_b, m.user_a, 'closed',
       now() - interval '365 days' * ((('x' || right(m.id::text, 12))::bit(48)::bigint % 997) / 997.0)
  FROM public.matches m
 WHERE m.status = 'unmatched'
ON CONFLICT (match_id) DO NOTHING;
