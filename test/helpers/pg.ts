// Per-file access to the suite's real PostgreSQL.
import { inject } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';

export interface PgInfo {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function pgInfo(): PgInfo {
  return inject('pg');
}

/** A superuser client on the given database (default: postgres). Caller must end() it. */
export async function adminClient(database = 'postgres'): Promise<pg.Client> {
  const info = pgInfo();
  const client = new pg.Client({ ...info, database });
  await client.connect();
  return client;
}

/** Creates a fresh, uniquely named database for one test file and returns its name. */
export async function createTestDatabase(prefix = 't'): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = await adminClient();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return name;
}

/** postgres:// URL for the suite's server (superuser) and a database. */
export function upstreamUrl(database: string): string {
  const info = pgInfo();
  return `postgres://${info.user}:${encodeURIComponent(info.password)}@${info.host}:${info.port}/${database}`;
}
