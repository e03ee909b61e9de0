// The oracle's catalog-aware run: each corpus file's database gets a catalog snapshot,
// read on a side connection as the proxy reads it, and reloaded (when its fingerprint
// moved) before the first statement after a change whose verdict could depend on it, so
// every such statement is judged with the objects the file created before it (other sessions' temporary objects
// are invisible to the snapshot, as to the proxy).
import pg from 'pg';
import { catalogFingerprint, loadCatalog } from '../../../src/catalog/catalog-loader.js';
import type { CatalogSnapshot } from '../../../src/catalog/catalog-types.js';
import { judgeWithCatalog } from '../../../src/sql/catalog-judge.js';
import { CLASS_RANK, type Classification } from '../../../src/sql/types.js';
import type { OracleCatalog, OracleConnection } from './oracle-runner.js';

export function catalogOpener(conn: OracleConnection) {
  return async (database: string): Promise<OracleCatalog> => {
    const side = new pg.Client({ ...conn, database, application_name: 'oracle catalog' });
    side.on('error', () => {});
    await side.connect();
    // A file's open transaction may hold a catalog lock (REINDEX of a catalog index, LOCK
    // on pg_class): the side connection then gives up after a while, as the proxy's does.
    await side.query("SET lock_timeout = '2s'");
    let snapshot: CatalogSnapshot = await loadCatalog(side);
    /** A statement that was not a plain read ran since the snapshot was checked. */
    let dirty = false;
    /** The last reload could not finish: judge as the proxy does, never below static. */
    let stale = false;
    return {
      // Only a statement the catalog could judge read (static read or session, or a write
      // made only by unlisted calls the catalog might prove read) needs the objects as they
      // are now; any other stays at least a write with whatever snapshot, so the reload
      // waits until a statement needs it. Misses and lowered holds are counted all the same.
      async prepare(c: Classification): Promise<void> {
        if (!dirty) return;
        const mayRead =
          c.class === 'read' ||
          c.class === 'session' ||
          c.statements.some((s) => (s.catalogRefs?.unlisted.length ?? 0) > 0);
        if (!mayRead) return;
        dirty = false;
        try {
          const now = await catalogFingerprint(side);
          if (now !== snapshot.fingerprint) snapshot = await loadCatalog(side);
          stale = false;
        } catch (err) {
          if ((err as { code?: string }).code !== '55P03') throw err;
          stale = true;
          dirty = true;
        }
      },
      judge(c: Classification): Classification {
        const judged = judgeWithCatalog(c, snapshot);
        return stale && CLASS_RANK[judged.class] < CLASS_RANK[c.class] ? c : judged;
      },
      settle(c: Classification): Promise<void> {
        if (c.class !== 'read') dirty = true;
        return Promise.resolve();
      },
      close: () => side.end().catch(() => {}),
    };
  };
}
