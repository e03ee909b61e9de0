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

/**
 * What one batch did to a name. Never modified once made (add() makes a new one), so the
 * arrays it holds can be handed out by lookup() and stored again by set() without copies:
 * a Bind of a known statement, once per transaction, allocates almost nothing.
 */
interface Change {
  /** True when the change started from the settled state (additive only). */
  readonly inherit: boolean;
  readonly items: readonly (Entry | null)[];
  /** The entries among `items`, deduplicated. */
  readonly own: readonly Entry[];
}

interface Segment {
  seq: number;
  changes: Map<string, Change>;
  /** Spaces emptied by DISCARD / DEALLOCATE ALL / CLOSE ALL (rare, so made on demand). */
  cleared: Set<Space> | null;
  closed: boolean;
  failed: boolean;
  expected: number;
  received: number;
}

const MAX_UNRESOLVED = 256;
const MAX_CANDIDATES = 32;
const MAX_SPARE = 4;

export class SessionNames {
  private readonly history = new Map<string, Item[]>();
  private readonly fifo: Segment[] = [];
  private open: Segment | undefined;
  private seq = 0;
  /** Lost track of which ReadyForQuery belongs to which batch: confirm nothing again. */
  private desynced = false;
  private startupSeen = false;

  /** The latest key made per space: a Bind names the same statement every time. */
  private statementName = '';
  private statementKey = 'S';
  private portalName = '';
  private portalKey = 'P';

  /**
   * The map key of a name. Reusing the string object it made last time saves making a
   * new one and hashing it again in every map it is looked up in.
   */
  private keyOf(space: Space, name: string): string {
    if (space === 'S') {
      if (name !== this.statementName) {
        this.statementName = name;
        this.statementKey = 'S' + name;
      }
      return this.statementKey;
    }
    if (name !== this.portalName) {
      this.portalName = name;
      this.portalKey = 'P' + name;
    }
    return this.portalKey;
  }

  /** Every statement the name may hold now; empty when unknown. Never modify it. */
  lookup(space: Space, name: string): readonly Entry[] {
    const key = this.keyOf(space, name);
    const open = this.open;
    const change = open?.changes.get(key);
    const cleared = open?.cleared?.has(space) ?? false;
    if (!change) return cleared ? NONE : this.settled(key);
    if (!change.inherit) return change.own;
    return dedupe([...(cleared ? NONE : this.settled(key)), ...change.own]);
  }

  /** What the history says the name may hold (the hot path: one candidate). */
  private settled(key: string): readonly Entry[] {
    const items = this.history.get(key);
    if (!items) return NONE;
    if (items.length === 1) {
      const e = items[0]!.entry;
      return e ? alone(e) : NONE;
    }
    return dedupe(present(items.map((i) => i.entry)));
  }

  /** A certain change in the current batch (Parse, Bind, Close, simple-Query effects). */
  set(space: Space, name: string, entries: readonly Entry[] | null): void {
    const key = this.keyOf(space, name);
    if (entries !== null && entries.length === 1 && this.holdsOnly(space, key, entries[0]!)) {
      // The name can hold nothing but this very entry, and this batch has not touched it:
      // setting it again ends in the same state whether or not the batch runs (a Bind of
      // the unnamed portal to the statement it was bound to before, each transaction).
      return;
    }
    const seg = this.segment();
    seg.changes.set(key, changeOf(false, entries === null ? REMOVED : entries));
  }

  /**
   * Whether every batch seen so far leaves `key` holding exactly `entry`, and the open
   * batch has neither changed it nor cleared its space. A history of one item means no
   * batch, confirmed or not, gave the name anything else: each change and each clearing
   * adds an item (fold()).
   */
  private holdsOnly(space: Space, key: string, entry: Entry): boolean {
    const open = this.open;
    if (open && (open.changes.has(key) || open.cleared?.has(space))) return false;
    const items = this.history.get(key);
    return items !== undefined && items.length === 1 && items[0]!.entry === entry;
  }

  /** A possible change (statement run through a portal): adds candidates, removes nothing. */
  add(space: Space, name: string, entry: Entry): void {
    const seg = this.segment();
    const key = this.keyOf(space, name);
    const change = seg.changes.get(key) ?? changeOf(true, NONE);
    const same = (e: Entry | null): boolean =>
      e !== null && e.sql === entry.sql && e.classification.class === entry.classification.class;
    if (!change.items.some(same))
      seg.changes.set(key, changeOf(change.inherit, [...change.items, entry]));
    else seg.changes.set(key, change);
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
    (seg.cleared ??= new Set()).add(space);
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
      this.recycle(head);
    }
  }

  /** Finished segments are reused: one batch per transaction need not cost a new Map. */
  private readonly spare: Segment[] = [];

  private recycle(seg: Segment): void {
    if (this.spare.length >= MAX_SPARE) return;
    // Map.clear() allocates a new table even when the map is empty (most batches are).
    if (seg.changes.size > 0) seg.changes.clear();
    seg.cleared = null;
    this.spare.push(seg);
  }

  private segment(): Segment {
    if (!this.open) {
      const seg = this.spare.pop();
      if (seg) {
        seg.seq = ++this.seq;
        seg.closed = false;
        seg.failed = false;
        seg.expected = 0;
        seg.received = 0;
        this.open = seg;
      } else {
        this.open = {
          seq: ++this.seq,
          changes: new Map(),
          cleared: null,
          closed: false,
          failed: false,
          expected: 0,
          received: 0,
        };
      }
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
    // Most batches change no name: nothing to add (and no iterators to make).
    if (seg.changes.size === 0 && !seg.cleared) return;
    for (const space of seg.cleared ?? NONE) {
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
    if (seg.changes.size === 0 && !seg.cleared) return;
    for (const [key, change] of seg.changes) if (!change.inherit) this.settle(key, seg.seq);
    if (seg.cleared) {
      for (const key of [...this.history.keys()]) {
        const change = seg.changes.get(key);
        // Names with a certain change were settled above.
        if (seg.cleared.has(key[0] as Space) && (!change || change.inherit))
          this.settle(key, seg.seq);
      }
    }
  }

  /** Drops what a name held before batch `seq`; forgets the name if nothing is left. */
  private settle(key: string, seq: number): void {
    const items = this.history.get(key);
    if (!items) return;
    // In place: history arrays are never handed out.
    let kept = 0;
    let any = false;
    for (const i of items) {
      if (i.seq < seq) continue;
      items[kept++] = i;
      if (i.entry !== null) any = true;
    }
    items.length = kept;
    if (!any) this.history.delete(key);
  }
}

const NONE: readonly never[] = Object.freeze([]);
const REMOVED: readonly null[] = Object.freeze([null]);

function changeOf(inherit: boolean, items: readonly (Entry | null)[]): Change {
  const own = present(items);
  return { inherit, items, own: own.length <= 1 ? own : dedupe(own) };
}

/** One shared single-entry list per entry: the common lookup result, made once. */
const singles = new WeakMap<Entry, readonly Entry[]>();
function alone(e: Entry): readonly Entry[] {
  let list = singles.get(e);
  if (!list) singles.set(e, (list = Object.freeze([e])));
  return list;
}

function present(entries: readonly (Entry | null)[]): readonly Entry[] {
  if (entries.length === 1) return entries[0] ? alone(entries[0]) : NONE;
  const out: Entry[] = [];
  for (const e of entries) if (e) out.push(e);
  return out;
}

/** Same text, same class: one candidate (a portal classified at Bind and at Execute). */
function dedupe(entries: readonly Entry[]): Entry[] {
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
