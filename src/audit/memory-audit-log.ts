// An in-process audit log: the same chain, kept in an array. For tests and embedding;
// nothing survives the process, so Sluice itself never picks it on its own.
import { ChainVerifier, sealRecord, type ChainHead } from './audit-chain.js';
import type {
  AuditEvent,
  AuditListFilter,
  AuditLog,
  AuditRecord,
  AuditVerifyResult,
} from './audit-types.js';
import { filterRecords } from './filter-records.js';

export class MemoryAuditLog implements AuditLog {
  readonly kind = 'memory' as const;
  readonly location = 'memory';
  /** Exposed so tests can tamper with it. */
  readonly records: AuditRecord[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  async append(event: AuditEvent): Promise<AuditRecord> {
    const last = this.records.at(-1);
    const head: ChainHead | null = last ? { seq: last.seq, hash: last.hash } : null;
    const record = sealRecord(head, event, this.now());
    this.records.push(record);
    return structuredClone(record);
  }

  async list(filter: AuditListFilter = {}): Promise<AuditRecord[]> {
    return filterRecords(this.records, filter).map((r) => structuredClone(r));
  }

  async get(seq: number): Promise<AuditRecord | undefined> {
    const found = this.records.find((r) => r.seq === seq);
    return found && structuredClone(found);
  }

  async verify(): Promise<AuditVerifyResult> {
    const v = new ChainVerifier();
    for (const r of this.records) if (v.push(r)) break;
    return v.result();
  }

  async close(): Promise<void> {}
}
