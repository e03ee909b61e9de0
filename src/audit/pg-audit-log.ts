// The durable store: `sluice.audit` in the control database. Appends are serialised twice:
// in-process by a batch queue, and across processes by a transaction-scoped advisory lock
// taken before reading the chain head, so two proxies sharing a control database still
// produce one unbroken chain.
import type pg from 'pg';
import { inTransaction } from '../util/pg-transaction.js';
import { BatchQueue } from './batch-queue.js';
import { ChainVerifier, sealRecord, type ChainHead } from './audit-chain.js';
import type {
  AuditEvent,
  AuditListFilter,
  AuditLog,
  AuditRecord,
  AuditVerifyResult,
} from './audit-types.js';
import { LOCK_AUDIT_APPEND, SCHEMA_LOCK_CLASS } from './control-schema.js';

const PAGE = 1000;

interface Row {
  seq: string;
  ts: Date;
  type: string;
  actor: string;
  request_id: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, ts, type, actor, request_id, data, prev_hash, hash';

export class PgAuditLog implements AuditLog {
  readonly kind = 'postgres' as const;
  private readonly queue: BatchQueue<AuditEvent, AuditRecord>;

  /** The schema must exist (ensureControlSchema). The pool stays the caller's. */
  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.queue = new BatchQueue((events) => this.write(events));
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    return this.queue.push(event);
  }

  async list(filter: AuditListFilter = {}): Promise<AuditRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.since) {
      args.push(filter.since);
      where.push(`ts >= $${args.length}`);
    }
    if (filter.requestId !== undefined) {
      args.push(filter.requestId);
      where.push(`request_id = $${args.length}`);
    }
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    let sql = `SELECT ${COLUMNS} FROM sluice.audit ${cond} ORDER BY seq`;
    if (filter.limit !== undefined) {
      args.push(filter.limit);
      sql = `SELECT * FROM (SELECT ${COLUMNS} FROM sluice.audit ${cond} ORDER BY seq DESC LIMIT $${args.length}) t ORDER BY seq`;
    }
    const { rows } = await this.pool.query<Row>(sql, args);
    return rows.map(toRecord);
  }

  async get(seq: number): Promise<AuditRecord | undefined> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM sluice.audit WHERE seq = $1`,
      [seq],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async verify(): Promise<AuditVerifyResult> {
    await this.queue.idle();
    const v = new ChainVerifier();
    // Keyset pages in seq order: the verifier sees the chain exactly as stored.
    let after = '0';
    for (;;) {
      const { rows } = await this.pool.query<Row>(
        `SELECT ${COLUMNS} FROM sluice.audit WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
        [after],
      );
      for (const row of rows) {
        let record: unknown;
        try {
          record = toRecord(row);
        } catch {
          v.fail('the data column is not valid JSON', Number(row.seq));
          return v.result();
        }
        if (v.push(record)) return v.result();
      }
      if (rows.length < PAGE) return v.result();
      after = rows[rows.length - 1]!.seq;
    }
  }

  async close(): Promise<void> {
    await this.queue.idle();
  }

  /**
   * Appends inside the caller's open transaction on `client`: the records commit or roll
   * back with it (a decision and its audit record are one commit across replicas). Holds
   * the append lock until that transaction ends.
   */
  async appendWithin(client: pg.ClientBase, events: AuditEvent[]): Promise<AuditRecord[]> {
    if (events.length === 0) return [];
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [
      SCHEMA_LOCK_CLASS,
      LOCK_AUDIT_APPEND,
    ]);
    const last = await client.query<{ seq: string; hash: string }>(
      'SELECT seq, hash FROM sluice.audit ORDER BY seq DESC LIMIT 1',
    );
    let head: ChainHead | null = last.rows[0]
      ? { seq: Number(last.rows[0].seq), hash: last.rows[0].hash }
      : null;
    const records: AuditRecord[] = [];
    for (const e of events) {
      const r = sealRecord(head, e, this.now());
      head = { seq: r.seq, hash: r.hash };
      records.push(r);
    }
    const values: unknown[] = [];
    const tuples = records.map((r) => {
      const base = values.length;
      values.push(
        r.seq,
        r.ts,
        r.type,
        r.actor,
        r.requestId,
        JSON.stringify(r.data),
        r.prevHash,
        r.hash,
      );
      return `(${Array.from({ length: 8 }, (_, i) => `$${base + i + 1}`).join(', ')})`;
    });
    await client.query(`INSERT INTO sluice.audit (${COLUMNS}) VALUES ${tuples.join(', ')}`, values);
    return records;
  }

  private async write(events: AuditEvent[]): Promise<AuditRecord[]> {
    return inTransaction(this.pool, (client) => this.appendWithin(client, events));
  }
}

function toRecord(row: Row): AuditRecord {
  return {
    seq: Number(row.seq),
    ts: row.ts.toISOString(),
    type: row.type as AuditRecord['type'],
    actor: row.actor,
    requestId: row.request_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
