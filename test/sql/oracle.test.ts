// Point 5: PostgreSQL as the oracle. Every statement of the regression corpus runs in a
// READ ONLY transaction on the suite's real server; each one refused with SQLSTATE 25006
// is a known write, and the classifier must not have called it read or session. Plain
// SELECTs that PostgreSQL ran read-only without complaint but the classifier holds are
// false holds (the aim is zero). Prints the figures.
import { beforeAll, expect, it } from 'vitest';
import { initClassifier } from '../../src/sql/classify.js';
import { pgInfo } from '../helpers/pg.js';
import { CORPUS_DIR, readCorpus, runCorpus } from './helpers/oracle-corpus.js';
import type { Finding } from './helpers/oracle-runner.js';

/** Files run concurrently, each on its own database and connection. */
const LANES = 4;

beforeAll(() => initClassifier());

function show(f: Finding): string {
  return `  ${f.file}:${f.line} [${f.class}] ${f.sql.replace(/\s+/g, ' ').slice(0, 160)} -- ${f.detail.slice(0, 160)}`;
}

it(
  'no statement PostgreSQL refuses as a write in a read-only transaction is classed read or session',
  { timeout: 20 * 60_000 },
  async () => {
    const files = readCorpus(CORPUS_DIR);
    const started = performance.now();
    const { results, rolesLeft } = await runCorpus(files, pgInfo(), LANES);
    const seconds = (performance.now() - started) / 1000;
    const sum = (
      k:
        | 'statements'
        | 'fallbackPieces'
        | 'invalid'
        | 'probed'
        | 'knownWrites'
        | 'plainSelects'
        | 'skipped'
        | 'underParserMismatch',
    ): number => results.reduce((a, r) => a + r[k], 0);
    const misses = results.flatMap((r) => r.misses);
    const falseHolds = results.flatMap((r) => r.falseHolds);
    const aborted = results.filter((r) => r.aborted).map((r) => `${r.file}: ${r.aborted}`);
    const skipReasons = new Map<string, number>();
    for (const s of results.flatMap((r) => r.skips))
      skipReasons.set(s.detail, (skipReasons.get(s.detail) ?? 0) + 1);
    const report = [
      `oracle: ${results.length} files in ${seconds.toFixed(1)} s (${LANES} lanes)`,
      `  statements parsed:       ${sum('statements') - sum('invalid')} (of ${sum('statements')}; ${sum('invalid')} invalid, e.g. psql variables and deliberate syntax errors; ${sum('fallbackPieces')} pieces split by the fallback)`,
      `  probed read-only:        ${sum('probed')}`,
      `  writes labelled (25006): ${sum('knownWrites')}`,
      `  misses:                  ${misses.length}`,
      `  plain SELECTs:           ${sum('plainSelects')}`,
      `  false holds:             ${falseHolds.length} (+${sum('underParserMismatch')} refused while the server reported a parser mismatch)`,
      `  not run (skip list):     ${sum('skipped')}`,
      ...[...skipReasons].map(([r, n]) => `    ${n} x ${r}`),
      ...(misses.length ? ['misses:', ...misses.map(show)] : []),
      ...(falseHolds.length ? ['false holds:', ...falseHolds.slice(0, 50).map(show)] : []),
      ...(aborted.length ? ['aborted files:', ...aborted] : []),
    ].join('\n');
    console.log(report);
    expect(results).toHaveLength(files.length);
    expect(files.length).toBeGreaterThan(200);
    // The oracle must really have labelled writes, or zero misses would mean nothing.
    expect(sum('knownWrites')).toBeGreaterThan(10_000);
    expect(misses.map(show)).toEqual([]);
    expect(falseHolds.map(show)).toEqual([]);
    expect(aborted).toEqual([]);
    expect(rolesLeft).toEqual([]);
  },
);
