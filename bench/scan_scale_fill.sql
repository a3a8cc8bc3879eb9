-- The rows of bench/scan_scale.py, as the app and the service would have written them over a
-- year: `bench.matches` matches and `bench.messages` messages (custom settings set before).
-- Ids are deterministic (a table tag and a number), so that rows are built in key order.
-- Statements are separated by blank lines; each is timed on its own.

CREATE FUNCTION pg_temp.uid(tag text, n bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$
    SELECT ('00000000-0000-4000-' || tag || '-' || lpad(to_hex(n), 12, '0'))::uuid
$$;

-- Five bots, then one human per match.
INSERT INTO public.profiles (id, display_name, is_bot)
SELECT pg_temp.uid('8001', n), 'profile ' || n, n <= 5
  FROM generate_series(1, current_setting('bench.matches')::int + 5) AS n;

-- Matches created evenly over the year; one in ten unmatched since.
INSERT INTO public.matches (id, user_a, user_b, status, created_at)
SELECT pg_temp.uid('8002', k), pg_temp.uid('8001', k + 5), pg_temp.uid('8001', 1 + k % 5),
       CASE WHEN k % 10 = 0 THEN 'unmatched' ELSE 'active' END,
       now() - interval '365 days' * (1 - k::float8 / current_setting('bench.matches')::int)
  FROM generate_series(1, current_setting('bench.matches')::int) AS k;

-- Messages evenly over the year (about 27,000 in the last day for ten million), round robin
-- over the matches: each match gets one every few days, from the human and the bot in turn
-- (half of any day's messages are from humans).
INSERT INTO public.messages (id, match_id, sender_id, content, created_at)
SELECT pg_temp.uid('8003', n), pg_temp.uid('8002', s.k),
       CASE WHEN (n / s.matches + s.k) % 2 = 0 THEN pg_temp.uid('8001', s.k + 5)
            ELSE pg_temp.uid('8001', 1 + s.k % 5) END,
       'message ' || n,
       now() - interval '1 minute'
             - interval '365 days' * (1 - n::float8 / current_setting('bench.messages')::int)
  FROM generate_series(1, current_setting('bench.messages')::int) AS n,
       LATERAL (SELECT current_setting('bench.matches')::int AS matches) AS c,
       LATERAL (SELECT 1 + n % c.matches AS k, c.matches) AS s;

-- The newest fifty matches never got a message: icebreakers the scan must find.
DELETE FROM public.messages
 WHERE match_id IN (SELECT id FROM public.matches ORDER BY created_at DESC LIMIT 50);

-- One conversation per active match known to the service: one in 2,000 with its next step
-- overdue, one in 2,000 dead-lettered, one in 2,000 with a reply in progress.
INSERT INTO bot.conversations (match_id, bot_id, human_id, status, next_wake_at)
SELECT pg_temp.uid('8002', k), pg_temp.uid('8001', 1 + k % 5), pg_temp.uid('8001', k + 5),
       CASE WHEN k % 2000 = 3 THEN 'dead_letter'
            WHEN k % 2000 = 5 THEN 'replying' ELSE 'idle' END,
       CASE WHEN k % 2000 = 1 THEN now() - interval '10 minutes'
            WHEN k % 2000 = 5 THEN now() + interval '1 minute' END
  FROM generate_series(1, current_setting('bench.matches')::int - 50) AS k
 WHERE k % 10 <> 0;

-- Every human message answered, but those of the last day in one match in 500 (their NOTIFY
-- was lost).
INSERT INTO bot.answered_messages (message_id, match_id, plan_id, answered_at)
SELECT msg.id, msg.match_id, msg.match_id, msg.created_at
  FROM public.messages msg
  JOIN public.profiles p ON p.id = msg.sender_id AND NOT p.is_bot
 WHERE NOT (msg.created_at > now() - interval '1 day'
            AND ('x' || right(msg.match_id::text, 12))::bit(48)::bigint % 500 = 7);

-- Two typing indicators per match, off.
INSERT INTO public.typing_indicators (match_id, user_id, is_typing, updated_at)
SELECT m.id, who.id, false, m.created_at
  FROM public.matches m,
       LATERAL (VALUES (m.user_a), (m.user_b)) AS who (id);

-- A few bots' indicators left on by a crash.
UPDATE public.typing_indicators t
   SET is_typing = true, updated_at = now() - interval '5 minutes'
  FROM public.profiles p
 WHERE p.id = t.user_id AND p.is_bot
   AND ('x' || right(t.match_id::text, 12))::bit(48)::bigint % 5000 = 0;
