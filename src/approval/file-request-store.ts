// Requests in a JSONL file beside the audit log (.sluice/requests.jsonl): every change
// appends the request's new state, the last line for an id wins. The file is compacted
// when opened, so it holds one line per request after a restart.
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BatchQueue } from '../audit/batch-queue.js';
import { selectRequests, type RequestListFilter, type RequestStore } from './request-store.js';
import type { ApprovalRequest } from './types.js';

export interface FileRequestStoreOptions {
  /** fdatasync after each batch (default true). */
  sync?: boolean;
}

export class FileRequestStore implements RequestStore {
  readonly kind = 'file' as const;
  private readonly queue: BatchQueue<ApprovalRequest, void>;

  private constructor(
    readonly location: string,
    private handle: FileHandle | undefined,
    private readonly byId: Map<string, ApprovalRequest>,
    private readonly opts: FileRequestStoreOptions,
  ) {
    this.queue = new BatchQueue((items) => this.write(items));
  }

  static async open(file: string, opts: FileRequestStoreOptions = {}): Promise<FileRequestStore> {
    const location = path.resolve(file);
    await mkdir(path.dirname(location), { recursive: true });
    const byId = await load(location);
    // Compact: rewrite one line per request, atomically (temp file + rename).
    const tmp = `${location}.${process.pid}.tmp`;
    await writeFile(tmp, [...byId.values()].map((r) => JSON.stringify(r) + '\n').join(''), {
      mode: 0o600,
    });
    await rename(tmp, location);
    const handle = await open(location, 'a', 0o600);
    return new FileRequestStore(location, handle, byId, opts);
  }

  async insert(request: ApprovalRequest): Promise<void> {
    if (this.byId.has(request.id)) throw new Error(`request ${request.id} already exists`);
    await this.queue.push(structuredClone(request));
  }

  async update(request: ApprovalRequest): Promise<void> {
    if (!this.byId.has(request.id)) throw new Error(`request ${request.id} does not exist`);
    await this.queue.push(structuredClone(request));
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const r = this.byId.get(id);
    return r && structuredClone(r);
  }

  async list(filter?: RequestListFilter): Promise<ApprovalRequest[]> {
    return selectRequests(this.byId.values(), filter);
  }

  async close(): Promise<void> {
    await this.queue.idle();
    await this.handle?.close();
    this.handle = undefined;
  }

  private async write(items: ApprovalRequest[]): Promise<void[]> {
    const handle = this.handle;
    if (!handle) throw new Error(`request store ${this.location} is closed`);
    await handle.write(items.map((r) => JSON.stringify(r) + '\n').join(''));
    if (this.opts.sync ?? true) await handle.datasync();
    // Visible to readers only once written: the map never runs ahead of the file.
    for (const r of items) this.byId.set(r.id, r);
    return items.map(() => undefined);
  }
}

async function load(file: string): Promise<Map<string, ApprovalRequest>> {
  const byId = new Map<string, ApprovalRequest>();
  let stream;
  try {
    await open(file, 'r').then((fh) => fh.close());
    stream = createReadStream(file, { encoding: 'utf8' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return byId;
    throw err;
  }
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as ApprovalRequest;
      if (typeof r.id === 'string') byId.set(r.id, r);
    } catch {
      // A torn last line from a crash: the previous state of that request stands.
    }
  }
  return byId;
}
