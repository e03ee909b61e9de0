// Child process for the replica tests: a replica that holds one request, prints its id,
// then prints the verdict it gets (and records an outcome if it was released). The test
// pauses (SIGSTOP) or kills (SIGKILL) it to play a replica that stalls or dies.
import { openApprovals } from '../../src/approval/open-approvals.js';
import { silentLogger } from '../../src/util/log.js';
import { newRequest } from './fixtures.js';

const [controlUrl, leaseMs] = process.argv.slice(2);
const a = await openApprovals({
  stateDir: 'unused',
  controlUrl: controlUrl!,
  leaseMs: Number(leaseMs),
  logger: silentLogger,
});
const h = await a.broker.hold(newRequest());
process.stdout.write(`id ${h.request.id}\n`);
const verdict = await h.verdict;
process.stdout.write(`verdict ${JSON.stringify(verdict)}\n`);
if (verdict.kind === 'approved') await h.reportOutcome({ ok: true, durationMs: 1 });
await a.close();
process.exit(0);
