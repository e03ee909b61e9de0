// Opens the audit log wherever it lives: the control database when a URL is given,
// else the JSONL file. Used by `sluice audit` (read-only) and by openApprovals.
import pg from 'pg';
import { ensureControlSchema, redactUrl } from './control-schema.js';
import { FileAuditLog } from './file-audit-log.js';
import { PgAuditLog } from './pg-audit-log.js';
import type { AuditLog } from './audit-types.js';

export interface OpenAuditLogOptions {
  controlUrl?: string;
  /** JSONL path used when there is no control URL. */
  file: string;
  /** Readers never create the schema or the file. */
  readOnly?: boolean;
}

export interface OpenedAuditLog {
  audit: AuditLog;
  close(): Promise<void>;
}

export async function openAuditLog(opts: OpenAuditLogOptions): Promise<OpenedAuditLog> {
  if (opts.controlUrl) {
    const pool = new pg.Pool({ connectionString: opts.controlUrl, max: 2 });
    // An idle client dropped by the server must not crash the process.
    pool.on('error', () => undefined);
    try {
      if (opts.readOnly) await assertAuditTable(pool);
      else await ensureControlSchema(pool, { auditOnly: true });
    } catch (err) {
      await pool.end();
      throw err;
    }
    const audit = new PgAuditLog(pool, redactUrl(opts.controlUrl));
    return {
      audit,
      async close() {
        await audit.close();
        await pool.end();
      },
    };
  }
  const audit = await FileAuditLog.open(opts.file, { readOnly: opts.readOnly ?? false });
  return { audit, close: () => audit.close() };
}

async function assertAuditTable(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ t: string | null }>(
    `SELECT to_regclass('sluice.audit')::text AS t`,
  );
  if (!rows[0]?.t)
    throw new Error(
      'the control database has no sluice.audit table (has Sluice ever run against it?)',
    );
}
