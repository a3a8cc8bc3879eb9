"""What Supabase's Security Advisor would say about the service's objects, checked on the
Supabase-shaped database: `migrate` (and the runtime role of docs/sql) add no finding to the
project's own.

The checks follow the Advisor's documented lints that concern what the service installs,
written here from their definitions:
- a function whose search_path is not fixed by its own settings (function_search_path_mutable);
- a SECURITY DEFINER function, or a view that runs with its owner's rights, that the API roles
  may reach (security_definer_view, and the same concern for functions);
- a table in a schema the API exposes without row-level security (rls_disabled_in_public);
- any privilege of the API roles on the service's schema `bot` and what it holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.support.supabase import create_runtime_role

pytestmark = pytest.mark.integration

API_ROLES = ("anon", "authenticated")
EXPOSED_SCHEMAS = ("public", "graphql_public")  # what PostgREST serves on a new project
SERVICE_SCHEMA = "bot"

# Functions outside the system's own schemas and not part of an extension, with no
# `search_path` among the settings they run with.
MUTABLE_SEARCH_PATH = """
SELECT n.nspname || '.' || p.proname
       || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')' AS name
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                      AND d.deptype = 'e')
   AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS c(setting)
                    WHERE c.setting LIKE 'search\\_path=%')
"""

# SECURITY DEFINER functions an API role may call (USAGE on the schema and EXECUTE).
DEFINER_FUNCTIONS_REACHABLE = """
SELECT n.nspname || '.' || p.proname
       || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')' AS name, r.role
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 CROSS JOIN unnest($1::text[]) AS r(role)
 WHERE p.prosecdef
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND pg_catalog.has_schema_privilege(r.role, n.oid, 'USAGE')
   AND pg_catalog.has_function_privilege(r.role, p.oid, 'EXECUTE')
"""

# Views that run with their owner's rights (no security_invoker) an API role may read.
OWNER_RIGHTS_VIEWS_REACHABLE = """
SELECT n.nspname || '.' || c.relname AS name, r.role
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN unnest($1::text[]) AS r(role)
 WHERE c.relkind IN ('v', 'm')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)
   AND pg_catalog.has_schema_privilege(r.role, n.oid, 'USAGE')
   AND pg_catalog.has_table_privilege(r.role, c.oid, 'SELECT')
"""

# Tables of an exposed schema without row-level security.
TABLES_WITHOUT_RLS = """
SELECT n.nspname || '.' || c.relname AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname = ANY ($1::text[])
   AND NOT c.relrowsecurity
"""

# Any privilege of an API role on the service's schema or on what it holds.
SERVICE_SCHEMA_GRANTS = """
SELECT 'schema ' || n.nspname AS name, r.role
  FROM pg_catalog.pg_namespace n
 CROSS JOIN unnest($1::text[]) AS r(role)
 WHERE n.nspname = $2
   AND (pg_catalog.has_schema_privilege(r.role, n.oid, 'USAGE')
        OR pg_catalog.has_schema_privilege(r.role, n.oid, 'CREATE'))
