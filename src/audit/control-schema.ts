// The `sluice` schema in the control database. Created idempotently at start, under an
// advisory lock so two proxies starting together do not race on CREATE.
import type pg from 'pg';

/** Advisory lock keys: (SCHEMA_LOCK_CLASS, n). 0x736c7563 spells 'sluc'. */
export const SCHEMA_LOCK_CLASS = 0x736c7563;
export const LOCK_SCHEMA = 1;
export const LOCK_AUDIT_APPEND = 2;

const AUDIT_DDL = `
CREATE SCHEMA IF NOT EXISTS sluice;
CREATE TABLE IF NOT EXISTS sluice.audit (
  seq        bigint PRIMARY KEY,
  ts         timestamptz NOT NULL,
  type       text NOT NULL,
  actor      text NOT NULL,
  request_id text,
  -- Canonical JSON exactly as hashed (text, not jsonb, so nothing is renormalised).
  data       text NOT NULL,
  prev_hash  text NOT NULL,
  hash       text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_request_id_idx ON sluice.audit (request_id);
CREATE INDEX IF NOT EXISTS audit_ts_idx ON sluice.audit (ts);
-- Defence in depth: ordinary UPDATE/DELETE/TRUNCATE is refused. A superuser can still
-- get around it; the hash chain is what detects that.
CREATE OR REPLACE FUNCTION sluice.audit_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'sluice.audit is append-only' USING ERRCODE = '42501';
END $$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_append_only_rows'
                 AND tgrelid = 'sluice.audit'::regclass) THEN
    CREATE TRIGGER audit_append_only_rows BEFORE UPDATE OR DELETE ON sluice.audit
      FOR EACH ROW EXECUTE FUNCTION sluice.audit_append_only();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_append_only_truncate'
                 AND tgrelid = 'sluice.audit'::regclass) THEN
    CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON sluice.audit
      FOR EACH STATEMENT EXECUTE FUNCTION sluice.audit_append_only();
  END IF;
END $$;
`;

const REQUESTS_DDL = `
CREATE SCHEMA IF NOT EXISTS sluice;
CREATE TABLE IF NOT EXISTS sluice.requests (
  id         text PRIMARY KEY,
  status     text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The whole ApprovalRequest as JSON text (text keeps any parameter value storable).
  body       text NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_status_created_idx ON sluice.requests (status, created_at DESC);
-- Replicas sharing this database (docs: README "Running several replicas"): each request
-- is held by one replica (owner) while it lives; released_at is set once, by that owner,
-- just before the statement is sent (the "released once" fence).
ALTER TABLE sluice.requests ADD COLUMN IF NOT EXISTS owner text;
ALTER TABLE sluice.requests ADD COLUMN IF NOT EXISTS released_at timestamptz;
CREATE INDEX IF NOT EXISTS requests_open_owner_idx ON sluice.requests (owner)
  WHERE status IN ('pending', 'approved');
CREATE TABLE IF NOT EXISTS sluice.replicas (
  id           text PRIMARY KEY,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL,
  -- Never moved forward once passed: an expired lease is dead for good.
  expires_at   timestamptz NOT NULL,
  info         text NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS sluice.webhook_deliveries (
  id      text PRIMARY KEY,
  seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_seen_idx ON sluice.webhook_deliveries (seen_at);
`;

/** Creates the audit table (and the requests table unless `auditOnly`). Idempotent. */
export async function ensureControlSchema(
  pool: pg.Pool,
  opts: { auditOnly?: boolean } = {},
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [SCHEMA_LOCK_CLASS, LOCK_SCHEMA]);
    await client.query(AUDIT_DDL);
    if (!opts.auditOnly) await client.query(REQUESTS_DDL);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** postgres://user:***@host/db — for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable control URL)';
  }
}
