// A broker behind a real admin listener, as the proxy runs them: for the CLI tests.
import { AdminServer } from '../../src/admin/admin-server.js';
import { Broker } from '../../src/approval/broker.js';
import { MemoryRequestStore } from '../../src/approval/memory-request-store.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';

export const TOKEN = 'cli-test-token-0123456789';

export interface LocalChannel {
  broker: Broker;
  audit: MemoryAuditLog;
  url: string;
  close(): Promise<void>;
}

export async function startLocalChannel(): Promise<LocalChannel> {
  const audit = new MemoryAuditLog();
  const broker = new Broker({ store: new MemoryRequestStore(), audit });
  const server = new AdminServer({ broker, token: TOKEN, port: 0 });
  const { url } = await server.listen();
  return {
    broker,
    audit,
    url,
    async close() {
      await server.close();
      await broker.close();
    },
  };
}