UNION ALL
SELECT n.nspname || '.' || c.relname, r.role
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN unnest($1::text[]) AS r(role)
 WHERE n.nspname = $2
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND pg_catalog.has_table_privilege(
         r.role, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
UNION ALL
SELECT n.nspname || '.' || c.relname, r.role
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN unnest($1::text[]) AS r(role)
 WHERE n.nspname = $2
   AND c.relkind = 'S'
   AND pg_catalog.has_sequence_privilege(r.role, c.oid, 'USAGE, SELECT, UPDATE')
UNION ALL
SELECT n.nspname || '.' || p.proname
       || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', r.role
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 CROSS JOIN unnest($1::text[]) AS r(role)
 WHERE n.nspname = $2
   AND pg_catalog.has_function_privilege(r.role, p.oid, 'EXECUTE')
"""


async def advisor_findings(conn: asyncpg.Connection) -> set[tuple[str, str]]:
    """Every finding of the checks above, as (check, object[ for role])."""
    roles = list(API_ROLES)
    found: set[tuple[str, str]] = set()
    for row in await conn.fetch(MUTABLE_SEARCH_PATH):
        found.add(("function_search_path_mutable", row["name"]))
    for row in await conn.fetch(DEFINER_FUNCTIONS_REACHABLE, roles):
        found.add(("security_definer_function_reachable", f"{row['name']} for {row['role']}"))
    for row in await conn.fetch(OWNER_RIGHTS_VIEWS_REACHABLE, roles):
        found.add(("security_definer_view", f"{row['name']} for {row['role']}"))
    for row in await conn.fetch(TABLES_WITHOUT_RLS, list(EXPOSED_SCHEMAS)):
        found.add(("rls_disabled_in_public", row["name"]))
    for row in await conn.fetch(SERVICE_SCHEMA_GRANTS, roles, SERVICE_SCHEMA):
        found.add(("api_role_grant", f"{row['name']} for {row['role']}"))
    return found


@pytest.fixture
async def before(supabase_unmigrated_dsn: str) -> AsyncIterator[set[tuple[str, str]]]:
    """The Advisor's findings on the project before the service was installed."""
    conn = await asyncpg.connect(supabase_unmigrated_dsn)
    try:
        yield await advisor_findings(conn)
    finally:
        await conn.close()


async def test_migrate_and_the_runtime_role_add_no_advisor_finding(
    before: set[tuple[str, str]], supabase_dsn: str
) -> None:
    """After `migrate` and `docs/sql/service_role.sql`, the Advisor finds nothing it did not
    find before: every function of the service fixes its search_path, no SECURITY DEFINER
    function or owner-rights view is reachable by anon or authenticated, no table without RLS
    is added to an exposed schema, and the API roles hold nothing in `bot`."""
    conn = await asyncpg.connect(supabase_dsn)
    try:
        await create_runtime_role(conn)
        after = await advisor_findings(conn)
        service_functions = await conn.fetch(
            "SELECT p.oid::regprocedure::text AS name, p.proconfig FROM pg_catalog.pg_proc p "
            "WHERE p.pronamespace = 'bot'::regnamespace"
        )
    finally:
        await conn.close()
    assert after - before == set()
    # The checks saw the service's functions: each one, message_photos included, runs with an
    # empty search_path.
    names = {row["name"] for row in service_functions}
    assert {
        "bot.message_photos(uuid[])",
        "bot.set_typing(uuid,uuid,boolean,timestamp with time zone,text,timestamp with time zone)",
    } <= names
    assert all('search_path=""' in (row["proconfig"] or []) for row in service_functions), [
        (row["name"], row["proconfig"]) for row in service_functions
    ]


async def test_the_checks_find_what_they_look_for(supabase_dsn: str) -> None:
    """Each check reports an object made to break it, so a clean result means something."""
    conn = await asyncpg.connect(supabase_dsn)
    try:
        clean = await advisor_findings(conn)
        # A throw-away database: these stay.
        await conn.execute(
            """
            CREATE FUNCTION bot.loose() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION public.open_door() RETURNS int LANGUAGE sql SECURITY DEFINER
                SET search_path = '' AS 'SELECT 1';
            CREATE VIEW public.peek AS SELECT 1 AS one;
            CREATE TABLE public.naked (id int);
            GRANT SELECT ON bot.conversations TO authenticated;
            """
        )
        broken = await advisor_findings(conn)
        new = broken - clean
    finally:
        await conn.close()
    assert ("function_search_path_mutable", "bot.loose()") in new
    assert ("security_definer_function_reachable", "public.open_door() for anon") in new
    assert ("security_definer_view", "public.peek for authenticated") in new
    assert ("rls_disabled_in_public", "public.naked") in new
    assert ("api_role_grant", "bot.conversations for authenticated") in new
