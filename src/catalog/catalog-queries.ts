// The SQL the catalog loader runs. Kept to what PostgreSQL 15 through 18 all have
// (prosqlbody is 14+), and bounded: each query takes a LIMIT so that a database with a
// huge number of objects costs at most `limit + 1` rows per kind, and long texts are
// measured in SQL and left out (a NULL with their length) instead of being fetched.
//
// "User objects" are those with an OID of FirstNormalObjectId (16384) or more, outside
// other sessions' temporary schemas: what initdb made is what the static rules know.
// $1 is the row limit, $2 the longest text (bytes) kept.

/** Schemas left out: other sessions' temporary objects (and their TOAST schemas). */
const NOT_TEMP = `n.nspname !~ '^pg_(toast_)?temp_'`;

/** A type's name as 'schema.name', the same spelling everywhere in the snapshot. */
const typeName = (oid: string) =>
  `(SELECT tn.nspname || '.' || ty.typname FROM pg_type ty
     JOIN pg_namespace tn ON tn.oid = ty.typnamespace WHERE ty.oid = ${oid})`;

/** Text bounded by $2: NULL when longer, with its length beside it. */
const bounded = (expr: string, alias: string) =>
  `CASE WHEN octet_length(${expr}) <= $2 THEN ${expr} END AS ${alias},
   octet_length(${expr}) AS ${alias}_bytes`;

export const RELATIONS_SQL = `
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
       c.relrowsecurity AS row_security, c.relhastriggers AS has_triggers,
       ARRAY(SELECT a.attname::text FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY a.attnum) AS columns,
       ${bounded(`CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END`, 'view_def')}
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid >= 16384 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c') AND ${NOT_TEMP}
 ORDER BY c.oid LIMIT $1`;

export const RULES_SQL = `
SELECT r.ev_class::int8 AS relid, r.rulename AS name, r.ev_type::text AS ev_type,
       ${bounded('pg_get_ruledef(r.oid)', 'definition')}
  FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE r.ev_class >= 16384 AND r.rulename <> '_RETURN' AND ${NOT_TEMP}
 ORDER BY r.oid LIMIT $1`;

export const POLICIES_SQL = `
SELECT p.polrelid::int8 AS relid, p.polname AS name, p.polcmd::text AS cmd,
       ${bounded('pg_get_expr(p.polqual, p.polrelid)', 'using_expr')},
       ${bounded('pg_get_expr(p.polwithcheck, p.polrelid)', 'check_expr')}
  FROM pg_policy p
 WHERE p.polrelid >= 16384
 ORDER BY p.oid LIMIT $1`;

// Array types are left out: their I/O is array_in/array_out over the element type, which
// is itself in the snapshot. Table row types are kept (kind composite): a row literal
// runs its columns' input functions.
export const TYPES_SQL = `
SELECT t.oid::int8 AS oid, n.nspname AS schema, t.typname AS name, t.typtype::text AS typtype,
       CASE WHEN t.typtype = 'd' THEN ${typeName('t.typbasetype')} END AS base_type,
       ARRAY(SELECT regexp_replace(regexp_replace(pg_get_constraintdef(k.oid),
                      '^CHECK \\s*', ''), '\\s+NOT VALID$', '')
              FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'
              ORDER BY k.oid) AS checks,
       ARRAY(SELECT f::int8 FROM unnest(ARRAY[
               t.typinput::oid, t.typoutput::oid, t.typreceive::oid, t.typsend::oid,
               t.typmodin::oid, t.typmodout::oid,
               (SELECT r.rngcanonical::oid FROM pg_range r WHERE r.rngtypid = t.oid),
               (SELECT r.rngsubdiff::oid FROM pg_range r WHERE r.rngtypid = t.oid)]) f
              WHERE f IS NOT NULL AND f <> 0) AS io_functions,
       CASE WHEN t.typtype = 'c' THEN ARRAY(
         SELECT ${typeName('a.atttypid')} FROM pg_attribute a
          WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attnum) END AS attribute_types,
       CASE t.typtype
         WHEN 'r' THEN (SELECT ${typeName('r.rngsubtype')} FROM pg_range r WHERE r.rngtypid = t.oid)
         WHEN 'm' THEN (SELECT ${typeName('r.rngtypid')} FROM pg_range r WHERE r.rngmultitypid = t.oid)
       END AS subtype
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE t.oid >= 16384 AND (t.typcategory <> 'A' OR t.typtype = 'd') AND ${NOT_TEMP}
 ORDER BY t.oid LIMIT $1`;

