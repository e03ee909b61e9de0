// Remembers webhook delivery ids so a replayed delivery (same X-GitHub-Delivery, e.g. a
// captured request sent again, or GitHub's own redelivery) is handled at most once.
// Signatures are checked before this runs, so only genuine deliveries fill the memory.
// Replicas sharing a control database use its table instead (src/approval/pg-delivery-guard.ts).
export interface DeliveryGuard {
  /** True the first time an id is seen; false for a replay. May throw (fail closed). */
  firstTime(id: string): boolean | Promise<boolean>;
}

export class MemoryDeliveryGuard implements DeliveryGuard {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly capacity = 50_000,
    private readonly ttlMs = 7 * 24 * 3600_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time an id is seen (within the ttl); false for a replay. */
  firstTime(id: string): boolean {
    const t = this.now();
    const at = this.#seen.get(id);
    if (at !== undefined && t - at < this.ttlMs) return false;
    this.#seen.delete(id);
    this.#seen.set(id, t);
    // Map keeps insertion order: the first key is the oldest.
    while (this.#seen.size > this.capacity) {
      const oldest = this.#seen.keys().next().value;
      if (oldest === undefined) break;
      this.#seen.delete(oldest);
    }
    return true;
  }
}
