// psql's describe commands through Sluice: each one's output through the proxy must be
// exactly its direct output, on the vendored schema. (Cluster-wide listings such as \l and
// \du are left out: other test files add databases and roles to the shared server meanwhile;
// so are the sizes that \dt+ and \di+ print, which vacuum may change between the two runs.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { adminClient, createTestDatabase, pgInfo } from '../helpers/pg.js';
import { run } from '../helpers/run.js';
import { startToolProxy, TOOL_PROXY_MODES, type ToolProxy } from '../helpers/tool-proxy.js';

const COMMANDS = [
  '\\dn+',
  '\\dt shop.*',
  '\\d shop.customers',
  '\\d+ shop.orders',
  '\\d+ shop.order_lines',
  '\\d+ audit.events',
  '\\d shop.open_orders',
  '\\d+ shop.sales_by_sku',
  '\\di shop.*',
  '\\dv shop.*',
  '\\dm shop.*',
  '\\ds shop.*',
  '\\df+ shop.*',
  '\\df audit.*',
  '\\dT+ shop.*',
  '\\dD shop.*',
  '\\dp shop.*',
  '\\ddp',
  '\\dd shop.*',
  '\\dC',
  '\\dx',
  '\\dy',
  '\\dconfig work_mem',
  '\\sf shop.order_total',
  '\\sv shop.open_orders',
  '\\lo_list',
];

let db: string;

beforeAll(async () => {
  db = await createTestDatabase('describe');
  const admin = await adminClient(db);
  try {
    await admin.query(readFileSync('test/fixtures/dump-schema.sql', 'utf8'));
  } finally {
    await admin.end();
  }
});

describe('psql describe commands through Sluice', () => {
  for (const mode of TOOL_PROXY_MODES) {
    describe(`${mode} proxy`, () => {
      let proxy: ToolProxy;
      beforeAll(async () => {
        proxy = await startToolProxy(mode);
      });
      afterAll(async () => {
        await proxy?.close();
      });

      it('prints the same descriptions as a direct connection', async () => {
        const info = pgInfo();
        const direct = await describeAll(info.host, info.port);
        expect(direct).toContain('customers_email_lower');
        expect(direct).toMatch(/^exit 0\n[^]*\n-- stderr:\n$/);
        const proxied = await describeAll(proxy.proxy.host, proxy.proxy.port);
        expect(proxied).toEqual(direct);
      });
    });
  }
});

/** All commands in one psql session, each headed by its text; stderr (errors) after. */
async function describeAll(host: string, port: number): Promise<string> {
  const info = pgInfo();
  const script = COMMANDS.map((c) => `\\echo '== ${c.replace(/\\/g, '\\\\')}'\n${c}\n`).join('');
  const r = await run('psql', ['-X', '-f', '-'], {
    env: {
      PGHOST: host,
      PGPORT: String(port),
      PGUSER: info.user,
      PGPASSWORD: info.password,
      PGDATABASE: db,
      PGSSLMODE: 'disable',
    },
    input: script,
    timeoutMs: 60_000,
  });
  return `exit ${r.code}\n${r.stdout}\n-- stderr:\n${r.stderr}`;
}
