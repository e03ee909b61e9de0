// pgJDBC's DatabaseMetaData through Sluice: test/fixtures/jdbc/MetaDataDump.java calls every
// pattern-taking metadata method on the vendored schema and prints the results; its output
// through the proxy must be exactly its direct output. Needs a JDK (javac, java) and the
// driver jar (Debian: apt package libpostgresql-jdbc-java); skipped with a message otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { adminClient, createTestDatabase, pgInfo } from '../helpers/pg.js';
import { run } from '../helpers/run.js';
import { startToolProxy, TOOL_PROXY_MODES, type ToolProxy } from '../helpers/tool-proxy.js';

const SOURCE = path.resolve('test/fixtures/jdbc/MetaDataDump.java');

function onPath(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The distribution's driver, else the newest one in the local Maven repository. */
function driverJar(): string | undefined {
  const system = '/usr/share/java/postgresql.jar';
  if (existsSync(system)) return system;
  const m2 = path.join(homedir(), '.m2/repository/org/postgresql/postgresql');
  if (!existsSync(m2)) return undefined;
  const versions = readdirSync(m2).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  for (const v of versions) {
    const jar = path.join(m2, v, `postgresql-${v}.jar`);
    if (existsSync(jar)) return jar;
  }
  return undefined;
}

const jar = driverJar();
const skipReason = !onPath('javac')
  ? 'no JDK (javac) on PATH (apt package default-jdk-headless)'
  : !onPath('java')
    ? 'no java on PATH'
    : !jar
      ? 'no pgJDBC driver (/usr/share/java/postgresql.jar: apt package libpostgresql-jdbc-java)'
      : undefined;
if (skipReason) console.warn(`tools-jdbc: skipped: ${skipReason}`);

let db: string;
let classes: string;

describe.skipIf(skipReason !== undefined)('pgJDBC DatabaseMetaData through Sluice', () => {
  beforeAll(async () => {
    db = await createTestDatabase('jdbc');
    const admin = await adminClient(db);
    try {
      await admin.query(readFileSync('test/fixtures/dump-schema.sql', 'utf8'));
    } finally {
      await admin.end();
    }
    classes = mkdtempSync(path.join(tmpdir(), 'sluice-jdbc-'));
    const javac = await run('javac', ['-d', classes, '-cp', jar!, SOURCE]);
    expect(javac.stderr).toBe('');
    expect(javac.code).toBe(0);
  });

  for (const mode of TOOL_PROXY_MODES) {
    describe(`${mode} proxy`, () => {
      let proxy: ToolProxy;
      beforeAll(async () => {
        proxy = await startToolProxy(mode);
      });
      afterAll(async () => {
        await proxy?.close();
      });

      it('prints the same metadata as a direct connection', async () => {
        const info = pgInfo();
        const direct = await dump(info.host, info.port);
        expect(direct).toContain('== getCrossReference(shop.orders, shop.order_lines)');
        expect(direct).toContain('order_lines_order_fk');
        expect(direct).not.toContain('!ERROR');
        const proxied = await dump(proxy.proxy.host, proxy.proxy.port);
        expect(proxied).toBe(direct);
      });
    });
  }
});

async function dump(host: string, port: number): Promise<string> {
  const info = pgInfo();
  // TLS off both ways: the suite's server offers it, the test proxy does not.
  const url = `jdbc:postgresql://${host}:${port}/${db}?sslmode=disable&connectTimeout=10`;
  const r = await run(
    'java',
    ['-cp', `${classes}${path.delimiter}${jar!}`, 'MetaDataDump', url, info.user, info.password],
    { timeoutMs: 90_000 },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}
