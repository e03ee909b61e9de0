// The catalog snapshots of the upstream server, one per database (keyed by name), each
// read on first use on a side connection made from the upstream URL's credentials with
// that database, refreshed after DDL released through Sluice, and checked periodically
// for DDL that bypassed it. A catalog that cannot be read leaves the static rules in
// charge: the catalog only ever makes a verdict stricter, except the one case the
// judge opens (a user SQL function proved read-only), which needs a fresh snapshot.
import { silentLogger, type Logger } from '../util/log.js';
import type { CatalogCheck } from '../proxy/catalog-check.js';
import { CLASS_RANK, Flag, type Classification, type ClassifierOptions } from '../sql/types.js';
import type { CatalogLimits } from './catalog-loader.js';
import type { CatalogSnapshot } from './catalog-types.js';
import { CatalogEntry, type CatalogEntryStatus } from './catalog-entry.js';
import { touchesUserObjects } from './touches-user-objects.js';
import { createsSessionObjects, mayChangeCatalog } from './may-change-catalog.js';
import { canonicalOptions } from '../sql/classify.js';

/** judgeWithCatalog's signature (src/sql/catalog-judge.ts). */
export type CatalogJudge = (
  c: Classification,
  catalog: CatalogSnapshot,
  opts?: ClassifierOptions,
) => Classification;

export interface CatalogRegistryOptions {
  /** The upstream URL as configured; each database's side connection swaps in its name. */
  upstreamUrl: string;
  judge: CatalogJudge;
  /** The periodic change check (default 10 s; 0: none). */
  checkIntervalMs?: number;
  /** How long a statement waits for a loading or stale snapshot (default 2 s). */
  maxWaitMs?: number;
  limits?: CatalogLimits;
  /** Databases with a snapshot at most (default 64); others are judged statically. */
  maxDatabases?: number;
  logger?: Logger;
}

export interface CatalogStatus {
  enabled: true;
  databases: Record<string, CatalogEntryStatus>;
}

export class CatalogRegistry {
  private readonly entries = new Map<string, CatalogEntry>();
  private readonly log: Logger;
  private readonly maxWaitMs: number;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private overflowLogged = false;

