// The README tells users to run `npx sluice …` from a checkout: the built bin must run as
// a program, not only through `node`. (`npm ci` builds it, through `prepare`.)
import { describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'dist/src/cli/main.js');

describe('the sluice bin', () => {
  it('is executable, and `npx sluice --help` runs it', { timeout: 60_000 }, async () => {
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'sluice', '--help'], {
      cwd: root,
    });
    expect(stdout).toContain('Usage: sluice <command>');
  });
});
