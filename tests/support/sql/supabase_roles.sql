-- The roles of a Supabase project, once per cluster. The bootstrap superuser of this cluster is
-- `supabase_admin` (as on Supabase), so `postgres` can be what it is there: a plain role with
-- BYPASSRLS, CREATEROLE and CREATEDB that owns the app's tables, and no superuser.
CREATE ROLE postgres LOGIN NOSUPERUSER CREATEDB CREATEROLE BYPASSRLS;
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
-- PostgREST's login role, which switches to the API roles per request.
CREATE ROLE authenticator LOGIN NOINHERIT;
GRANT anon, authenticated, service_role TO authenticator;
-- Realtime's own role: it owns `realtime.messages` and `realtime.send`; `postgres` is not a member.
CREATE ROLE supabase_realtime_admin NOLOGIN NOINHERIT NOREPLICATION;
-- As on Supabase: `postgres` may act as the API roles (the SQL editor's "run as").
GRANT anon, authenticated, service_role TO postgres WITH SET TRUE;
