// The committed bundle: it must be exactly the build of the current sources, and it must
// run (libpg-query's .wasm found next to it) with the results the sources give. Also this
// repository's own workflow (.github/workflows/sluice.yml), run with its exact inputs.
import { execFile } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  actionYml,
  example,
  FIXTURES,
  REPO_ROOT,
  runBundle,
  runInProcess,
  Workdir,
  type Annotation,
  type RunOptions,
} from './harness.js';

const work = new Workdir();
afterAll(() => work.cleanup());

const BUILD = path.join(REPO_ROOT, 'scripts/build-action.mjs');

async function buildCheck(...args: string[]): Promise<{ code: number; out: string }> {
  return promisify(execFile)(process.execPath, [BUILD, '--check', ...args], {
    cwd: REPO_ROOT,
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout + e.stderr,
    }),
  );
}

describe('action/dist freshness', () => {
  it('the committed bundle is byte for byte the build of the current sources', async () => {
    const r = await buildCheck();
    expect(r.out).toBe('action/dist is up to date\n');
    expect(r.code).toBe(0);
  });

  it('the check fails on a changed, a missing or an extra file', async () => {
    const copy = await work.path('dist-copy');
    await cp(path.join(REPO_ROOT, 'action/dist'), copy, { recursive: true });
    const index = path.join(copy, 'index.js');
    await writeFile(index, (await readFile(index, 'utf8')).replace('Sluice', 'Sluise'));
    await rm(path.join(copy, 'package.json'));
    await writeFile(path.join(copy, 'stale.js'), '');
    const r = await buildCheck('--dist', copy);
    expect(r.code).toBe(1);
    expect(r.out).toContain('index.js: differs');
    expect(r.out).toContain('package.json: missing');
    expect(r.out).toContain('stale.js: not in the fresh build');
  });

  it('action.yml runs the bundle on node24', async () => {
    expect((await actionYml()).runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});

const shape = (r: {
  annotations: Annotation[];
  outputs: Record<string, string>;
  exitCode: number;
}) => ({
  annotations: r.annotations,
  outputs: r.outputs,
  exitCode: r.exitCode,
});

describe('the bundle runs', () => {
  const valid = (failOn: string): RunOptions => ({
    cwd: path.join(FIXTURES, 'valid'),
    with: { sql: 'migrations/**/*.sql', database: 'production', 'fail-on': failOn },
    event: { name: 'push', payload: example('push') },
  });

  it('on a fixture, with the same annotations, outputs, summary and exit status as the sources', async () => {
    for (const failOn of ['invalid', 'review']) {
      const bundled = await runBundle(valid(failOn), work);
      const source = await runInProcess(valid(failOn), work);
      expect(shape(bundled)).toEqual(shape(source));
      expect(bundled.summary).toBe(source.summary);
      expect(bundled.exitCode).toBe(failOn === 'review' ? 1 : 0);
      expect(bundled.outputs).toEqual({ 'held-count': '3', 'denied-count': '1', valid: 'true' });
      expect(bundled.summary).toContain('<code>migrations/20240101_orders.sql:2</code>');
    }
  });
});

describe("this repository's workflow (.github/workflows/sluice.yml)", () => {
  interface Step {
    uses?: string;
    with?: Record<string, string>;
  }
  async function step(): Promise<Record<string, string>> {
    const wf = parse(
      await readFile(path.join(REPO_ROOT, '.github/workflows/sluice.yml'), 'utf8'),
    ) as { jobs: Record<string, { steps: Step[] }> };
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    const action = steps.find((s) => s.uses === './action');
    if (!action) throw new Error('no `uses: ./action` step');
    return action.with ?? {};
  }

  it('passes on the example policies, through the sources and the bundle', async () => {
    const options: RunOptions = {
      cwd: REPO_ROOT,
      with: await step(),
      event: { name: 'push', payload: example('push') },
    };
    for (const r of [await runInProcess(options, work), await runBundle(options, work)]) {
      expect(r.annotations).toEqual([]);
      expect(r.outputs).toEqual({ 'held-count': '0', 'denied-count': '0', valid: 'true' });
      expect(r.exitCode).toBe(0);
      expect(r.summary).toContain(
        '<li>Policies: <code>policies/production.yml</code>, <code>policies/settings.yml</code> — 5 rules, valid</li>',
      );
      expect(r.summary).toContain('<li>CODEOWNERS: <code>policies/CODEOWNERS</code>');
    }
  });
});
