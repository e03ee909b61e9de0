// The embedded server as root in a directory only root may enter (a clone under /root or a
// `mktemp -d` folder): PostgreSQL runs as the `postgres` OS user, which cannot reach the
// binaries or the data there, so both must be given a place it can reach, or the start
// must fail with one sentence that says why.
import { chmod, cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { mkdirSync, realpathSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/cli/embedded-postgres.js';
import { firstClosedDir, lookupOsUser, type OsUser } from '../../src/cli/os-reach.js';
import { packageBinaries, type PgBinaries } from '../../src/cli/pg-binaries.js';

const isRoot = userInfo().uid === 0;

async function answer(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('SELECT 41 + 1 AS n')).rows[0]!.n;
  } finally {
    await client.end();
  }
}

describe('firstClosedDir', () => {
  const stranger: OsUser = { name: 'stranger', uid: 54_321, gid: 54_321, groups: [54_321] };

  it('names the 0700 ancestor another user cannot enter, and nothing once it opens', async () => {
    const parent = realpathSync(await mkdtemp(path.join(tmpdir(), 'sluice-reach-')));
    try {
      const inner = path.join(parent, 'a', 'b');
      mkdirSync(inner, { recursive: true, mode: 0o755 });
      await chmod(parent, 0o700);
      expect(firstClosedDir(inner, stranger)).toBe(parent);
      expect(firstClosedDir(inner, { ...stranger, uid: 0 })).toBeUndefined();
      await chmod(parent, 0o711);
      expect(firstClosedDir(inner, stranger)).toBeUndefined();
      await writeFile(path.join(inner, 'tool'), '', { mode: 0o644 });
      expect(firstClosedDir(path.join(inner, 'tool'), stranger, true)).toBe(
        path.join(inner, 'tool'),
      );
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!isRoot)(
  'as root under a 0700 directory (skipped: only root runs PostgreSQL as another OS user)',
  () => {
    let closed: string;
    let reachableRoot: string;
    let binaries: PgBinaries;
    let postgresUser: OsUser;

    beforeAll(async () => {
      closed = realpathSync(await mkdtemp(path.join(tmpdir(), 'sluice-0700-')));
      await chmod(closed, 0o700);
      reachableRoot = await mkdtemp(path.join(tmpdir(), 'sluice-reachable-'));
      await chmod(reachableRoot, 0o755);
      // The package's binaries copied inside the closed directory, as in a clone there, with
      // a marker file so their reachable copy is this test's own (tampered with below).
      const root = path.join(closed, 'native');
      await cp(packageBinaries().root, root, { recursive: true, verbatimSymlinks: true });
      await writeFile(path.join(root, 'share', 'sluice-test-marker'), randomBytes(16));
      binaries = {
        root,
        initdb: path.join(root, 'bin', 'initdb'),
        postgres: path.join(root, 'bin', 'postgres'),
      };
      postgresUser = lookupOsUser('postgres')!;
    }, 120_000);

    afterAll(async () => {
      await rm(closed, { recursive: true, force: true });
      await rm(reachableRoot, { recursive: true, force: true });
    });

    it(
      'runs the server from reachable copies, answers, and finds its data again on restart',
      { timeout: 240_000 },
      async () => {
        expect(firstClosedDir(binaries.postgres, postgresUser, true)).toBe(closed);
        const dataDir = path.join(closed, 'state', 'pgdata');
        const opts = { binaries, dataDir, reachableDataRoot: reachableRoot };
        const first = await startEmbeddedPostgres(opts);
        let cacheDir: string;
        try {
          expect(await answer(first.url())).toBe(42);
          cacheDir = first.binDir;
          expect(cacheDir.startsWith(closed)).toBe(false);
          expect(firstClosedDir(path.join(cacheDir, 'bin', 'postgres'), postgresUser, true)).toBe(
            undefined,
          );
          expect(path.dirname(first.dataDir)).toBe(reachableRoot);
          expect(first.notes).toEqual([expect.stringContaining(`cannot enter ${closed}`)]);
        } finally {
          await first.stop();
        }
        try {
          // Same requested directory: the same data, found by the same password.
          const again = await startEmbeddedPostgres(opts);
          try {
            expect(again.dataDir).toBe(first.dataDir);
            expect(again.password).toBe(first.password);
            expect(again.binDir).toBe(cacheDir);
            expect(await answer(again.url())).toBe(42);
          } finally {
            await again.stop();
          }
          // A copy someone else could have changed is never run.
          await chmod(path.join(cacheDir, 'share', 'sluice-test-marker'), 0o666);
          await expect(startEmbeddedPostgres(opts)).rejects.toThrow(
            `${cacheDir} is not an unmodified root-owned copy of the PostgreSQL binaries: remove it and start again.`,
          );
        } finally {
          await rm(cacheDir, { recursive: true, force: true });
        }
      },
    );

    it('says in one sentence why it cannot start when no reachable place is left', async () => {
      const shut = path.join(closed, 'shut');
      const dataDir = path.join(closed, 'pgdata');
      const before = await readdir(closed);
      await expect(
        startEmbeddedPostgres({ binaries, dataDir, reachableDataRoot: shut }),
      ).rejects.toThrow(
        `As root, PostgreSQL runs as the \`postgres\` OS user, which cannot reach the data directory because it may not enter ${closed}: run sluice as an ordinary user, make that directory traversable (chmod o+x ${closed}), or point TMPDIR at a directory it can enter.`,
      );
      expect((await readdir(closed)).sort()).toEqual([...before, 'shut'].sort());
    });
  },
);
