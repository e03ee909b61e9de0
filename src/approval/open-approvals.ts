// One call for the proxy: picks the control database (SLUICE_CONTROL_URL) or the files in
// the state folder, opens the audit log and the request store side by side and builds the
// broker. The caller then subscribes its channels and calls `broker.recover()` before
// accepting connections, so channels hear about requests a previous process left behind.
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../util/log.js';
import type { AuditLog } from '../audit/audit-types.js';
import { ensureControlSchema, redactUrl } from '../audit/control-schema.js';
import { FileAuditLog } from '../audit/file-audit-log.js';
import { PgAuditLog } from '../audit/pg-audit-log.js';
import { Broker } from './broker.js';
import { FileRequestStore } from './file-request-store.js';
import { PgRequestStore } from './pg-request-store.js';
import type { RequestStore } from './request-store.js';

export interface OpenApprovalsOptions {
  /** postgres:// URL of the control database. Without it: JSONL files in `stateDir`. */
  controlUrl?: string;
  /** The state folder (.sluice): audit.jsonl and requests.jsonl live here in file mode. */
  stateDir: string;
  logger: Logger;
  now?: () => Date;
}

export interface Approvals {
  broker: Broker;
  audit: AuditLog;
  store: RequestStore;
  /** Cancels held requests, flushes writes, closes files/pool. */
  close(): Promise<void>;
  /** To print at start (e.g. the file fallback). */
  warnings: string[];
}

export function auditFilePath(stateDir: string): string {
  return path.join(stateDir, 'audit.jsonl');
}

export function requestsFilePath(stateDir: string): string {
  return path.join(stateDir, 'requests.jsonl');
}

export async function openApprovals(opts: OpenApprovalsOptions): Promise<Approvals> {
  const warnings: string[] = [];
  let audit: AuditLog;
  let store: RequestStore;
  let release: () => Promise<void>;

  if (opts.controlUrl) {
    // No silent fallback: with a control URL that does not work, Sluice does not start.
    const pool = new pg.Pool({ connectionString: opts.controlUrl, max: 4 });
    pool.on('error', (err) => opts.logger.error({ err }, 'control database connection lost'));
    try {
      await ensureControlSchema(pool);
    } catch (err) {
      await pool.end();
      throw new Error(`control database ${redactUrl(opts.controlUrl)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    audit = new PgAuditLog(pool, redactUrl(opts.controlUrl), opts.now);
    store = new PgRequestStore(pool);
    release = async () => {
      await audit.close();
      await pool.end();
    };
  } else {
    const auditFile = auditFilePath(opts.stateDir);
    warnings.push(
      `no control database (SLUICE_CONTROL_URL): the audit log and held requests are kept in ${auditFile} ` +
        `and ${requestsFilePath(opts.stateDir)}; a file on the proxy's disk is easier to lose or rewrite than a database table`,
    );
    const fileAudit = await FileAuditLog.open(auditFile, opts.now ? { now: opts.now } : {});
    let fileStore: FileRequestStore;
    try {
      fileStore = await FileRequestStore.open(requestsFilePath(opts.stateDir));
    } catch (err) {
      await fileAudit.close();
      throw err;
    }
    audit = fileAudit;
    store = fileStore;
    release = async () => {
      await fileStore.close();
      await fileAudit.close();
    };
  }

  const broker = new Broker({
    store,
    audit,
    logger: opts.logger,
    ...(opts.now ? { now: opts.now } : {}),
  });
  return {
    broker,
    audit,
    store,
    warnings,
    async close() {
      await broker.close();
      await release();
    },
  };
}
