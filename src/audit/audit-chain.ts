// The chain rules, shared by every store: record N carries the hash of record N-1, and its
// own hash covers all of its fields including that link. Editing a record changes its hash;
// deleting or reordering records breaks a seq or a link.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { AuditBreak, AuditEvent, AuditRecord } from './audit-types.js';

export const GENESIS_HASH = '0'.repeat(64);

export type UnsealedRecord = Omit<AuditRecord, 'hash'>;

export function hashRecord(record: UnsealedRecord): string {
  const body = {
    seq: record.seq,
    ts: record.ts,
    type: record.type,
    actor: record.actor,
    requestId: record.requestId,
    data: record.data,
    prevHash: record.prevHash,
  };
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Builds the next record after `head` (null: the log is empty). */
export function sealRecord(head: ChainHead | null, event: AuditEvent, at: Date): AuditRecord {
  // Normalise data through canonical JSON once, so what is hashed is exactly what any
  // store hands back later (no undefined members, toJSON applied).
  const data = JSON.parse(canonicalJson(event.data ?? {})) as Record<string, unknown>;
  const unsealed: UnsealedRecord = {
    seq: head ? head.seq + 1 : 1,
    ts: at.toISOString(),
    type: event.type,
    actor: event.actor,
    requestId: event.requestId ?? null,
    data,
    prevHash: head ? head.hash : GENESIS_HASH,
  };
  return { ...unsealed, hash: hashRecord(unsealed) };
}

/**
 * Checks records one at a time in stored order. `push` returns the first break and
 * keeps returning it; `result` summarises.
 */
export class ChainVerifier {
  private count = 0;
  private head: ChainHead | null = null;
  private broken: AuditBreak | undefined;

  push(record: unknown): AuditBreak | undefined {
    if (this.broken) return this.broken;
    const position = this.count + 1;
    const problem = this.check(record);
    if (problem) {
      const seq = isObject(record) && typeof record.seq === 'number' ? record.seq : null;
      this.broken = { position, seq, reason: problem };
      return this.broken;
    }
    const r = record as AuditRecord;
    this.count = position;
    this.head = { seq: r.seq, hash: r.hash };
    return undefined;
  }

  /** A break that is not a record (unparseable line, truncated write). */
  fail(reason: string, seq: number | null = null): AuditBreak {
    this.broken ??= { position: this.count + 1, seq, reason };
    return this.broken;
  }

  result():
    | { ok: true; count: number; head: ChainHead | null }
    | { ok: false; count: number; broken: AuditBreak } {
    if (this.broken) return { ok: false, count: this.count, broken: this.broken };
    return { ok: true, count: this.count, head: this.head };
  }

  private check(record: unknown): string | undefined {
    if (!isRecordShape(record)) return 'not a well-formed audit record';
    const expectedSeq = this.head ? this.head.seq + 1 : 1;
    if (record.seq !== expectedSeq) {
      return record.seq > expectedSeq
        ? `seq ${record.seq} follows seq ${expectedSeq - 1}: record(s) ${expectedSeq}..${record.seq - 1} are missing`
        : `seq ${record.seq} out of order after seq ${expectedSeq - 1}: records were reordered or duplicated`;
    }
    const expectedPrev = this.head ? this.head.hash : GENESIS_HASH;
    if (record.prevHash !== expectedPrev) {
      return 'prev_hash does not match the previous record: a record before it was replaced';
    }
    if (hashRecord(record) !== record.hash) {
      return 'hash does not match the record’s contents: the record was edited';
    }
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isRecordShape(v: unknown): v is AuditRecord {
  return (
    isObject(v) &&
    Number.isSafeInteger(v.seq) &&
    typeof v.ts === 'string' &&
    // Any type name is accepted: a newer Sluice may log types this one does not know.
    typeof v.type === 'string' &&
    typeof v.actor === 'string' &&
    (v.requestId === null || typeof v.requestId === 'string') &&
    isObject(v.data) &&
    typeof v.prevHash === 'string' &&
    typeof v.hash === 'string'
  );
}
