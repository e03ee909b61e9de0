// The fallback store: one JSON record per line in a file (.sluice/audit.jsonl), opened in
// append mode. Used when there is no control database; Sluice warns at start because a
// file on the proxy's disk is easier to lose or rewrite than a database table.
// One writer per file: two proxies appending to the same file would fork the chain.
import { createReadStream } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BatchQueue } from './batch-queue.js';
import { ChainVerifier, sealRecord, type ChainHead } from './audit-chain.js';
import type {
  AuditEvent,
  AuditListFilter,
  AuditLog,
  AuditRecord,
  AuditVerifyResult,
} from './audit-types.js';
import { matchesFilter, TailBuffer } from './filter-records.js';

export interface FileAuditLogOptions {
  /** Open for reading only (the CLI): never creates or writes the file. */
  readOnly?: boolean;
  /** fdatasync after each batch (default true): an acknowledged event survives a crash. */
  sync?: boolean;
  now?: () => Date;
}

type Line = { lineNo: number; text: string };

export class FileAuditLog implements AuditLog {
  readonly kind = 'file' as const;
  private readonly queue: BatchQueue<AuditEvent, AuditRecord>;

  private constructor(
    readonly location: string,
    private handle: FileHandle | undefined,
    private head: ChainHead | null,
    private readonly opts: FileAuditLogOptions,
  ) {
    this.queue = new BatchQueue((events) => this.write(events));
  }

  static async open(file: string, opts: FileAuditLogOptions = {}): Promise<FileAuditLog> {
    const location = path.resolve(file);
    if (opts.readOnly) {
      await stat(location); // a missing file is an error for readers: say so early
      return new FileAuditLog(location, undefined, null, opts);
    }
    await mkdir(path.dirname(location), { recursive: true });
    const handle = await open(location, 'a', 0o600);
    const log = new FileAuditLog(location, handle, null, opts);
    log.head = await log.findHead();
    return log;
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    if (!this.handle)
      return Promise.reject(new Error(`audit log ${this.location} is open read-only`));
    return this.queue.push(event);
  }

  async list(filter: AuditListFilter = {}): Promise<AuditRecord[]> {
    const tail = new TailBuffer<AuditRecord>(filter.limit);
    for await (const { text } of this.lines()) {
      const r = parse(text);
      if (r && matchesFilter(r, filter)) tail.push(r);
    }
    return tail.items();
  }

  async get(seq: number): Promise<AuditRecord | undefined> {
    for await (const { text } of this.lines()) {
      const r = parse(text);
      if (r?.seq === seq) return r;
    }
    return undefined;
  }

  async verify(): Promise<AuditVerifyResult> {
    await this.queue.idle();
    const v = new ChainVerifier();
    for await (const { lineNo, text } of this.lines()) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        v.fail(`line ${lineNo} is not valid JSON`);
        break;
      }
      const broken = v.push(value);
      if (broken) {
        broken.reason = `line ${lineNo}: ${broken.reason}`;
        break;
      }
    }
    const result = v.result();
    if (result.ok && !(await this.endsWithNewline())) {
      v.fail('the last line is incomplete (a torn write)');
      return v.result();
    }
    return result;
  }

  async close(): Promise<void> {
    await this.queue.idle();
    await this.handle?.close();
    this.handle = undefined;
  }

  private async write(events: AuditEvent[]): Promise<AuditRecord[]> {
    const handle = this.handle;
    if (!handle) throw new Error(`audit log ${this.location} is closed`);
    const now = this.opts.now ?? (() => new Date());
    let head = this.head;
    const records = events.map((e) => {
      const r = sealRecord(head, e, now());
      head = { seq: r.seq, hash: r.hash };
      return r;
    });
    const text = records.map((r) => JSON.stringify(r) + '\n').join('');
    // One write call per batch: with O_APPEND the whole batch lands contiguously.
    await handle.write(text);
    if (this.opts.sync ?? true) await handle.datasync();
    this.head = head;
    return records;
  }

  /** The last readable record: new records chain from it. */
  private async findHead(): Promise<ChainHead | null> {
    let head: ChainHead | null = null;
    for await (const { text } of this.lines()) {
      const r = parse(text);
      if (r) head = { seq: r.seq, hash: r.hash };
    }
    return head;
  }

  private async *lines(): AsyncGenerator<Line> {
    const stream = createReadStream(this.location, { encoding: 'utf8' });
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const text of rl) {
        lineNo++;
        if (text.trim() === '') continue;
        yield { lineNo, text };
      }
    } finally {
      rl.close();
      stream.destroy();
    }
  }

  private async endsWithNewline(): Promise<boolean> {
    const fh = await open(this.location, 'r');
    try {
      const { size } = await fh.stat();
      if (size === 0) return true;
      const buf = Buffer.alloc(1);
      await fh.read(buf, 0, 1, size - 1);
      return buf[0] === 0x0a;
    } finally {
      await fh.close();
    }
  }
}

function parse(text: string): AuditRecord | undefined {
  try {
    const v = JSON.parse(text) as AuditRecord;
    return typeof v === 'object' && v !== null && typeof v.seq === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
