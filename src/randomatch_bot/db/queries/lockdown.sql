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
