// One upstream database's snapshot and its freshness. Loads happen on a side connection
// in the background; a DDL seen by Sluice (markStale) or a moved fingerprint (check) make
// the snapshot stale until a refresh that started after the change has finished.
import type { Logger } from '../util/log.js';
import { catalogFingerprint, loadCatalog, type CatalogLimits } from './catalog-loader.js';
import type { CatalogSnapshot } from './catalog-types.js';

export const CatalogState = {
  /** Never asked for yet. */
  absent: 'absent',
  /** The first load is running. */
  loading: 'loading',
  ready: 'ready',
  /** The catalog changed (or may have) since the snapshot: a refresh is due or running. */
  stale: 'stale',
  /** The catalog could not be read: static rules only, retried by the periodic check. */
  unavailable: 'unavailable',
} as const;
export type CatalogState = (typeof CatalogState)[keyof typeof CatalogState];

export interface CatalogEntryStatus {
  state: CatalogState;
  loadedAt: string | null;
  checkedAt: string | null;
  truncated: boolean;
  counts: {
    relations: number;
    types: number;
    functions: number;
    operators: number;
    casts: number;
  } | null;
  lastError: string | null;
}

export class CatalogEntry {
  state: CatalogState = CatalogState.absent;
  /**
   * The latest snapshot read; while stale or unavailable it is the old one, used only to
   * hold (never to open anything).
   */
  snapshot: CatalogSnapshot | undefined;
  private lastError: string | undefined;
  private checkedAt: number | undefined;
  /** Bumped by every change: a refresh that started before the latest one does not count. */
  private generation = 0;
  private refreshing: Promise<void> | undefined;

  constructor(
    readonly database: string,
    private readonly url: string,
    private readonly limits: CatalogLimits,
    private readonly log: Logger,
  ) {}

  /** The snapshot when it may be used as the truth (ready), else undefined. */
  get fresh(): CatalogSnapshot | undefined {
    return this.state === CatalogState.ready ? this.snapshot : undefined;
  }

  /** Starts the first load if none was started (never throws, never rejects). */
  ensureStarted(): void {
    if (this.state === CatalogState.absent) void this.refresh();
  }

  markStale(): void {
    this.generation++;
    if (this.state === CatalogState.ready) this.state = CatalogState.stale;
    // Unavailable stays so (static rules) until a load succeeds; absent/loading: the
    // generation makes a running first load retry.
    void this.refresh();
  }

  /**
   * Resolves once the snapshot is fresh (ready) or known unreadable (unavailable), with
   * every change marked so far taken into account. Never rejects.
   */
  async settle(): Promise<void> {
    for (;;) {
      const s = this.state;
      if (s === CatalogState.ready || s === CatalogState.unavailable) return;
      await this.refresh();
    }
  }

  /**
   * The change check: compares the fingerprint with the snapshot's and reloads when it
   * moved; an unavailable catalog is tried again. Resolves after any reload it started.
   */
  async check(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    switch (this.state) {
      case CatalogState.absent:
        return;
      case CatalogState.loading:
      case CatalogState.stale:
      case CatalogState.unavailable:
        return this.refresh();
      case CatalogState.ready:
        break;
    }
    const generation = this.generation;
    let fingerprint: string;
    try {
      fingerprint = await catalogFingerprint(this.url);
    } catch (err) {
      return this.failed(err);
    }
    this.checkedAt = Date.now();
    if (this.generation !== generation || fingerprint === this.snapshot?.fingerprint) return;
    this.log.info({ database: this.database }, 'catalog changed upstream; reloading the snapshot');
    this.markStale();
    return this.refreshing;
  }

  /** One refresh at a time; callers share the running one. */
  private refresh(): Promise<void> {
    this.refreshing ??= this.reload().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async reload(): Promise<void> {
    for (;;) {
      const generation = this.generation;
      if (this.state === CatalogState.absent) this.state = CatalogState.loading;
      try {
        // After a DDL that changed nothing the snapshot reads (a GRANT elsewhere, an
        // index), the fingerprint is the same: no reload needed.
        const old = this.snapshot;
        const same =
          old !== undefined &&
          this.state === CatalogState.stale &&
          (await catalogFingerprint(this.url)) === old.fingerprint;
        const snapshot = same ? old : await loadCatalog(this.url, this.limits);
        this.checkedAt = Date.now();
        if (this.generation !== generation) continue; // changed meanwhile: read again
        if (this.state === CatalogState.unavailable)
          this.log.warn({ database: this.database }, 'catalog readable again');
        this.snapshot = snapshot;
        this.lastError = undefined;
        this.state = CatalogState.ready;
        if (snapshot.truncated)
          this.log.warn(
            { database: this.database },
            'catalog snapshot truncated (too many objects): unknown names are judged statically',
          );
        return;
      } catch (err) {
        this.failed(err);
        return;
      }
    }
  }

  private failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    // Logged once per outage, not once per retry.
    if (this.state !== CatalogState.unavailable)
      this.log.warn(
        { database: this.database, err: message },
        'cannot read the catalog: classifying with the static rules only',
      );
    this.state = CatalogState.unavailable;
    // The last snapshot is kept as a floor (see CatalogRegistry.floor), never as the truth.
    this.lastError = message;
    this.checkedAt = Date.now();
  }

  status(): CatalogEntryStatus {
    const s = this.snapshot;
    return {
      state: this.state,
      loadedAt: s ? new Date(s.loadedAt).toISOString() : null,
      checkedAt: this.checkedAt !== undefined ? new Date(this.checkedAt).toISOString() : null,
      truncated: s?.truncated ?? false,
      counts: s
        ? {
            relations: s.relations.size,
            types: s.types.size,
            functions: s.functionsByOid.size,
            operators: [...s.operators.values()].reduce((n, l) => n + l.length, 0),
            casts: s.casts.length,
          }
        : null,
      lastError: this.lastError ?? null,
    };
  }
}
