// `sluice classify [--json] [SQL]`: the real CLI (spawned), and run() in-process for the
// output details.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/classify.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function cli(
  args: string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'classify', ...args],
      {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    const code = await run(args);
    return { code, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

describe('sluice classify (spawned)', () => {
  it('reads SQL from the argument and prints one JSON document', async () => {
    const r = await cli(['--json', 'SELECT * FROM t; DELETE FROM app.t']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toEqual({
      class: 'write',
      statements: [
        {
          sql: 'SELECT * FROM t',
          class: 'read',
          kind: 'SelectStmt',
          relations: [{ schema: 'public', name: 't', access: 'read' }],
          functions: [],
          flags: ['multi_statement'],
          risk: 'low',
          reasons: ['SELECT reads public.t'],
        },
        {
          sql: 'DELETE FROM app.t',
          class: 'write',
          kind: 'DeleteStmt',
          relations: [{ schema: 'app', name: 't', access: 'write' }],
          functions: [],
          flags: ['no_where', 'multi_statement'],
          risk: 'high',
          reasons: ['DELETE from app.t', 'DELETE without WHERE touches every row'],
        },
      ],
    });
  }, 30_000);

  it('reads SQL from stdin and prints a table; invalid SQL still exits 0', async () => {
    const r = await cli([], "SELECT lower(name) FROM users WHERE id = 1;\nSELECT nextval('s')\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^class: write \(2 statements\)/);
    expect(r.stdout).toMatch(/#\s+CLASS\s+KIND\s+RISK\s+RELATIONS\s+FUNCTIONS\s+FLAGS/);
    expect(r.stdout).toMatch(/1\s+read\s+SelectStmt\s+low\s+public\.users \(read\)\s+lower/);
    expect(r.stdout).toMatch(
      /2\s+write\s+SelectStmt\s+medium\s+-\s+nextval\s+unsafe_function, multi_statement/,
    );
    const bad = await cli(['--json'], 'SELEC 1');
    expect(bad.code).toBe(0);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      class: 'invalid',
      statements: [{ class: 'invalid' }],
    });
  }, 30_000);

  it('exits 2 on usage errors', async () => {
    const r = await cli(['--bogus', 'SELECT 1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: sluice classify/);
  }, 30_000);
});

describe('sluice classify (in process)', () => {
  it('prints every documented JSON key and nothing else', async () => {
    const r = await inProcess(['--json', "PREPARE p AS SELECT 1; COPY t TO '/tmp/x'"]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const doc = JSON.parse(r.out) as { class: string; statements: Record<string, unknown>[] };
    expect(doc.class).toBe('forbidden');
    for (const s of doc.statements) {
      expect(Object.keys(s).sort()).toEqual([
        'class',
        'flags',
        'functions',
        'kind',
        'reasons',
        'relations',
        'risk',
        'sql',
      ]);
    }
  });

  it('applies the policy-like options', async () => {
    const read = JSON.parse(
      (await inProcess(['--json', '--safe-function', 'app.*', 'SELECT app.f()'])).out,
    ) as { class: string };
    expect(read.class).toBe('read');
    const lock = JSON.parse(
      (await inProcess(['--json', '--locking-is-read', 'SELECT 1 FROM t FOR UPDATE'])).out,
    ) as { class: string };
    expect(lock.class).toBe('read');
    const ro = JSON.parse(
      (await inProcess(['--json', '--force-read-only', 'BEGIN READ WRITE'])).out,
    ) as { class: string };
    expect(ro.class).toBe('forbidden');
  });

  it('shows the parse error and reasons in the table', async () => {
    const r = await inProcess(['SELECT * FROM']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/class: invalid/);
    expect(r.out).toMatch(/error: syntax error at end of input at character 14/);
  });

  it('prints help with exit 0, and refuses two SQL arguments with exit 2', async () => {
    expect((await inProcess(['--help'])).code).toBe(0);
    const r = await inProcess(['SELECT 1', 'SELECT 2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/one argument/);
  });
});
