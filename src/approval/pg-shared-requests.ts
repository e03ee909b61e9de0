// Replica coordination through the control database: a lease row per replica
// (sluice.replicas), request rows carrying their holder (owner), row locks for every
// decision, and LISTEN/NOTIFY to wake the holder. A dedicated connection listens; when it
// reconnects, and at every heartbeat, the broker re-checks what it holds (a notification
// sent while nobody listened is never lost for good).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { Logger } from '../util/log.js';
import { inTransaction } from '../util/pg-transaction.js';
import type { AuditEvent } from '../audit/audit-types.js';
import type { PgAuditLog } from '../audit/pg-audit-log.js';
import type {
  ClaimResult,
  ReplicaHooks,
  SharedRequests,
  SharedRow,
  SharedStep,
} from './shared-requests.js';
import type { ApprovalRequest } from './types.js';

export const WAKE_CHANNEL = 'sluice_requests';
export const DEFAULT_LEASE_MS = 15_000;

export interface PgSharedOptions {
  pool: pg.Pool;
  audit: PgAuditLog;
  /** For the LISTEN connection (a pool connection cannot stay listening). */
  connectionString: string;
  logger: Logger;
  /** How long a replica stays alive without a heartbeat (default 15 s); beats every third. */
  leaseMs?: number;
}

const ROW_SQL = `
SELECT r.body, r.owner, r.released_at IS NOT NULL AS released,
       COALESCE(p.expires_at > clock_timestamp(), false) AS owner_alive
  FROM sluice.requests r LEFT JOIN sluice.replicas p ON p.id = r.owner
 WHERE r.id = $1`;

interface RowData {
  body: string;
  owner: string | null;
  released: boolean;
  owner_alive: boolean;
}

