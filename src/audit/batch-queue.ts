// Serialises appends: one batch in flight at a time, and everything that queued up
// meanwhile goes out together in the next one. Appends stay strictly ordered (the chain
// needs that) while 500 requests held at once cost a handful of writes, not 500.

type Waiter<R> = { resolve(value: R): void; reject(err: unknown): void };

export class BatchQueue<T, R> {
  private queue: { item: T; waiter: Waiter<R> }[] = [];
  private running: Promise<void> | undefined;

  /** `process` gets items in push order and returns one result per item. */
  constructor(
    private readonly process: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 200,
  ) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, waiter: { resolve, reject } });
      this.running ??= this.drain();
    });
  }

  /** Resolves when everything queued so far is written (or failed). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.process(batch.map((b) => b.item));
          batch.forEach((b, i) => b.waiter.resolve(results[i] as R));
        } catch (err) {
          // The whole batch shares one transaction/write: none of it is stored.
          for (const b of batch) b.waiter.reject(err);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
