// Whether another OS user can reach a path. As root, PostgreSQL runs as the `postgres`
// user (it refuses to run as root), and that user must be able to traverse every directory
// from / to its binaries and its data; a clone under /root or a `mktemp -d` folder (0700)
// is closed to it, and the spawn fails with a bare EACCES. This is checked up front so
// the binaries and data can be put somewhere reachable, or the failure explained.
import { execFileSync } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
  /** Primary and supplementary groups. */
  groups: number[];
}

/** The ids of an OS user, or undefined when no such user exists. */
export function lookupOsUser(name: string): OsUser | undefined {
  try {
    const id = (flag: string) => execFileSync('id', [flag, name]).toString().trim();
    return {
      name,
      uid: Number(id('-u')),
      gid: Number(id('-g')),
      groups: id('-G').split(/\s+/).map(Number),
    };
  } catch {
    return undefined;
  }
}

function allows(st: { uid: number; gid: number; mode: number }, user: OsUser, bit: number) {
  if (user.uid === 0) return true;
  if (st.uid === user.uid) return (st.mode & (bit << 6)) !== 0;
  if (user.groups.includes(st.gid)) return (st.mode & (bit << 3)) !== 0;
  return (st.mode & bit) !== 0;
}

/**
 * The first directory on the way to `target` that `user` may not enter, or undefined
 * when every one lets it through (mode bits only; `target` itself must exist). With
 * `execute`, `target` must also be executable by `user`.
 */
export function firstClosedDir(target: string, user: OsUser, execute = false): string | undefined {
  const real = realpathSync(target);
  const dirs: string[] = [];
  for (let d = path.dirname(real); ; d = path.dirname(d)) {
    dirs.unshift(d);
    if (d === path.dirname(d)) break;
  }
  if (statSync(real).isDirectory()) dirs.push(real);
  for (const d of dirs) if (!allows(statSync(d), user, 0o1)) return d;
  if (execute && !allows(statSync(real), user, 0o1)) return real;
  return undefined;
}

/** The one sentence that says why PostgreSQL cannot run as root here, and what to do. */
export function unreachableMessage(what: string, closed: string, user: OsUser): string {
  return (
    `As root, PostgreSQL runs as the \`${user.name}\` OS user, which cannot reach ${what} ` +
    `because it may not enter ${closed}: run sluice as an ordinary user, make that directory ` +
    `traversable (chmod o+x ${closed}), or point TMPDIR at a directory it can enter.`
  );
}
