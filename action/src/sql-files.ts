// Which SQL files the Action classifies: the `sql` globs over the workspace, optionally
// narrowed to the files a pull request changes. Paths are repository-relative with '/'
// separators (what annotations and the PR file list use) and sorted, so the summary is
// the same on every run.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { InputError } from './inputs.js';

/** Directories never searched: version control and dependencies are not migrations. */
const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules']);

export interface SqlMatcher {
  /** Whether a repository-relative path is selected by the patterns. */
  matches(file: string): boolean;
  /** Static directories (or files) to search: the part of each pattern before its first glob. */
  bases: string[];
}

function normalize(pattern: string): string {
  const p = pattern.replace(/^\.\//, '');
  if (p.startsWith('/') || p === '..' || p.startsWith('../') || /^[A-Za-z]:/.test(p))
    throw new InputError(
      `input sql: ${JSON.stringify(pattern)} must be relative to the repository root`,
    );
  return p;
}

export function sqlMatcher(patterns: string[]): SqlMatcher {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of patterns) {
    if (raw.startsWith('!')) exclude.push(normalize(raw.slice(1)));
    else include.push(normalize(raw));
  }
  const yes = include.length > 0 ? picomatch(include) : () => false;
  const no = exclude.length > 0 ? picomatch(exclude) : () => false;
  const bases = [...new Set(include.map((p) => picomatch.scan(p).base))];
  return { matches: (file) => yes(file) && !no(file), bases };
}

async function isLinkToFile(root: string, rel: string): Promise<boolean> {
  try {
    return (await stat(path.join(root, rel))).isFile();
  } catch {
    return false; // a dangling link
  }
}

async function walk(root: string, rel: string, out: Set<string>, m: SqlMatcher): Promise<void> {
  let info;
  try {
    info = await stat(path.join(root, rel));
  } catch {
    return; // a base that does not exist matches nothing
  }
  if (info.isFile()) {
    if (m.matches(rel)) out.add(rel);
    return;
  }
  if (!info.isDirectory()) return;
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) await walk(root, child, out, m);
    } else if (m.matches(child) && (e.isFile() || (await isLinkToFile(root, child)))) {
      // Symbolic links to files count; links to directories are not followed (no cycles).
      out.add(child);
    }
  }
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every file under `root` the patterns select, repository-relative and sorted. */
export async function findSqlFiles(root: string, patterns: string[]): Promise<string[]> {
  const m = sqlMatcher(patterns);
  const out = new Set<string>();
  for (const base of m.bases) await walk(root, base, out, m);
  return [...out].sort(byCodeUnit);
}

/** The changed files (from the PR) the patterns select, sorted. */
export function filterChanged(changed: string[], patterns: string[]): string[] {
  const m = sqlMatcher(patterns);
  return [...new Set(changed.filter((f) => m.matches(f)))].sort(byCodeUnit);
}
