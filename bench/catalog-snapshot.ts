// `npx tsx bench/catalog-snapshot.ts`: what the catalog snapshot costs. On an embedded
// PostgreSQL, a database with OBJECTS user objects (tables, views, SQL and plpgsql
// functions, domains, enums, composite types, casts, operators); then
//   - the time to load its snapshot and to run the change check (fingerprint), median of RUNS;
//   - the gate's per-statement cost of the catalog (CatalogCheck.judge, as the gatekeeper
//     calls it) for statements with and without user objects, against no catalog at all.
// Env: OBJECTS (2000), RUNS (7), SECONDS per measurement (2).
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/cli/embedded-postgres.js';
import { catalogFingerprint, loadCatalog } from '../src/catalog/catalog-loader.js';
import { CatalogRegistry } from '../src/catalog/catalog-registry.js';
import { judgeWithCatalog } from '../src/sql/catalog-judge.js';
import { classify, initClassifier } from '../src/sql/classify.js';
import type { Classification } from '../src/sql/types.js';

const OBJECTS = Number(process.env.OBJECTS ?? 2000);
const RUNS = Number(process.env.RUNS ?? 7);
const SECONDS = Number(process.env.SECONDS ?? 2);

/** About OBJECTS user objects, in the proportions of an application schema. */
function schemaSql(n: number): string {
  const k = Math.max(1, Math.floor(n / 10));
  const out: string[] = ['CREATE SEQUENCE seq'];
  for (let i = 0; i < 3 * k; i++)
    out.push(`CREATE TABLE t${i} (id int PRIMARY KEY, a text, b int, c timestamptz, d numeric)`);
  for (let i = 0; i < 2 * k; i++)
    out.push(
      i % 10 === 0
        ? `CREATE VIEW v${i} AS SELECT id, nextval('seq') AS n FROM t${i % (3 * k)}`
        : `CREATE VIEW v${i} AS SELECT id, a, lower(a) AS la FROM t${i % (3 * k)} WHERE b > 0`,
    );
  for (let i = 0; i < 2 * k; i++)
    out.push(`CREATE FUNCTION f${i}(x int) RETURNS int LANGUAGE sql STABLE AS 'SELECT x + ${i}'`);
  for (let i = 0; i < k; i++)
    out.push(
      `CREATE FUNCTION p${i}(x int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN x; END $$`,
    );
  for (let i = 0; i < k / 2; i++) out.push(`CREATE DOMAIN d${i} AS int CHECK (VALUE > ${i})`);
  for (let i = 0; i < k / 2; i++) out.push(`CREATE TYPE e${i} AS ENUM ('a', 'b', 'c')`);
  for (let i = 0; i < k / 2; i++) out.push(`CREATE TYPE c${i} AS (x int, y text)`);
  for (let i = 0; i < k / 4; i++) {
    out.push(`CREATE FUNCTION c${i}_int(c${i}) RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    out.push(`CREATE CAST (c${i} AS int) WITH FUNCTION c${i}_int(c${i})`);
    out.push(`CREATE FUNCTION c${i}_eq(c${i}, c${i}) RETURNS bool LANGUAGE sql AS 'SELECT true'`);
    out.push(`CREATE OPERATOR = (LEFTARG = c${i}, RIGHTARG = c${i}, FUNCTION = c${i}_eq)`);
  }
  return out.join(';\n');
}

function ms(x: number): string {
  return `${x.toFixed(1)} ms`.padStart(14);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Nanoseconds per call of fn: the best of 5 runs of SECONDS/5 (the machine is shared; the
 * best run is the one least disturbed).
 */
function nsPerCall(fn: () => unknown): number {
  for (let i = 0; i < 10_000; i++) fn(); // warm-up: JIT and the judge's caches
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const until = performance.now() + (SECONDS * 1000) / 5;
    const start = performance.now();
    let n = 0;
    while (performance.now() < until) {
      for (let i = 0; i < 1000; i++) fn();
      n += 1000;
    }
    best = Math.min(best, ((performance.now() - start) * 1e6) / n);
  }
  return best;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const server = await startEmbeddedPostgres({
  ephemeral: true,
  settings: { fsync: 'off', synchronous_commit: 'off', autovacuum: 'off' },
});
try {
  await initClassifier();
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = server.url('bench');
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(schemaSql(OBJECTS));
  const counted = await db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM pg_class WHERE oid >= 16384 AND relkind IN ('r','v','S'))
          + (SELECT count(*) FROM pg_proc WHERE oid >= 16384)
          + (SELECT count(*) FROM pg_type WHERE oid >= 16384 AND typtype IN ('d','e','c')
               AND typrelid = 0 OR (typtype = 'c' AND oid >= 16384 AND typrelid IN
               (SELECT oid FROM pg_class WHERE relkind = 'c')))
          + (SELECT count(*) FROM pg_cast WHERE oid >= 16384)
          + (SELECT count(*) FROM pg_operator WHERE oid >= 16384) AS n`,
  );
  await db.end();

  const loads: number[] = [];
  const prints: number[] = [];
  let snapshot = await loadCatalog(url);
  for (let i = 0; i < RUNS; i++) {
    loads.push(await timed(async () => (snapshot = await loadCatalog(url))));
    prints.push(await timed(() => catalogFingerprint(url)));
  }
  // On an open connection: the query alone, as the registry's periodic check costs the server.
  const open = new pg.Client({ connectionString: url });
  await open.connect();
  const onOpen: number[] = [];
  const loadOpen: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    onOpen.push(await timed(() => catalogFingerprint(open)));
    loadOpen.push(await timed(() => loadCatalog(open)));
  }
  await open.end();
  // Heap held by one snapshot (with --expose-gc; else not measured).
  const gc = (globalThis as { gc?: () => void }).gc;
  let heap = 'not measured (run with node --expose-gc)';
  if (gc) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = [await loadCatalog(url), await loadCatalog(url), await loadCatalog(url)];
    gc();
    const per = (process.memoryUsage().heapUsed - before) / kept.length;
    heap = `${(per / 1024 / 1024).toFixed(1)} MB`;
  }
  process.stdout.write(
    `database with ${counted.rows[0]!.n} user objects (${snapshot.relations.size} relations, ` +
      `${snapshot.functionsByOid.size} functions, ${snapshot.types.size} types, ` +
      `${snapshot.casts.length} casts)\n` +
      `  medians of ${RUNS}          new connection   open connection\n` +
      `  snapshot load         ${ms(median(loads))}   ${ms(median(loadOpen))}\n` +
      `  change check          ${ms(median(prints))}   ${ms(median(onOpen))}\n` +
      `  heap of one snapshot: ${heap}\n\n`,
  );

  const registry = new CatalogRegistry({
    upstreamUrl: url,
    judge: judgeWithCatalog,
    checkIntervalMs: 0,
  });
  const check = registry.forDatabase('bench');
  await registry.settle('bench');
  const cases: [string, Classification][] = [
    ['no user object: SELECT 1', classify('SELECT 1')],
    [
      'built-ins only: SELECT now(), pg_class',
      classify("SELECT now(), relname FROM pg_class WHERE relname = 'x'"),
    ],
    ['user table: SELECT … FROM t1 WHERE id = $1', classify('SELECT a, b FROM t1 WHERE id = 42')],
    ['plain view: SELECT * FROM v1', classify('SELECT * FROM v1')],
    ['writing view: SELECT * FROM v0', classify('SELECT * FROM v0')],
    ['read-only SQL function: SELECT f1(id) FROM t1', classify('SELECT f1(id) FROM t1')],
  ];
  process.stdout.write(
    `per statement, the gate's catalog call (${SECONDS}s each; cached static verdicts)\n` +
      `${'statement'.padEnd(48)}${'verdict'.padStart(8)}${'no catalog'.padStart(12)}` +
      `${'same object'.padStart(13)}${'new object'.padStart(12)}\n`,
  );
  const none = (c: Classification): Classification => c;
  for (const [name, c] of cases) {
    const base = nsPerCall(() => none(c));
    // The same verdict object again (a repeated Query, a prepared statement's portal),
    // and a new one each time (the same verdict for other constants: two copies alternate).
    const same = nsPerCall(() => check.judge(c));
    const copies = [{ ...c }, { ...c }];
    let k = 0;
    const other = nsPerCall(() => check.judge(copies[k++ & 1]!));
    const verdict = (check.judge(c) as Classification).class;
    const cell = (ns: number, w: number) => `${ns.toFixed(0)} ns`.padStart(w);
    process.stdout.write(
      `${name.padEnd(48)}${verdict.padStart(8)}${cell(base, 12)}${cell(same, 13)}${cell(other, 12)}\n`,
    );
  }

  // A statement's first judgement, before its verdict is cached: the view expanded (its
  // definition classified) once per distinct statement text.
  const views = Array.from({ length: 200 }, (_, i) => classify(`SELECT * FROM v${i + 1}`));
  const first = await timed(async () => {
    for (const c of views) check.judge(c);
  });
  process.stdout.write(
    `\nfirst judgement of a view's statement (definition classified): ` +
      `${((first * 1000) / views.length).toFixed(0)} µs each (200 views)\n`,
  );
  registry.close();
} finally {
  await server.stop();
}
