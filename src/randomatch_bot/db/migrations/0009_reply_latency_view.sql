-- Reply latency, the first figure of `/stats`, defined once: a reply's first part sent, minus the
-- creation of the earliest human message it answers. Icebreakers answer nothing (NULL).
CREATE OR REPLACE VIEW bot.reply_latencies AS
SELECT rp.id AS plan_id,
       rp.bot_id,
       rp.match_id,
       sp.sent_at,
       extract(epoch FROM sp.sent_at - (
           SELECT min(m.created_at) FROM public.messages m
            WHERE m.id = ANY (rp.trigger_message_ids)))::float8 AS seconds
  FROM bot.sent_parts sp
  JOIN bot.reply_plans rp ON rp.id = sp.plan_id
 WHERE sp.part_index = 0;
