// Child process for the timer test: holds 50 requests with an hour's timeout and then
// simply returns. If the expiry timers kept the event loop alive it would not exit.
import { Broker } from '../../src/approval/broker.js';
import { MemoryRequestStore } from '../../src/approval/memory-request-store.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { newRequest } from './fixtures.js';

const broker = new Broker({ store: new MemoryRequestStore(), audit: new MemoryAuditLog() });
for (let i = 0; i < 50; i++) await broker.hold(newRequest({ tier: { timeoutMs: 3_600_000 } }));
process.stdout.write(`holding ${broker.pendingCount()}\n`);
