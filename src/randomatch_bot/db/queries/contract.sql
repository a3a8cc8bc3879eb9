-- name: app_table_columns
-- Every column of the app's tables that exist, with its type as PostgreSQL prints it.
SELECT c.relname AS table_name, a.attname AS column_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE n.nspname = 'public' AND c.relname = ANY (:tables::text[]) AND c.relkind IN ('r', 'p');

-- name: app_table_unique_keys
-- The column sets of the valid, total, plain unique indexes (primary keys included).
SELECT c.relname AS table_name,
       ARRAY(SELECT a.attname::text
               FROM unnest(i.indkey::int2[]) AS k (attnum)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      ) AS columns
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relname = ANY (:tables::text[])
   AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL;

-- name: app_table_access
-- Whether the migrating role sees every row of each app table: the triggers it installs run
-- with its rights (SECURITY DEFINER), so under row-level security it must own the table
-- (without FORCE) or bypass RLS, and it must be able to read the columns the triggers use.
SELECT c.relname AS table_name,
       c.relrowsecurity
         AND NOT (r.rolsuper OR r.rolbypassrls)
         AND (c.relforcerowsecurity OR NOT pg_catalog.pg_has_role(c.relowner, 'MEMBER'))
         AS rls_hides_rows,
       pg_catalog.has_table_privilege(c.oid, 'SELECT') AS can_select
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_roles r ON r.rolname = current_user
 WHERE n.nspname = 'public' AND c.relname = ANY (:tables::text[]) AND c.relkind IN ('r', 'p');

-- name: equivalent_index
-- A valid btree index on `schema.table` whose leading key columns are `columns` in that order (any
-- direction, no predicate): it serves the same look-ups as the index a migration would build.
SELECT ic.relname AS index_name
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
 WHERE n.nspname = :schema AND c.relname = :table AND i.indisvalid AND i.indpred IS NULL
   AND am.amname = 'btree'
   AND (SELECT array_agg(a.attname::text ORDER BY k.ord)
          FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, ord)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
         WHERE k.ord <= cardinality(:columns::text[])) = :columns::text[]
 LIMIT 1;

-- name: invalid_index
-- An index left invalid by an interrupted CREATE INDEX CONCURRENTLY, to drop before retrying.
SELECT 1
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
 WHERE n.nspname = :schema AND ic.relname = :name AND NOT i.indisvalid;

-- name: existing_roles
-- Which of these roles exist in the cluster.
SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname = ANY (:roles::text[]);
