// `sluice classify --upstream URL` and `sluice explain --upstream URL`: the snapshot the
// proxy would use, loaded once, so that a verdict can be reproduced from the command line.
import { judgeWithCatalog } from '../sql/catalog-judge.js';
import { canonicalOptions } from '../sql/classify.js';
import type { Classification, ClassifierOptions } from '../sql/types.js';
import { loadCatalog } from './catalog-loader.js';
import { urlFor } from './catalog-registry.js';
import type { CatalogSnapshot } from './catalog-types.js';

/**
 * Loads the snapshot of `database` (default: the URL's own) on the server `upstreamUrl`
 * names, with its credentials. Throws an Error whose message says what failed.
 */
export async function loadCliCatalog(
  upstreamUrl: string,
  database?: string,
): Promise<CatalogSnapshot> {
  let url: string;
  try {
    url = database !== undefined ? urlFor(upstreamUrl, database) : upstreamUrl;
  } catch {
    throw new Error(`invalid --upstream URL: ${upstreamUrl}`);
  }
  try {
    return await loadCatalog(url);
  } catch (err) {
    throw new Error(
      `cannot read the catalog: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/** The proxy's judgement, with the same shared options object. */
export function applyCatalog(
  c: Classification,
  snapshot: CatalogSnapshot,
  opts: ClassifierOptions,
): Classification {
  return judgeWithCatalog(c, snapshot, canonicalOptions(opts));
}

/** One line for humans: which database, and how much of it the snapshot holds. */
export function describeSnapshot(s: CatalogSnapshot): string {
  const functions = s.functionsByOid.size;
  const operators = [...s.operators.values()].reduce((n, l) => n + l.length, 0);
  return (
    `database ${s.database}: ${s.relations.size} relations, ${s.types.size} types, ` +
    `${functions} functions, ${operators} operators, ${s.casts.length} casts` +
    (s.truncated ? ' (truncated: unknown names judged statically)' : '')
  );
}

/** For --json output. */
export function snapshotJson(s: CatalogSnapshot): unknown {
  return {
    database: s.database,
    fingerprint: s.fingerprint,
    truncated: s.truncated,
    searchPath: s.searchPath,
  };
}
