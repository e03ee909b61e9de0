// Child process for the restart test: holds one request, prints its id, and dies
// without closing anything, as a crashed or killed proxy would.
import { openApprovals } from '../../src/approval/open-approvals.js';
import { silentLogger } from '../../src/util/log.js';
import { newRequest } from './fixtures.js';

const [stateDir, controlUrl, leaseMs] = process.argv.slice(2);
const a = await openApprovals({
  stateDir: stateDir!,
  ...(controlUrl ? { controlUrl } : {}),
  // A short lease: the other replicas may close its requests soon after it is gone.
  ...(leaseMs ? { leaseMs: Number(leaseMs) } : {}),
  logger: silentLogger,
});
const h = await a.broker.hold(newRequest());
process.stdout.write(h.request.id + '\n');
process.exit(0);
