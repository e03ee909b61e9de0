// `npm run bench:gate` (builds dist/ first): the CPU Sluice spends per pgbench transaction on its own work,
// in process, without sockets: the framer, the gatekeeper (classifier + policy) and the
// backend scanner, for the two select-only workloads of `npm run bench`. The network
// bench measures the whole; this says how much of a transaction's budget is ours.
// Env: SECONDS per measurement (default 3).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serialize } from 'pg-protocol';
import { FrontendFramer } from '../dist/src/protocol/frontend-framer.js';
import { BackendScanner } from '../dist/src/protocol/backend-scanner.js';
import { Gatekeeper } from '../dist/src/proxy/gatekeeper.js';
import { ServerObserver } from '../dist/src/proxy/server-observer.js';
import { RewriteBook } from '../dist/src/proxy/refusal.js';
import { PolicyStore } from '../dist/src/policy/policy-store.js';
import { initClassifier } from '../dist/src/sql/classify.js';
import { SessionClassifier } from '../dist/src/sql/session-classifier.js';
import { silentLogger } from '../dist/src/util/log.js';

const SECONDS = Number(process.env.SECONDS ?? 3);
const SQL = 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;';

await initClassifier();
const root = mkdtempSync(path.join(tmpdir(), 'sluice-gate-bench-'));
const policy = await PolicyStore.open({
  dir: path.join(root, 'policies'),
  defaultsIfMissing: true,
  repoRoot: root,
});

/** One session's client-side and server-side machinery, wired as session.ts wires it. */
function session() {
  const classifier = new SessionClassifier(policy.classifierOptions());
  const rewrites = new RewriteBook();
  const identity = {
    user: 'bench',
    database: 'bench',
    applicationName: 'pgbench',
    clientAddress: '',
  };
  let gate;
  const observer = new ServerObserver(rewrites, {
    readyForQuery: () => gate.readyForQuery(),
    backendKey: () => {},
    parameterStatus: () => {},
    authenticationOk: () => {},
    commandComplete: () => {},
    error: () => {},
    failed: () => gate.serverFailed(),
  });
  gate = new Gatekeeper(
    {
      classifier,
      policy,
      identity,
      requestIdentity: () => ({ ...identity, sessionId: 'bench' }),
      txStatus: () => 'I',
      send: () => {},
      trackOutcome: () => {},
      logger: silentLogger,
    },
    rewrites,
  );
  gate.readyForQuery(); // the start-up's ReadyForQuery
  return { framer: new FrontendFramer(), scanner: new BackendScanner(observer), gate };
}

/** What PostgreSQL answers to one select: RowDescription?, DataRow, CommandComplete, Z. */
function reply(withRowDescription, extended) {
  const parts = [];
  if (extended) parts.push(Buffer.from([0x32, 0, 0, 0, 4])); // BindComplete
  if (withRowDescription) {
    const name = Buffer.from('abalance\0');
    const rd = Buffer.alloc(5 + 2 + name.length + 18);
    rd[0] = 0x54; // T
    rd.writeInt32BE(rd.length - 1, 1);
    rd.writeInt16BE(1, 5);
    name.copy(rd, 7);
    rd.writeInt32BE(23, 7 + name.length + 6); // int4
    rd.writeInt16BE(4, 7 + name.length + 10);
    rd.writeInt32BE(-1, 7 + name.length + 12);
    parts.push(rd);
  }
  const dr = Buffer.from([0x44, 0, 0, 0, 11, 0, 1, 0, 0, 0, 1, 0x30]); // D, one column "0"
  const cc = Buffer.from('C\0\0\0\x0dSELECT 1\0', 'latin1');
  const z = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]); // Z, idle
  parts.push(dr, cc, z);
  return Buffer.concat(parts);
}

const ONLY = process.env.ONLY;

function measure(name, tx) {
  if (ONLY && !name.includes(ONLY)) return;
  for (let i = 0; i < 20_000; i++) tx(i);
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(SECONDS * 1e9);
  while (process.hrtime.bigint() < until) {
    for (let k = 0; k < 1000; k++) tx(n++);
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / n;
  console.log(
    `${name.padEnd(28)} ${us.toFixed(2).padStart(6)} µs/tx   ${Math.round(1e6 / us)} tx/s on one core`,
  );
}

const out = () => ({ server: [], client: [] });
const aid = (i) => 1 + ((i * 7919) % 1_000_000);

{
  const s = session();
  const answer = reply(true, false);
  measure('simple, new constant', (i) => {
    const q = serialize.query(`SELECT abalance FROM pgbench_accounts WHERE aid = ${aid(i)};`);
    s.gate.process(s.framer.push(q), out());
    s.scanner.push(answer);
  });
  const same = serialize.query(`SELECT abalance FROM pgbench_accounts WHERE aid = 42;`);
  measure('simple, repeated text', () => {
    s.gate.process(s.framer.push(same), out());
    s.scanner.push(answer);
  });
}
{
  const s = session();
  const prepare = Buffer.concat([
    serialize.parse({ name: 'P0_1', text: SQL, types: [] }),
    serialize.sync(),
  ]);
  s.gate.process(s.framer.push(prepare), out());
  s.scanner.push(Buffer.from([0x31, 0, 0, 0, 4, 0x5a, 0, 0, 0, 5, 0x49]));
  const answer = reply(false, true);
  measure('prepared (Bind/Execute/Sync)', (i) => {
    const batch = Buffer.concat([
      serialize.bind({ statement: 'P0_1', values: [String(aid(i))] }),
      serialize.execute(),
      serialize.sync(),
    ]);
    s.gate.process(s.framer.push(batch), out());
    s.scanner.push(answer);
  });
}
{
  // The floor: building the client's bytes in the loops above costs this much.
  measure('(client bytes only, simple)', (i) => {
    serialize.query(`SELECT abalance FROM pgbench_accounts WHERE aid = ${aid(i)};`);
  });
  measure('(client bytes only, prepared)', (i) => {
    Buffer.concat([
      serialize.bind({ statement: 'P0_1', values: [String(aid(i))] }),
      serialize.execute(),
      serialize.sync(),
    ]);
  });
}
policy.close();
