// The session's prepared statements ('S') and portals/cursors ('P'), tracked so that what
// a name runs is never underestimated, even when the server silently skipped a message.
//
// PostgreSQL skips every extended-protocol message after an error until Sync, and the
// rest of a simple Query after a failing statement. So a Close/DEALLOCATE followed by a
// new Parse/PREPARE of the same name may not have happened, and the name may still run
// the old statement. The rule that keeps this fail-closed:
//  - within one batch (up to Sync, or one Query message), changes are certain relative
//    to each other: a later message only runs if the earlier ones succeeded;
//  - across batches, a name may hold any statement a batch gave it until the server
//    confirms that batch (ReadyForQuery with no ErrorResponse before it), so lookups
//    merge all candidates, the most restrictive wins;
//  - changes made by statements run through a portal (e.g. PREPARE sent with Parse) are
//    only ever added as candidates, never confirmed, because the gate sees Bind and
//    Execute separately and cannot know the Execute happened.
// Without the server hooks (readyForQuery/serverError) nothing is ever confirmed: the
// session stays correct, only more conservative when names are reused.
import type { Classification } from './types.js';

export type Space = 'S' | 'P';

export interface Entry {
  /** Stateless classification of the text the name holds. */
  classification: Classification;
  sql: string;
  /** A cursor declared WITH HOLD survives COMMIT. */
  holdable: boolean;
}

interface Item {
  entry: Entry | null;
  seq: number;
}

interface Change {
  /** True when the change started from the settled state (additive only). */
  inherit: boolean;
  items: (Entry | null)[];
}

interface Segment {
  seq: number;
  changes: Map<string, Change>;
  cleared: Set<Space>;
  closed: boolean;
  failed: boolean;
  expected: number;
  received: number;
}

const MAX_UNRESOLVED = 256;
const MAX_CANDIDATES = 32;

export class SessionNames {
  private readonly history = new Map<string, Item[]>();
  private readonly fifo: Segment[] = [];
  private open: Segment | undefined;
  private seq = 0;
  /** Lost track of which ReadyForQuery belongs to which batch: confirm nothing again. */
  private desynced = false;
  private startupSeen = false;

  /** Every statement the name may hold now; empty when unknown. */
  lookup(space: Space, name: string): Entry[] {
    const key = space + name;
    const open = this.open;
    const change = open?.changes.get(key);
    if (!change) return open?.cleared.has(space) ? [] : this.settled(key);
    const own = present(change.items);
    if (!change.inherit) return own.length <= 1 ? own : dedupe(own);
    return dedupe([...(open!.cleared.has(space) ? [] : this.settled(key)), ...own]);
  }

  /** What the history says the name may hold (the hot path: one candidate). */
  private settled(key: string): Entry[] {
    const items = this.history.get(key);
    if (!items) return [];
    if (items.length === 1) {
      const e = items[0]!.entry;
      return e ? [e] : [];
    }
    return dedupe(present(items.map((i) => i.entry)));
  }

  /** A certain change in the current batch (Parse, Bind, Close, simple-Query effects). */
  set(space: Space, name: string, entries: Entry[] | null): void {
    const seg = this.segment();
    seg.changes.set(space + name, {
      inherit: false,
      items: entries === null ? [null] : [...entries],
    });
  }

  /** A possible change (statement run through a portal): adds candidates, removes nothing. */
  add(space: Space, name: string, entry: Entry): void {
    const seg = this.segment();
    const key = space + name;
    const change = seg.changes.get(key) ?? { inherit: true, items: [] };
    const same = (e: Entry | null): boolean =>
      e !== null && e.sql === entry.sql && e.classification.class === entry.classification.class;
    if (!change.items.some(same)) change.items.push(entry);
    seg.changes.set(key, change);
  }

  /** Removes every name of a space (DISCARD ALL, DEALLOCATE ALL, CLOSE ALL). */
  clear(space: Space, keep: (e: Entry) => boolean = () => false): void {
    const seg = this.segment();
    const names = new Set<string>();
    for (const k of this.history.keys()) if (k.startsWith(space)) names.add(k.slice(1));
    for (const k of seg.changes.keys()) if (k.startsWith(space)) names.add(k.slice(1));
    const survivors = new Map<string, Entry[]>();
    for (const n of names) {
      const kept = this.lookup(space, n).filter(keep);
      if (kept.length > 0) survivors.set(n, kept);
    }
    for (const k of [...seg.changes.keys()]) if (k.startsWith(space)) seg.changes.delete(k);
    seg.cleared.add(space);
    for (const [n, kept] of survivors) this.set(space, n, kept);
  }