export const CASTS_SQL = `
SELECT ${typeName('c.castsource')} AS source, ${typeName('c.casttarget')} AS target,
       NULLIF(c.castfunc, 0)::int8 AS func, c.castmethod::text AS method,
       c.castcontext::text AS context
  FROM pg_cast c
 WHERE c.oid >= 16384
 ORDER BY c.oid LIMIT $1`;

export const OPERATORS_SQL = `
SELECT o.oid::int8 AS oid, n.nspname AS schema, o.oprname AS name,
       CASE WHEN o.oprleft <> 0 THEN ${typeName('o.oprleft')} END AS left_type,
       CASE WHEN o.oprright <> 0 THEN ${typeName('o.oprright')} END AS right_type,
       o.oprcode::oid::int8 AS func
  FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
 WHERE o.oid >= 16384 AND ${NOT_TEMP}
 ORDER BY o.oid LIMIT $1`;

// A SQL function written with BEGIN ATOMIC / RETURN keeps its body in prosqlbody (prosrc
// is empty then): pg_get_function_sqlbody decompiles it.
export const FUNCTIONS_SQL = `
SELECT p.oid::int8 AS oid, n.nspname AS schema, p.proname AS name, p.prokind::text AS prokind,
       l.lanname AS language,
       ${bounded('CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) ELSE p.prosrc END', 'body')},
       p.provolatile::text AS volatility, p.prosecdef AS security_definer,
       pg_get_userbyid(p.proowner) AS owner,
       ARRAY(SELECT ${typeName('a.t')} FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, i)
              ORDER BY a.i) AS arg_types,
       p.pronargdefaults AS defaults, p.provariadic <> 0 AS variadic,
       ${typeName('p.prorettype')} AS return_type,
       ${bounded('pg_get_expr(p.proargdefaults, 0)', 'arg_defaults')}
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
 WHERE p.oid >= 16384 AND ${NOT_TEMP}
 ORDER BY p.oid LIMIT $1`;

export const SEARCH_PATH_SQL = `SELECT current_database() AS database, current_schemas(true)::text[] AS path`;

// The change check: one hash over the identity (OID) and version (xmin: a new tuple is
// written by every CREATE, CREATE OR REPLACE, ALTER, GRANT, COMMENT) of every user row in
// the catalogs the snapshot reads. A DROP removes rows, which changes the hash as well.
// Other sessions' temporary objects are left out, as in the snapshot. (A VACUUM FREEZE of
// a catalog changes xmin too: one needless reload, never a missed change.) The rows are
// summed as 64-bit hashes, with their count, rather than sorted and concatenated: no sort
// and no long string, for the same answer to "did anything change".
export const FINGERPRINT_SQL = `
SELECT sum(hashtextextended(k, 0))::text AS fingerprint, count(*)::int8 AS rows FROM (
  SELECT 'n' || n.oid || ':' || n.xmin FROM pg_namespace n WHERE n.oid >= 16384 AND ${NOT_TEMP}
  UNION ALL
  SELECT 'c' || c.oid || ':' || c.xmin FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid >= 16384 AND ${NOT_TEMP}
  UNION ALL
  SELECT 'a' || a.attrelid || '.' || a.attnum || ':' || a.xmin FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE a.attrelid >= 16384 AND a.attnum > 0 AND ${NOT_TEMP}
  UNION ALL
  SELECT 'p' || p.oid || ':' || p.xmin FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE p.oid >= 16384 AND ${NOT_TEMP}
  UNION ALL
  SELECT 't' || t.oid || ':' || t.xmin FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE t.oid >= 16384 AND ${NOT_TEMP}
  UNION ALL
  SELECT 'k' || c.oid || ':' || c.xmin FROM pg_cast c WHERE c.oid >= 16384
  UNION ALL
  SELECT 'o' || o.oid || ':' || o.xmin FROM pg_operator o WHERE o.oid >= 16384
  UNION ALL
  SELECT 'r' || r.oid || ':' || r.xmin FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE r.oid >= 16384 AND ${NOT_TEMP}
  UNION ALL
  SELECT 'y' || p.oid || ':' || p.xmin FROM pg_policy p WHERE p.oid >= 16384
  UNION ALL
  SELECT 'x' || k.oid || ':' || k.xmin FROM pg_constraint k
    JOIN pg_namespace n ON n.oid = k.connamespace WHERE k.oid >= 16384 AND ${NOT_TEMP}
) s(k)`;
