// The proxy's catalog, as `sluice proxy` configures it: on unless --no-catalog or
// SLUICE_CATALOG=off, judging with the classifier's judgeWithCatalog, and the upstream
// URL's own database loaded at start (other databases on first use).
import { judgeWithCatalog } from '../sql/catalog-judge.js';
import type { Logger } from '../util/log.js';
import { CatalogRegistry } from './catalog-registry.js';

export interface CatalogSettings {
  enabled: boolean;
  /** The periodic change check, ms (0: none). */
  checkIntervalMs: number;
}

const OFF = new Set(['0', 'off', 'false', 'no']);

/** From `--no-catalog` and the environment (SLUICE_CATALOG, SLUICE_CATALOG_CHECK_MS). */
export function catalogSettings(
  noCatalogFlag: boolean | undefined,
  env: NodeJS.ProcessEnv,
): CatalogSettings {
  const interval = env.SLUICE_CATALOG_CHECK_MS;
  const ms = interval === undefined ? 10_000 : Number(interval);
  if (!Number.isInteger(ms) || ms < 0)
    throw new Error('SLUICE_CATALOG_CHECK_MS must be a whole number of milliseconds (0: off)');
  return {
    enabled: noCatalogFlag !== true && !OFF.has((env.SLUICE_CATALOG ?? '').toLowerCase()),
    checkIntervalMs: ms,
  };
}

/** undefined when disabled: the proxy then judges with the static rules only. */
export function openCatalog(
  upstreamUrl: string,
  settings: CatalogSettings,
  logger: Logger,
): CatalogRegistry | undefined {
  if (!settings.enabled) return undefined;
  const registry = new CatalogRegistry({
    upstreamUrl,
    judge: judgeWithCatalog,
    checkIntervalMs: settings.checkIntervalMs,
    logger,
  });
  const database = new URL(upstreamUrl).pathname.slice(1);
  if (database) registry.forDatabase(decodeURIComponent(database));
  return registry;
}

/** What GET /api/status shows under "catalog". */
export function catalogStatus(registry: CatalogRegistry | undefined): unknown {
  return registry ? registry.status() : { enabled: false };
}
