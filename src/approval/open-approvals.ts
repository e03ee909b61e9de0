// One call for the proxy: picks the control database (SLUICE_CONTROL_URL) or the files in
// the state folder, opens the audit log and the request store side by side and builds the
// broker. The caller then subscribes its channels and calls `broker.recover()` before
// accepting connections, so channels hear about requests a previous process left behind.
// With a control database the broker is a replica: it takes a lease at once, and any
// number of replicas may share the database (src/approval/replica-broker.ts).
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
import { PgSharedRequests } from './pg-shared-requests.js';
import { ReplicaBroker } from './replica-broker.js';
import { PgDeliveryGuard } from './pg-delivery-guard.js';
import type { RecoverResult } from './recover-requests.js';
import type { ApprovalBroker } from './types.js';

export interface OpenApprovalsOptions {
  /** postgres:// URL of the control database. Without it: JSONL files in `stateDir`. */
  controlUrl?: string;
  /** The state folder (.sluice): audit.jsonl and requests.jsonl live here in file mode. */
  stateDir: string;
  logger: Logger;
  now?: () => Date;
  /** Replica lease with a control database (default 15 s; env SLUICE_REPLICA_LEASE_MS in the CLI). */
  leaseMs?: number;
  /** Request ids (tests that must know them in advance); default: random. */
  idFactory?: () => string;
}

/** What the proxy needs of either broker. */
export interface ProxyBroker extends ApprovalBroker {
  recover(): Promise<RecoverResult>;
  close(): Promise<void>;
  pendingCount(): number;
}

export interface Approvals {
  /**
   * With a control database: a ReplicaBroker (any replica sharing it may decide, the
   * holder releases). Without: the single-process Broker over the state folder's files.
   */
  broker: ProxyBroker;
  /** The shared webhook replay guard (control database only). */
  deliveryGuard?: PgDeliveryGuard;
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
    const pgAudit = new PgAuditLog(pool, redactUrl(opts.controlUrl), opts.now);
    const pgStore = new PgRequestStore(pool);
    const shared = new PgSharedRequests({
      pool,
      audit: pgAudit,
      connectionString: opts.controlUrl,
      logger: opts.logger,
      ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    });
    const broker = new ReplicaBroker({
      store: pgStore,
      shared,
      logger: opts.logger,
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.idFactory ? { idFactory: opts.idFactory } : {}),
    });
    try {
      await broker.start();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return {
      broker,
      audit: pgAudit,
      store: pgStore,
      deliveryGuard: new PgDeliveryGuard(pool, opts.logger),
      warnings,
      async close() {
        await broker.close();
        await pgAudit.close();
        await pool.end();
      },
    };
  }

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
  const audit: AuditLog = fileAudit;
  const store: RequestStore = fileStore;
  const broker = new Broker({
    store,
    audit,
    logger: opts.logger,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.idFactory ? { idFactory: opts.idFactory } : {}),
  });
  return {
    broker,
    audit,
    store,
    warnings,
    async close() {
      await broker.close();
      await fileStore.close();
      await fileAudit.close();
    },
  };
}
