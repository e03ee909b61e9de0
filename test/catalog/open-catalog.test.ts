// How `sluice proxy` configures the catalog: on by default, off with --no-catalog or
// SLUICE_CATALOG=off, and the upstream URL's own database loaded at start.
import { describe, expect, it } from 'vitest';
import { catalogSettings, catalogStatus, openCatalog } from '../../src/catalog/open-catalog.js';
import { createTestDatabase, upstreamUrl } from '../helpers/pg.js';
import { silentLogger } from '../../src/util/log.js';

describe('catalogSettings', () => {
  it('on by default, every 10 s', () => {
    expect(catalogSettings(undefined, {})).toEqual({ enabled: true, checkIntervalMs: 10_000 });
  });

  it('off with --no-catalog or SLUICE_CATALOG=off', () => {
    expect(catalogSettings(true, {}).enabled).toBe(false);
    for (const v of ['off', 'OFF', '0', 'false', 'no'])
      expect(catalogSettings(undefined, { SLUICE_CATALOG: v }).enabled).toBe(false);
    expect(catalogSettings(undefined, { SLUICE_CATALOG: 'on' }).enabled).toBe(true);
  });

  it('SLUICE_CATALOG_CHECK_MS sets the change check; a bad value is a clear error', () => {
    expect(catalogSettings(undefined, { SLUICE_CATALOG_CHECK_MS: '0' }).checkIntervalMs).toBe(0);
    expect(() => catalogSettings(undefined, { SLUICE_CATALOG_CHECK_MS: '10s' })).toThrow(
      /SLUICE_CATALOG_CHECK_MS must be a whole number/,
    );
  });
});

describe('openCatalog', () => {
  it('disabled: no registry, and the status says so', () => {
    const r = openCatalog(
      upstreamUrl('postgres'),
      { enabled: false, checkIntervalMs: 0 },
      silentLogger,
    );
    expect(r).toBeUndefined();
    expect(catalogStatus(r)).toEqual({ enabled: false });
  });

  it("enabled: the upstream URL's database is loaded at start", async () => {
    const db = await createTestDatabase('catopen');
    const r = openCatalog(upstreamUrl(db), { enabled: true, checkIntervalMs: 0 }, silentLogger)!;
    try {
      expect(Object.keys(r.status().databases)).toEqual([db]);
      await r.settle(db);
      expect(catalogStatus(r)).toMatchObject({
        enabled: true,
        databases: { [db]: { state: 'ready' } },
      });
    } finally {
      r.close();
    }
  });
});
