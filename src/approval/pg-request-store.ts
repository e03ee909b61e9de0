// Requests in `sluice.requests` of the control database, beside `sluice.audit`.
// The schema is created by ensureControlSchema (src/audit/control-schema.ts).
import type pg from 'pg';
import type { RequestListFilter, RequestStore } from './request-store.js';
import type { ApprovalRequest } from './types.js';

export class PgRequestStore implements RequestStore {
  readonly kind = 'postgres' as const;

  /** The pool stays the caller's to end. */
  constructor(private readonly pool: pg.Pool) {}

  async insert(r: ApprovalRequest): Promise<void> {
    await this.pool.query(
      `INSERT INTO sluice.requests (id, status, created_at, expires_at, body) VALUES ($1, $2, $3, $4, $5)`,
      [r.id, r.status, r.createdAt, r.expiresAt, JSON.stringify(r)],
    );
  }

  async update(r: ApprovalRequest): Promise<void> {
    const res = await this.pool.query(
      `UPDATE sluice.requests SET status = $2, expires_at = $3, body = $4, updated_at = now() WHERE id = $1`,
      [r.id, r.status, r.expiresAt, JSON.stringify(r)],
    );
    if (res.rowCount !== 1) throw new Error(`request ${r.id} does not exist`);
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const { rows } = await this.pool.query<{ body: string }>(
      `SELECT body FROM sluice.requests WHERE id = $1`,
      [id],
    );
    return rows[0] ? (JSON.parse(rows[0].body) as ApprovalRequest) : undefined;
  }

  async list(filter: RequestListFilter = {}): Promise<ApprovalRequest[]> {
    const args: unknown[] = [];
    let sql = 'SELECT body FROM sluice.requests';
    if (filter.status !== undefined) {
      args.push(filter.status);
      sql += ` WHERE status = $${args.length}`;
    }
    sql += ' ORDER BY created_at DESC, id DESC';
    if (filter.limit !== undefined) {
      args.push(filter.limit);
      sql += ` LIMIT $${args.length}`;
    }
    const { rows } = await this.pool.query<{ body: string }>(sql, args);
    return rows.map((row) => JSON.parse(row.body) as ApprovalRequest);
  }

  async close(): Promise<void> {}
}
