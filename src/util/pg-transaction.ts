// One transaction on a pooled connection, shared by the control database's writers (the
// audit chain and the replicas' shared requests).
import type pg from 'pg';

/** Runs `fn` between BEGIN and COMMIT; on failure rolls back and rethrows. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let failed: unknown;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    failed = err;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A connection that failed mid-transaction is not reused.
    client.release(failed instanceof Error ? failed : undefined);
  }
}
