// Requests kept in a Map: tests, and embedding where nothing must touch the disk.
import { selectRequests, type RequestListFilter, type RequestStore } from './request-store.js';
import type { ApprovalRequest } from './types.js';

export class MemoryRequestStore implements RequestStore {
  readonly kind = 'memory' as const;
  private readonly byId = new Map<string, ApprovalRequest>();

  async insert(request: ApprovalRequest): Promise<void> {
    if (this.byId.has(request.id)) throw new Error(`request ${request.id} already exists`);
    this.byId.set(request.id, structuredClone(request));
  }

  async update(request: ApprovalRequest): Promise<void> {
    if (!this.byId.has(request.id)) throw new Error(`request ${request.id} does not exist`);
    this.byId.set(request.id, structuredClone(request));
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const r = this.byId.get(id);
    return r && structuredClone(r);
  }

  async list(filter?: RequestListFilter): Promise<ApprovalRequest[]> {
    return selectRequests(this.byId.values(), filter);
  }

  async close(): Promise<void> {}
}
