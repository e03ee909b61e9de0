// The oracle's catalog-aware run: each corpus file's database gets a catalog snapshot,
// read on a side connection as the proxy reads it, and reloaded whenever a statement that
// was not a plain read has changed the catalog's fingerprint, so every statement is
// judged with the objects the file created before it (other sessions' temporary objects
// are invisible to the snapshot, as to the proxy).
import pg from 'pg';
import { catalogFingerprint, loadCatalog } from '../../../src/catalog/catalog-loader.js';
import type { CatalogSnapshot } from '../../../src/catalog/catalog-types.js';
import { judgeWithCatalog } from '../../../src/sql/catalog-judge.js';
import type { Classification } from '../../../src/sql/types.js';
import type { OracleCatalog, OracleConnection } from './oracle-runner.js';

export function catalogOpener(conn: OracleConnection) {
  return async (database: string): Promise<OracleCatalog> => {
    const side = new pg.Client({ ...conn, database, application_name: 'oracle catalog' });
    side.on('error', () => {});
    await side.connect();
    let snapshot: CatalogSnapshot = await loadCatalog(side);
    return {
      judge: (c: Classification) => judgeWithCatalog(c, snapshot),
      async settle(c: Classification): Promise<void> {
        if (c.class === 'read') return;
        const now = await catalogFingerprint(side);
        if (now !== snapshot.fingerprint) snapshot = await loadCatalog(side);
      },
      close: () => side.end().catch(() => {}),
    };
  };
}
