-- name: broadcast_typing
-- The bot's typing state over Supabase Realtime Broadcast (and the table too with `both`);
-- falls back to the table where `realtime.send` is missing or the broadcast was not stored;
-- returns whether it was stored. See migrations 0012 and 0023.
SELECT bot.set_typing(:match_id, :user_id, :is_typing, :updated_at, :transport, :expires_at);

-- name: realtime_send_probe
-- Whether Supabase Realtime's `realtime.send(jsonb, text, text, boolean)` exists and whether this
-- role may reach it, read from the catalogs only: it never raises (`to_regprocedure` does, for a
-- role without USAGE on the schema `realtime`). No row: the function does not exist.
SELECT pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
       pg_catalog.has_function_privilege(p.oid, 'EXECUTE') AS may_execute,
       current_user::text AS role
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'realtime'
   AND p.proname = 'send'
   AND pg_catalog.oidvectortypes(p.proargtypes) = 'jsonb, text, text, boolean';

-- name: current_role_name
-- The role this connection acts as.
SELECT current_user::text;
