// `npx tsx bench/catalog-gate.ts`: the gate's CPU per pgbench transaction (as
// bench/gate.mjs measures it: framer, gatekeeper, scanner, in process, no sockets) with
// and without the catalog, the catalog being a real snapshot of a database holding
// pgbench_accounts among OBJECTS other user objects (read from an embedded PostgreSQL).
// Rounds alternate the two so that a slow spell of the shared machine hits both.
// Env: SECONDS per measurement (default 2), ROUNDS (3), OBJECTS (2000).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { startEmbeddedPostgres } from '../src/cli/embedded-postgres.js';
import { FrontendFramer } from '../src/protocol/frontend-framer.js';
import { BackendScanner } from '../src/protocol/backend-scanner.js';
import { Gatekeeper, type Output } from '../src/proxy/gatekeeper.js';
import { ServerObserver } from '../src/proxy/server-observer.js';
import { RewriteBook } from '../src/proxy/refusal.js';
import type { CatalogCheck } from '../src/proxy/catalog-check.js';
import { PolicyStore } from '../src/policy/policy-store.js';
import { initClassifier } from '../src/sql/classify.js';
import { SessionClassifier } from '../src/sql/session-classifier.js';
import { judgeWithCatalog } from '../src/sql/catalog-judge.js';
import { CatalogRegistry } from '../src/catalog/catalog-registry.js';
import { silentLogger } from '../src/util/log.js';

const SECONDS = Number(process.env.SECONDS ?? 2);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const OBJECTS = Number(process.env.OBJECTS ?? 2000);

await initClassifier();
const root = mkdtempSync(path.join(tmpdir(), 'sluice-catalog-gate-'));
const policy = await PolicyStore.open({
  dir: path.join(root, 'policies'),
  defaultsIfMissing: true,
  repoRoot: root,
});

function session(catalog: CatalogCheck | undefined) {
  const classifier = new SessionClassifier(policy.classifierOptions());
  const rewrites = new RewriteBook();
  const identity = { user: 'bench', database: 'bench', applicationName: '', clientAddress: '' };
  const observer = new ServerObserver(rewrites, {
    readyForQuery: () => gate.readyForQuery(),
    backendKey: () => {},
    parameterStatus: () => {},
    authenticationOk: () => {},
    commandComplete: () => {},
    error: () => {},
    failed: () => gate.serverFailed(),
  });
  const gate: Gatekeeper = new Gatekeeper(
    {
      classifier,
      policy,
      identity,
      requestIdentity: () => ({ ...identity, sessionId: 'bench' }),
      txStatus: () => 'I',
      send: () => {},
      trackOutcome: () => {},
      logger: silentLogger,
      ...(catalog ? { catalog } : {}),
    },
    rewrites,
  );
  gate.readyForQuery();
  return { framer: new FrontendFramer(), scanner: new BackendScanner(observer), gate };
}

/** DataRow, CommandComplete, ReadyForQuery (and BindComplete for the extended protocol). */
function reply(extended: boolean): Buffer {
  const parts: Buffer[] = [];
  if (extended) parts.push(Buffer.from([0x32, 0, 0, 0, 4]));
  parts.push(Buffer.from([0x44, 0, 0, 0, 11, 0, 1, 0, 0, 0, 1, 0x30]));
  parts.push(Buffer.from('C\0\0\0\x0dSELECT 1\0', 'latin1'));
  parts.push(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]));
  return Buffer.concat(parts);
}

const out = (): Output => ({ server: [], client: [] });
const aid = (i: number) => 1 + ((i * 7919) % 1_000_000);

function usPerTx(tx: (i: number) => void): number {
  for (let i = 0; i < 20_000; i++) tx(i);
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(SECONDS * 1e9));
  while (process.hrtime.bigint() < until) for (let k = 0; k < 1000; k++) tx(n++);
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

type Workload = [string, (catalog: CatalogCheck | undefined) => (i: number) => void];
const workloads: Workload[] = [
  [
    'simple, new constant',
    (cat) => {
      const s = session(cat);
      const answer = reply(false);
      return (i) => {
        const q = serialize.query(`SELECT abalance FROM pgbench_accounts WHERE aid = ${aid(i)};`);
        s.gate.process(s.framer.push(q), out());
        s.scanner.push(answer);
      };
    },
  ],
  [
    'prepared (Bind/Execute/Sync)',
    (cat) => {
      const s = session(cat);
      const prepare = Buffer.concat([
        serialize.parse({
          name: 'P0_1',
          text: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;',
          types: [],
        }),
        serialize.sync(),
      ]);
      s.gate.process(s.framer.push(prepare), out());
      s.scanner.push(Buffer.from([0x31, 0, 0, 0, 4, 0x5a, 0, 0, 0, 5, 0x49]));
      const answer = reply(true);
      return (i) => {
        const batch = Buffer.concat([
          serialize.bind({ statement: 'P0_1', values: [String(aid(i))] }),
          serialize.execute(),
          serialize.sync(),
        ]);
        s.gate.process(s.framer.push(batch), out());
        s.scanner.push(answer);
      };
    },
  ],
  [
    'no user object: SELECT now()',
    (cat) => {
      const s = session(cat);
      const answer = reply(false);
      const q = serialize.query('SELECT now();');
      return () => {
        s.gate.process(s.framer.push(q), out());
        s.scanner.push(answer);
      };
    },
  ],
];

const server = await startEmbeddedPostgres({
  ephemeral: true,
  settings: { fsync: 'off', synchronous_commit: 'off', autovacuum: 'off' },
});
try {
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const db = new pg.Client({ connectionString: server.url('bench') });
  await db.connect();
  const ddl = ['CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int)'];
  for (let i = 0; i < OBJECTS / 4; i++) {
    ddl.push(`CREATE TABLE t${i} (id int, a text)`);
    ddl.push(`CREATE VIEW v${i} AS SELECT id, a FROM t${i}`);
    ddl.push(`CREATE FUNCTION f${i}(x int) RETURNS int LANGUAGE sql AS 'SELECT x'`);
  }
  await db.query(ddl.join(';\n'));
  await db.end();
  const registry = new CatalogRegistry({
    upstreamUrl: server.url('bench'),
    judge: judgeWithCatalog,
    checkIntervalMs: 0,
  });
  const check = registry.forDatabase('bench', policy.classifierOptions());
  const snap = await registry.settle('bench');
  process.stdout.write(
    `gate CPU per transaction, µs (best of ${ROUNDS} alternating rounds of ${SECONDS}s); ` +
      `catalog: ${snap?.relations.size} relations, ${snap?.functionsByOid.size} functions\n` +
      `${'workload'.padEnd(32)}${'no catalog'.padStart(12)}${'catalog'.padStart(10)}\n`,
  );
  for (const [name, make] of workloads) {
    let without = Infinity;
    let withCatalog = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      without = Math.min(without, usPerTx(make(undefined)));
      withCatalog = Math.min(withCatalog, usPerTx(make(check)));
    }
    process.stdout.write(
      `${name.padEnd(32)}${without.toFixed(2).padStart(12)}${withCatalog.toFixed(2).padStart(10)}\n`,
    );
  }
  registry.close();
} finally {
  policy.close();
  await server.stop();
}