  /** One more ReadyForQuery expected for the current batch (a Query inside it). */
  expectReady(): void {
    this.segment().expected++;
  }

  /** Ends the current batch (Sync, or the end of a simple Query outside a batch). */
  closeBatch(): void {
    const seg = this.segment();
    seg.expected++;
    seg.closed = true;
    this.open = undefined;
    this.fold(seg);
  }

  get inBatch(): boolean {
    return this.open !== undefined;
  }

  /**
   * An ErrorResponse belongs to the oldest unconfirmed batch, but every batch not yet
   * confirmed is marked: if the proxy ever sent the server something we did not see, the
   * error may belong to a later batch, and confirming a failed batch would be unsafe.
   */
  serverError(): void {
    for (const seg of this.fifo) seg.failed = true;
  }

  readyForQuery(): void {
    // The first ReadyForQuery ends the start-up, before any batch of ours.
    if (!this.startupSeen) {
      this.startupSeen = true;
      return;
    }
    const head = this.fifo[0];
    if (!head) return;
    head.received++;
    if (!head.closed) return;
    if (head.failed || head.received >= head.expected) {
      this.fifo.shift();
      if (!head.failed && !this.desynced) this.confirm(head);
    }
  }

  private segment(): Segment {
    if (!this.open) {
      this.open = {
        seq: ++this.seq,
        changes: new Map(),
        cleared: new Set(),
        closed: false,
        failed: false,
        expected: 0,
        received: 0,
      };
      this.fifo.push(this.open);
      if (this.fifo.length > MAX_UNRESOLVED) {
        this.fifo.shift();
        this.desynced = true;
      }
    }
    return this.open;
  }

  /** Adds a closed batch's outcome to the history as possibilities. */
  private fold(seg: Segment): void {
    for (const space of seg.cleared) {
      for (const [k, items] of this.history) {
        if (k.startsWith(space) && !seg.changes.has(k)) items.push({ entry: null, seq: seg.seq });
      }
    }
    for (const [key, change] of seg.changes) {
      const items = this.history.get(key) ?? [];
      for (const e of change.items) items.push({ entry: e, seq: seg.seq });
      this.history.set(key, compact(items));
    }
  }

  /** The server ran the whole batch: its certain changes replace what came before. */
  private confirm(seg: Segment): void {
    const certain = new Set<string>();
    for (const [key, change] of seg.changes) if (!change.inherit) certain.add(key);
    for (const [key, items] of this.history) {
      if (!certain.has(key) && !seg.cleared.has(key[0] as Space)) continue;
      const rest = items.filter((i) => i.seq >= seg.seq);
      if (rest.some((i) => i.entry !== null)) this.history.set(key, rest);
      else this.history.delete(key);
    }
  }
}

function present(entries: (Entry | null)[]): Entry[] {
  const out: Entry[] = [];
  for (const e of entries) if (e) out.push(e);
  return out;
}

/** Same text, same class: one candidate (a portal classified at Bind and at Execute). */
function dedupe(entries: Entry[]): Entry[] {
  const out: Entry[] = [];
  for (const e of entries) {
    if (
      !out.some(
        (o) => o === e || (o.sql === e.sql && o.classification.class === e.classification.class),
      )
    ) {
      out.push(e);
    }
  }
  return out;
}

/** Bounds memory when nothing is ever confirmed: keeps the newest candidates, merged upstream. */
function compact(items: Item[]): Item[] {
  if (items.length <= MAX_CANDIDATES) return items;
  // Dropping a candidate would under-estimate the name; collapsing is done by keeping the
  // most restrictive entries, which is what a lookup would return anyway.
  const byRank = [...items].filter((i) => i.entry).sort((a, b) => rank(b) - rank(a));
  return byRank.slice(0, MAX_CANDIDATES);
}

const RANK = { read: 0, session: 1, write: 2, invalid: 3, forbidden: 4 } as const;
function rank(i: Item): number {
  return i.entry ? RANK[i.entry.classification.class] : -1;
}