  constructor(private readonly opts: CatalogRegistryOptions) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'catalog' });
    this.maxWaitMs = opts.maxWaitMs ?? 2000;
    const every = opts.checkIntervalMs ?? 10_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.checkAll(), every);
      this.timer.unref();
    }
  }

  /** The catalog of one database, as a session on it uses it. Starts its load. */
  forDatabase(database: string, opts: ClassifierOptions = {}): CatalogCheck {
    const entry = this.entry(database);
    if (!entry) return STATIC;
    entry.ensureStarted();
    // One shared options object per option set: the judge caches its work per object.
    const shared = canonicalOptions(opts);
    // The session's latest judgement: an application sends the same statement again and
    // again, and the proxy hands over the very same verdict object each time (a repeated
    // Query's template, a prepared statement's portal), so with the same fresh snapshot the
    // answer is the same object: one comparison instead of the judge's lookups.
    let lastIn: Classification | undefined;
    let lastOut: Classification | undefined;
    let lastSnapshot: CatalogSnapshot | undefined;
    return {
      judge: (c) => {
        const fresh = entry.fresh;
        if (c === lastIn && fresh !== undefined && fresh === lastSnapshot) return lastOut!;
        const out = this.judge(entry, c, shared);
        if (fresh !== undefined && !(out instanceof Promise)) {
          lastIn = c;
          lastOut = out;
          lastSnapshot = fresh;
        }
        return out;
      },
      judgeUnseen,
      mayChange: mayChangeCatalog,
      sessionObjects: createsSessionObjects,
      changed: () => entry.markStale(),
    };
  }

  /** A DDL statement released through Sluice has completed on `database`. */
  markStale(database: string): void {
    this.entries.get(database)?.markStale();
  }

  /**
   * Runs the change check now (one database, or all) and resolves when any reload it
   * caused is done: what the timer does every interval.
   */
  async checkNow(database?: string): Promise<void> {
    if (database !== undefined) return this.entries.get(database)?.check();
    await Promise.all([...this.entries.values()].map((e) => e.check()));
  }

  /** Loads (or waits for) one database's snapshot; for the CLI and tests. */
  async settle(database: string): Promise<CatalogSnapshot | undefined> {
    const entry = this.entry(database);
    if (!entry) return undefined;
    entry.ensureStarted();
    await entry.settle();
    return entry.fresh;
  }

  status(): CatalogStatus {
    const databases: Record<string, CatalogEntryStatus> = {};
    for (const [name, e] of this.entries) databases[name] = e.status();
    return { enabled: true, databases };
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private entry(database: string): CatalogEntry | undefined {
    let e = this.entries.get(database);
    if (e) return e;
    if (this.entries.size >= (this.opts.maxDatabases ?? 64)) {
      if (!this.overflowLogged)
        this.log.warn({ database }, 'too many databases for catalog snapshots: static rules only');
      this.overflowLogged = true;
      return undefined;
    }
    e = new CatalogEntry(
      database,
      urlFor(this.opts.upstreamUrl, database),
      this.opts.limits ?? {},
      this.log,
    );
    this.entries.set(database, e);
    return e;
  }

  private checkAll(): Promise<void> {
    this.checking ??= this.checkNow()
      .catch((err: unknown) => this.log.error({ err }, 'catalog change check failed'))
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private judge(
    entry: CatalogEntry,
    c: Classification,
    opts: ClassifierOptions,
  ): Classification | Promise<Classification> {
    const fresh = entry.fresh;
    if (fresh) return this.apply(c, fresh, opts);
    // Unreadable now: what the last snapshot knew still holds a statement (a view it saw
    // calling a writer stays held through an outage), it just never lowers one.
    if (entry.state === 'unavailable') return this.floor(entry, c, opts);
    // Refused anyway, or naming nothing a user could define: the static verdict stands.
    if (c.class === 'invalid' || c.class === 'forbidden' || !touchesUserObjects(c)) return c;
    return this.waitAndJudge(entry, c, opts);
  }

  private async waitAndJudge(
    entry: CatalogEntry,
    c: Classification,
    opts: ClassifierOptions,
  ): Promise<Classification> {
    entry.ensureStarted();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      entry.settle(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.maxWaitMs))),
    ]);
    clearTimeout(timer);
    const fresh = entry.fresh;
    if (fresh) return this.apply(c, fresh, opts);
    // No fresh snapshot in time: the static verdict, or what the old snapshot says when
    // that is stricter (it may know a view the static rules cannot see into); the old
    // snapshot never lowers a verdict.
    return this.floor(entry, c, opts);
  }

  /** The static verdict, or the last snapshot's when that is stricter; never lower. */
  private floor(entry: CatalogEntry, c: Classification, opts: ClassifierOptions): Classification {
    const old = entry.snapshot;
    if (!old) return c;
    const j = this.apply(c, old, opts);
    return CLASS_RANK[j.class] >= CLASS_RANK[c.class] ? j : c;
  }

  private apply(c: Classification, snap: CatalogSnapshot, opts: ClassifierOptions): Classification {
    try {
      return this.opts.judge(c, snap, opts);
    } catch (err) {
      // Fail closed: a verdict the catalog could not judge is held, never waved through.
      this.log.error({ err, database: snap.database }, 'catalog judgement failed');
      return failedJudgement(c);
    }
  }
}

/** For databases past the limit: static rules, nothing to refresh. */
const STATIC: CatalogCheck = {
  judge: (c) => c,
  judgeUnseen: (c) => c,
  mayChange: () => false,
  sessionObjects: () => false,
  changed: () => {},
};

/** See CatalogCheck.judgeUnseen. */
function judgeUnseen(c: Classification): Classification {
  if (CLASS_RANK[c.class] >= CLASS_RANK.write || !touchesUserObjects(c)) return c;
  return escalate(
    c,
    'this session sees catalog objects the snapshot cannot (its change in a transaction still open, or its temporary objects), so what the statement names cannot be checked',
  );
}

/** The upstream URL with another database: same host, credentials and TLS settings. */
export function urlFor(upstreamUrl: string, database: string): string {
  const u = new URL(upstreamUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

function failedJudgement(c: Classification): Classification {
  if (CLASS_RANK[c.class] >= CLASS_RANK.write) return c;
  return escalate(c, 'the catalog check of this statement failed, so it may write');
}

/** `c` as a write, with the reason on each statement it raises. */
function escalate(c: Classification, reason: string): Classification {
  return {
    ...c,
    class: 'write',
    statements: c.statements.map((s) =>
      CLASS_RANK[s.class] >= CLASS_RANK.write
        ? s
        : {
            ...s,
            class: 'write',
            flags: s.flags.includes(Flag.unsafeFunction)
              ? s.flags
              : [...s.flags, Flag.unsafeFunction],
            reasons: [...s.reasons, reason],
          },
    ),
  };
}
