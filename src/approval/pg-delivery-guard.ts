// The webhook replay guard shared by every replica: a delivery id (X-GitHub-Delivery) seen
// by any replica sharing the control database is ignored by all. The first INSERT of an id
// wins (a primary key decides, even for two replicas receiving it at the same instant);
// ids older than the retention are pruned now and then.
import type pg from 'pg';
import type { Logger } from '../util/log.js';

export const DELIVERY_RETENTION_MS = 7 * 24 * 3600_000;

export class PgDeliveryGuard {
  private inserts = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    private readonly retentionMs = DELIVERY_RETENTION_MS,
    /** Prune after this many new ids. */
    private readonly pruneEvery = 500,
  ) {}

  /** True the first time any replica sees `id` (within the retention). Throws if unreachable. */
  async firstTime(id: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO sluice.webhook_deliveries (id) VALUES ($1)
       ON CONFLICT (id) DO UPDATE SET seen_at = now()
         WHERE sluice.webhook_deliveries.seen_at < now() - $2 * interval '1 millisecond'
       RETURNING id`,
      [id, this.retentionMs],
    );
    if (rows.length > 0 && ++this.inserts % this.pruneEvery === 0) {
      void this.prune().catch((err: unknown) =>
        this.logger.warn({ err }, 'pruning webhook delivery ids failed'),
      );
    }
    return rows.length > 0;
  }

  /** Forgets ids older than the retention; returns how many. */
  async prune(): Promise<number> {
    const res = await this.pool.query(
      `DELETE FROM sluice.webhook_deliveries WHERE seen_at < now() - $1 * interval '1 millisecond'`,
      [this.retentionMs],
    );
    return res.rowCount ?? 0;
  }
}
