-- name: broadcast_typing
-- The bot's typing state over Supabase Realtime Broadcast (and the table too with `both`);
-- falls back to the table where `realtime.send` is missing. See migration 0013.
SELECT bot.set_typing(:match_id, :user_id, :is_typing, :updated_at, :transport, :expires_at);

-- name: realtime_send_exists
-- Whether the database has Supabase Realtime's `realtime.send` function.
SELECT pg_catalog.to_regprocedure('realtime.send(jsonb,text,text,boolean)') IS NOT NULL;
