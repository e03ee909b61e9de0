// Running one corpus statement on a real PostgreSQL and reporting its SQLSTATE: as is,
// or as a probe inside a READ ONLY transaction (or savepoint) that is always undone.
import type pg from 'pg';

export interface RunOutcome {
  /** SQLSTATE of the error, or undefined on success. */
  code?: string;
  message?: string;
}

/** COPY ... FROM STDIN with the script's data lines (node-pg alone would refuse the copy). */
class CopyIn {
  readonly done: Promise<RunOutcome>;
  private finish!: (o: RunOutcome) => void;
  private error: RunOutcome | undefined;

  constructor(
    readonly text: string,
    private readonly data: string,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: {
    sendCopyFromChunk(b: Buffer): void;
    endCopyFrom(): void;
  }): void {
    if (this.data.length > 0) connection.sendCopyFromChunk(Buffer.from(this.data, 'utf8'));
    connection.endCopyFrom();
  }

  /** node-pg forgets the active query on ErrorResponse: settle now (the next query waits for ReadyForQuery anyway). */
  handleError(err: { code?: string; message?: string }): void {
    this.error ??= { code: err.code ?? 'XX000', message: err.message ?? '' };
    this.finish(this.error);
  }

  handleReadyForQuery(): void {
    this.finish(this.error ?? {});
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCommandComplete(): void {}
  handleCopyData(): void {}
}

/** Client-side watchdog: a statement the server's own timeouts failed to stop. */
const WATCHDOG_MS = 30_000;

export class StuckError extends Error {}

export async function run(client: pg.Client, sql: string, copyData?: string): Promise<RunOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      (
        client as unknown as { connection: { stream: { destroy(): void } } }
      ).connection.stream.destroy();
      reject(new StuckError(`no answer after ${WATCHDOG_MS} ms: ${sql.slice(0, 80)}`));
    }, WATCHDOG_MS);
  });
  try {
    return await Promise.race([execute(client, sql, copyData), watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

async function execute(client: pg.Client, sql: string, copyData?: string): Promise<RunOutcome> {
  try {
    if (copyData !== undefined) {
      const q = new CopyIn(sql, copyData);
      client.query(q as unknown as pg.QueryConfig);
      return await q.done;
    }
    await client.query(sql);
    return {};
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { code: e.code ?? 'XX000', message: e.message ?? String(err) };
  }
}

/**
 * Runs `sql` where PostgreSQL refuses writes, then undoes everything it did. Outside a
 * transaction: BEGIN READ ONLY ... ROLLBACK. Inside the script's own transaction: a
 * savepoint with transaction_read_only on, rolled back to. Returns undefined when no
 * probe is possible (the script's transaction has already failed).
 */
export async function probeReadOnly(
  client: pg.Client,
  sql: string,
  copyData?: string,
): Promise<RunOutcome | undefined> {
  const status = (
    client as unknown as { getTransactionStatus(): string | null }
  ).getTransactionStatus();
  if (status === 'E') return undefined;
  if (status === 'T') {
    const setup = await run(
      client,
      'SAVEPOINT sluice_oracle_probe; SET LOCAL transaction_read_only = on',
    );
    if (setup.code) return undefined;
    const outcome = await run(client, sql, copyData);
    await run(client, 'ROLLBACK TO SAVEPOINT sluice_oracle_probe');
    await run(client, 'RELEASE SAVEPOINT sluice_oracle_probe');
    return outcome;
  }
  const begin = await run(client, 'BEGIN READ ONLY');
  if (begin.code) return undefined;
  const outcome = await run(client, sql, copyData);
  await run(client, 'ROLLBACK');
  return outcome;
}

export function transactionStatus(client: pg.Client): string {
  return (
    (client as unknown as { getTransactionStatus(): string | null }).getTransactionStatus() ?? 'I'
  );
}
