// The oracle (oracle.test.ts) again, with the catalog: the files of the regression corpus
// that create views, domains, casts, operators, SQL functions, rules and row-level
// security, each statement judged with a snapshot of the objects the file made before it.
// No statement PostgreSQL refuses as a write in a READ ONLY transaction may be judged
// read or session. In CI a focused subset: the whole corpus with its snapshots takes too
// long for CI; ORACLE_CATALOG_ALL=1 runs every file (by hand). Prints the figures.
import { beforeAll, expect, it } from 'vitest';
import { initClassifier } from '../../src/sql/classify.js';
import { pgInfo } from '../helpers/pg.js';
import { catalogOpener } from './helpers/oracle-catalog.js';
import { CORPUS_DIR, readCorpus, runCorpus } from './helpers/oracle-corpus.js';
import type { Finding } from './helpers/oracle-runner.js';

const LANES = 2;
const ALL = process.env.ORACLE_CATALOG_ALL === '1';
const FILES = [
  'test_setup',
  'create_view',
  'select_views',
  'updatable_views',
  'matview',
  'domain',
  'create_cast',
  'create_operator',
  'create_function_sql',
  'polymorphism',
  'rangefuncs',
  'rowsecurity',
  'rules',
  'enum',
  'rowtypes',
  'typed_table',
  'plpgsql_domain',
].map((f) => `/${f}.sql`);

beforeAll(() => initClassifier());

function show(f: Finding): string {
  return `  ${f.file}:${f.line} [${f.class}] ${f.sql.replace(/\s+/g, ' ').slice(0, 160)} -- ${f.detail.slice(0, 200)}`;
}

it(
  'with the catalog, no statement PostgreSQL refuses as a write is judged read or session',
  { timeout: (ALL ? 240 : 20) * 60_000 },
  async () => {
    const files = readCorpus(CORPUS_DIR).filter(
      (f) => ALL || FILES.some((n) => f.name.endsWith(n)),
    );
    const started = performance.now();
    const { results, rolesLeft } = await runCorpus(files, pgInfo(), LANES, catalogOpener(pgInfo()));
    const seconds = (performance.now() - started) / 1000;
    const sum = (k: 'probed' | 'knownWrites' | 'plainSelects' | 'lowered'): number =>
      results.reduce((a, r) => a + r[k], 0);
    const misses = results.flatMap((r) => r.misses);
    const falseHolds = results.flatMap((r) => r.falseHolds);
    const aborted = results.filter((r) => r.aborted).map((r) => `${r.file}: ${r.aborted}`);
    console.log(
      [
        `oracle with catalog: ${results.length} files in ${seconds.toFixed(1)} s (${LANES} lanes)`,
        `  probed read-only:        ${sum('probed')}`,
        `  writes labelled (25006): ${sum('knownWrites')}`,
        `  misses:                  ${misses.length}`,
        `  plain SELECTs:           ${sum('plainSelects')}`,
        `  false holds:             ${falseHolds.length}`,
        `  static holds the catalog proved read: ${sum('lowered')}`,
        ...(misses.length ? ['misses:', ...misses.map(show)] : []),
        ...(falseHolds.length ? ['false holds:', ...falseHolds.slice(0, 80).map(show)] : []),
        ...(aborted.length ? ['aborted files:', ...aborted] : []),
      ].join('\n'),
    );
    expect(results).toHaveLength(ALL ? files.length : FILES.length);
    expect(sum('knownWrites')).toBeGreaterThan(500);
    expect(misses.map(show)).toEqual([]);
    expect(aborted).toEqual([]);
    expect(rolesLeft).toEqual([]);
  },
);
