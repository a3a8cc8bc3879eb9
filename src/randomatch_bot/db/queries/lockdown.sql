-- name: close_to_app_users
-- Nothing of the service is reachable by the app's users. On Supabase every role that holds
-- the anon key or a user's JWT acts as `anon` or `authenticated`; PUBLIC covers every role.
-- The service's own roles (the migrating owner, a runtime role granted explicitly) are
-- unaffected. Run at the end of every `migrate`, so objects added by any migration are closed too.

REVOKE ALL ON SCHEMA bot FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA bot FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA bot FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA bot FROM PUBLIC;
-- Objects created later in `bot` by this role start closed too.
ALTER DEFAULT PRIVILEGES IN SCHEMA bot REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON SCHEMA bot FROM %I', r);
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA bot FROM %I', r);
            EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA bot FROM %I', r);
            EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA bot FROM %I', r);
        END IF;
    END LOOP;
END;
$$;

-- name: renumber_migrations
-- Gives the migrations a database recorded under their former numbers the names they have
-- now (one numbering without gaps since the 0.2 series), keeping their checksums: such a
-- database applies nothing again. A name already recorded is left alone.
UPDATE bot.schema_migrations AS m
SET version = r.new_version
FROM unnest(:old_versions::text[], :new_versions::text[]) AS r(old_version, new_version)
WHERE m.version = r.old_version
  AND NOT EXISTS (SELECT 1 FROM bot.schema_migrations WHERE version = r.new_version)
RETURNING m.version;
