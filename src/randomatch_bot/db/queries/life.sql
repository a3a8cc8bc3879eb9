-- Named queries of the persona's life (conversation/persona/life.py): what she told each
-- person about herself, her canon, her week.

-- name: self_memory_get
-- What the persona told this person about herself (empty object when nothing yet).
SELECT facts FROM bot.self_memories WHERE match_id = :match_id;

-- name: self_memory_store
-- The self-facts of a match, replaced whole: the memory update merges them before writing.
INSERT INTO bot.self_memories AS s (match_id, bot_id, facts, updated_at)
VALUES (:match_id, :bot_id, :facts::jsonb, now())
ON CONFLICT (match_id) DO UPDATE
   SET facts = EXCLUDED.facts, bot_id = EXCLUDED.bot_id, updated_at = now();

-- name: self_claim_counts
-- How many of the bot's conversations state each self-claim, the value compared without case
-- or surrounding spaces (lists and objects as their JSON text).
SELECT f.key,
       lower(btrim(f.value #>> '{}')) AS value,
       min(f.value #>> '{}') AS said,
       count(*)::int AS conversations
  FROM bot.self_memories s, jsonb_each(s.facts) AS f(key, value)
 WHERE s.bot_id = :bot_id
   AND jsonb_typeof(f.value) IN ('string', 'number', 'boolean')
 GROUP BY f.key, lower(btrim(f.value #>> '{}'));

-- name: canon_list
-- The persona's stored canon (promoted claims and the operator's entries), by key.
SELECT key, value, source, conversations, updated_at
  FROM bot.persona_canon
 WHERE bot_id = :bot_id
 ORDER BY key;

-- name: canon_promote
-- A claim her conversations agree on joins the canon unless the key is there already: a
-- promotion never overwrites an operator's entry or an earlier promotion.
INSERT INTO bot.persona_canon (bot_id, key, value, source, conversations)
VALUES (:bot_id, :key, :value, 'promoted', :conversations)
ON CONFLICT (bot_id, key) DO NOTHING
RETURNING key;

-- name: canon_set
-- The operator's value for a key (`persona canon edit`), over whatever was there.
INSERT INTO bot.persona_canon AS c (bot_id, key, value, source, conversations, updated_at)
VALUES (:bot_id, :key, :value, 'operator', 0, now())
ON CONFLICT (bot_id, key) DO UPDATE
   SET value = EXCLUDED.value, source = 'operator', conversations = 0, updated_at = now();

-- name: canon_remove
-- Forget a stored canon entry (the card's own value, if any, applies again).
DELETE FROM bot.persona_canon WHERE bot_id = :bot_id AND key = :key RETURNING key;

-- name: week_get
-- The persona's stored agenda for these ISO weeks.
SELECT week, days, source, created_at
  FROM bot.persona_weeks
 WHERE bot_id = :bot_id AND week = ANY(:weeks::text[]);

-- name: week_store
-- Her week is written once: the first writer wins, so every conversation reads the same.
INSERT INTO bot.persona_weeks (bot_id, week, days, source)
VALUES (:bot_id, :week, :days::jsonb, :source)
ON CONFLICT (bot_id, week) DO NOTHING
RETURNING week;

-- name: life_read
-- The persona's life for one conversation in one statement, as `generation_context` reads it:
-- her stored canon (parallel arrays by key), what she told this match (`life_told`, NULL:
-- nothing yet) and her stored agendas of these ISO weeks (parallel arrays by week).
SELECT true AS life_loaded,
       canon.keys AS life_canon_keys, canon.vals AS life_canon_values,
       canon.sources AS life_canon_sources, canon.conversations AS life_canon_conversations,
       canon.updated_ats AS life_canon_updated_ats,
       (SELECT s.facts FROM bot.self_memories s WHERE s.match_id = :match_id) AS life_told,
       wk.weeks AS life_weeks, wk.days AS life_week_days, wk.sources AS life_week_sources,
       wk.created_ats AS life_week_created_ats
  FROM (SELECT array_agg(c.key ORDER BY c.key) AS keys, array_agg(c.value ORDER BY c.key) AS vals,
               array_agg(c.source ORDER BY c.key) AS sources,
               array_agg(c.conversations ORDER BY c.key) AS conversations,
               array_agg(c.updated_at ORDER BY c.key) AS updated_ats
          FROM bot.persona_canon c
         WHERE c.bot_id = :bot_id) canon,
       (SELECT array_agg(w.week ORDER BY w.week) AS weeks, array_agg(w.days ORDER BY w.week) AS days,
               array_agg(w.source ORDER BY w.week) AS sources,
               array_agg(w.created_at ORDER BY w.week) AS created_ats
          FROM bot.persona_weeks w
         WHERE w.bot_id = :bot_id AND w.week = ANY(:weeks::text[])) wk;