function newReplicaId(): string {
  return `${hostname().slice(0, 32)}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export class PgSharedRequests implements SharedRequests {
  replicaId = newReplicaId();
  private readonly leaseMs: number;
  private hooks: ReplicaHooks | undefined;
  private listener: pg.Client | undefined;
  private beat: NodeJS.Timeout | undefined;
  private registered = false;
  /** Our own clock's view of when the lease runs out: past it, we stop trusting it. */
  private leaseUntil = 0;
  private closed = false;

  constructor(private readonly o: PgSharedOptions) {
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  }

  async start(hooks: ReplicaHooks): Promise<void> {
    this.hooks = hooks;
    await this.register();
    await this.listen();
    this.beat = setInterval(() => void this.heartbeat(), Math.max(50, this.leaseMs / 3));
    this.beat.unref();
  }

  async insert(request: ApprovalRequest, events: AuditEvent[]): Promise<void> {
    await this.inTransaction(async (client) => {
      const res = await client.query(
        `INSERT INTO sluice.requests (id, status, created_at, expires_at, body, owner)
         SELECT $1, $2, $3, $4, $5, $6
          WHERE EXISTS (SELECT 1 FROM sluice.replicas
                         WHERE id = $6 AND expires_at > clock_timestamp())`,
        [
          request.id,
          request.status,
          request.createdAt,
          request.expiresAt,
          JSON.stringify(request),
          this.replicaId,
        ],
      );
      // Fail closed: a replica without a lease holds nothing (others would reap it).
      if (res.rowCount !== 1)
        throw new Error('this Sluice replica has no lease on the control database');
      await this.o.audit.appendWithin(client, events);
    });
  }

  transact<T>(id: string, step: (row: SharedRow | undefined) => SharedStep<T>): Promise<T> {
    return this.inTransaction(async (client) => {
      const { rows } = await client.query<RowData>(`${ROW_SQL} FOR UPDATE OF r`, [id]);
      const row = rows[0] && this.toRow(rows[0]);
      const s = step(row);
      if (s.events?.length) await this.o.audit.appendWithin(client, s.events);
      if (s.next && row) {
        const release = s.release === true && row.mine;
        await client.query(
          `UPDATE sluice.requests SET status = $2, expires_at = $3, body = $4, updated_at = now()
           ${release ? ', released_at = clock_timestamp()' : ''} WHERE id = $1`,
          [id, s.next.status, s.next.expiresAt, JSON.stringify(s.next)],
        );
        // Wake the holder when the status moved and it is another replica; delivered at commit.
        if (s.next.status !== row.request.status && row.owner && row.owner !== this.replicaId) {
          await client.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, `${row.owner} ${id}`]);
        }
      }
      return s.value;
    });
  }

  async claim(id: string): Promise<ClaimResult> {
    const { rows } = await this.o.pool.query<{ body: string }>(
      `UPDATE sluice.requests r SET released_at = clock_timestamp(), updated_at = now()
        WHERE r.id = $1 AND r.status = 'approved' AND r.released_at IS NULL AND r.owner = $2
          AND EXISTS (SELECT 1 FROM sluice.replicas p
                       WHERE p.id = $2 AND p.expires_at > clock_timestamp())
       RETURNING r.body`,
      [id, this.replicaId],
    );
    if (rows[0]) return { ok: true, request: JSON.parse(rows[0].body) as ApprovalRequest };
    const cur = await this.o.pool.query<RowData>(ROW_SQL, [id]);
    return { ok: false, row: cur.rows[0] && this.toRow(cur.rows[0]) };
  }

  async orphans(): Promise<string[]> {
    const { rows } = await this.o.pool.query<{ id: string }>(
      `SELECT r.id FROM sluice.requests r LEFT JOIN sluice.replicas p ON p.id = r.owner
        WHERE r.status IN ('pending', 'approved')
          AND (p.id IS NULL OR p.expires_at <= clock_timestamp())
        ORDER BY r.created_at`,
    );
    return rows.map((r) => r.id);
  }

  async changed(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.o.pool.query<{ id: string }>(
      `SELECT id FROM sluice.requests WHERE id = ANY($1) AND status <> 'pending'`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  async ownApproved(): Promise<string[]> {
    const { rows } = await this.o.pool.query<{ id: string }>(
      `SELECT id FROM sluice.requests WHERE owner = $1 AND status = 'approved' AND released_at IS NULL`,
      [this.replicaId],
    );
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.beat) clearInterval(this.beat);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    if (this.registered) {
      await this.o.pool
        .query(
          `UPDATE sluice.replicas SET expires_at = least(expires_at, clock_timestamp()) WHERE id = $1`,
          [this.replicaId],
        )
        .catch((err: unknown) => this.o.logger.warn({ err }, 'could not end the replica lease'));
    }
  }

  private toRow(r: RowData): SharedRow {
    return {
      request: JSON.parse(r.body) as ApprovalRequest,
      owner: r.owner,
      ownerAlive: r.owner_alive,
      mine: r.owner === this.replicaId && r.owner_alive,
      released: r.released,
    };
  }

  private inTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.o.pool, fn);
  }

  /** A lease under `id`; the replica answers to it only once the lease exists. */
  private async register(id = this.replicaId): Promise<void> {
    const started = Date.now();
    await this.o.pool.query(
      `INSERT INTO sluice.replicas (id, heartbeat_at, expires_at, info)
       VALUES ($1, now(), clock_timestamp() + $2 * interval '1 millisecond', $3)`,
      [id, this.leaseMs, `pid ${process.pid}`],
    );
    this.replicaId = id;
    this.registered = true;
    this.leaseUntil = started + this.leaseMs;
  }

  private async heartbeat(): Promise<void> {
    if (this.closed) return;
    const started = Date.now();
    try {
      if (!this.registered) {
        // A new id: whatever the old one held is the others' to close.
        await this.register(newReplicaId());
      } else {
        // Only a live lease is renewed: once expired, others may have reaped its requests.
        const res = await this.o.pool.query(
          `UPDATE sluice.replicas SET heartbeat_at = now(),
                  expires_at = clock_timestamp() + $2 * interval '1 millisecond'
            WHERE id = $1 AND expires_at > clock_timestamp()`,
          [this.replicaId, this.leaseMs],
        );
        if (res.rowCount !== 1) {
          this.loseLease('the lease expired before it was renewed');
          return;
        }
        this.leaseUntil = started + this.leaseMs;
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'replica heartbeat failed');
      if (Date.now() >= this.leaseUntil) this.loseLease('the control database is unreachable');
      return;
    }
    this.hooks?.tick();
  }

  private loseLease(why: string): void {
    if (!this.registered) return;
    this.o.logger.error({ replica: this.replicaId, why }, 'replica lease lost');
    this.registered = false;
    this.hooks?.leaseLost();
    // Serve again under a new lease at once (a failure here is retried at the next beat).
    void this.heartbeat();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.connectionString });
    client.on('notification', (m) => {
      const [owner, id] = (m.payload ?? '').split(' ');
      if (owner === this.replicaId && id) this.hooks?.wake(id);
    });
    client.on('error', (err) => this.o.logger.warn({ err }, 'replica listener error'));
    client.on('end', () => {
      if (this.closed || this.listener !== client) return;
      this.listener = undefined;
      this.reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${WAKE_CHANNEL}`);
    this.listener = client;
  }

  private reconnect(): void {
    const t = setTimeout(() => {
      if (this.closed) return;
      this.listen().then(
        () => this.hooks?.tick(),
        (err: unknown) => {
          this.o.logger.warn({ err }, 'replica listener reconnect failed');
          this.reconnect();
        },
      );
    }, 250);
    t.unref();
  }
}
