// Point 3: long texts never block the event loop. classify() refuses to parse them on the
// calling thread (a fail-closed write flagged oversized); classifyAsync() parses them in
// a worker thread and returns the real classification.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classify,
  classifyAsync,
  classifierConfig,
  configureClassifier,
  initClassifier,
} from '../../src/sql/classify.js';
import { classifierWorkerStats, stopClassifierWorker } from '../../src/sql/worker-client.js';

beforeAll(() => initClassifier());
afterAll(() => stopClassifierWorker());

function bigInsertThen(tail: string, bytes: number): string {
  const row = "(1, 'some text value here', 3.14),";
  return `INSERT INTO t VALUES ${row.repeat(Math.ceil(bytes / row.length))}(2, 'x', 1); ${tail}`;
}

describe('long statements', () => {
  it('defaults: 64 KiB on the calling thread at most, 64 MiB at all', () => {
    expect(classifierConfig().syncMaxBytes).toBe(64 * 1024);
    expect(classifierConfig().hardMaxBytes).toBe(64 * 1024 * 1024);
  });

  it('classify() does not parse a text over the limit: it is a write, flagged and explained', () => {
    const sql = bigInsertThen("SELECT pg_read_file('/etc/passwd')", 100_000);
    const c = classify(sql);
    expect(c.class).toBe('write');
    expect(c.statements[0]).toMatchObject({ kind: 'Unparsed', flags: ['oversized'] });
    expect(c.statements[0]!.reasons[0]).toMatch(/classifyAsync/);
  });

  it('classifyAsync() parses it in a worker and finds everything inside', async () => {
    const sql = bigInsertThen("SELECT pg_read_file('/etc/passwd')", 1_000_000);
    const before = classifierWorkerStats();
    const c = await classifyAsync(sql);
    expect(classifierWorkerStats().answered).toBe(before.answered + 1);
    expect(classifierWorkerStats().fallbacks).toBe(0);
    expect(c.class).toBe('forbidden');
    expect(c.statements.map((s) => s.kind)).toEqual(['InsertStmt', 'SelectStmt']);
    expect(c.statements[1]!.functions).toEqual(['pg_read_file']);
    expect(Object.isFrozen(c)).toBe(true);
    const plain = await classifyAsync(bigInsertThen('SELECT 1', 200_000));
    expect(plain.class).toBe('write');
    expect(plain.statements[1]!.class).toBe('read');
  });

  it('classifyAsync() of a short text is the cached synchronous result', async () => {
    expect(await classifyAsync('SELECT 1 AS short')).toBe(classify('SELECT 1 AS short'));
  });

  it('refuses, without parsing, a text over the hard limit', async () => {
    const before = classifierConfig();
    configureClassifier({ hardMaxBytes: 100_000 });
    try {
      const c = await classifyAsync(bigInsertThen('SELECT 1', 150_000));
      expect(c.class).toBe('forbidden');
      expect(c.statements[0]!.flags).toEqual(['oversized']);
    } finally {
      configureClassifier(before);
    }
  });

  it('still answers correctly after the worker is stopped (it restarts)', async () => {
    await stopClassifierWorker();
    const before = classifierWorkerStats();
    const c = await classifyAsync(bigInsertThen('DELETE FROM t', 100_000));
    expect(classifierWorkerStats()).toMatchObject({
      started: before.started + 1,
      answered: before.answered + 1,
    });
    expect(c.statements.map((s) => s.kind)).toEqual(['InsertStmt', 'DeleteStmt']);
  });
});
