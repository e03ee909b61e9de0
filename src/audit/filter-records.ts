// List semantics shared by the stores that filter in memory (file, memory).
import type { AuditListFilter, AuditRecord } from './audit-types.js';

export function matchesFilter(record: AuditRecord, filter: AuditListFilter): boolean {
  if (filter.requestId !== undefined && record.requestId !== filter.requestId) return false;
  if (filter.since !== undefined && Date.parse(record.ts) < filter.since.getTime()) return false;
  return true;
}

export function filterRecords(
  records: Iterable<AuditRecord>,
  filter: AuditListFilter,
): AuditRecord[] {
  const tail = new TailBuffer<AuditRecord>(filter.limit);
  for (const r of records) if (matchesFilter(r, filter)) tail.push(r);
  return tail.items();
}

/** Keeps the last `limit` items pushed (all of them without a limit). */
export class TailBuffer<T> {
  private buf: T[] = [];
  constructor(private readonly limit?: number) {}

  push(item: T): void {
    this.buf.push(item);
    // Trim in chunks so a long scan stays linear.
    if (this.limit !== undefined && this.buf.length > this.limit * 2 + 64) {
      this.buf = this.buf.slice(-this.limit);
    }
  }

  items(): T[] {
    if (this.limit === undefined) return this.buf;
    return this.limit === 0 ? [] : this.buf.slice(-this.limit);
  }
}
