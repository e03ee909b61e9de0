// Shared bits of the gating tests: a gated proxy over a fresh database with one table,
// clients through it, and local approvals as the admin API records them.
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { adminClient, createTestDatabase, pgInfo } from '../helpers/pg.js';
import { viaProxy } from '../helpers/proxy.js';
import { startGatedProxy, type GatedProxy } from '../helpers/gated-proxy.js';
import { RawClient, type RawMessage } from '../helpers/raw-client.js';
import type { ApprovalRequest } from '../../src/approval/types.js';

export interface GatingFixture {
  g: GatedProxy;
  db: string;
  admin: pg.Client;
  /** Refills `items` with ids 1..10. */
  reset(): Promise<void>;
  count(where?: string): Promise<number>;
  client(): Promise<pg.Client>;
  /** A raw client, authenticated as the trust role (owner of `items`). */
  raw(): Promise<RawClient>;
  /** The next request created, in order; throws after `timeoutMs`. */
  next(timeoutMs?: number): Promise<ApprovalRequest>;
  /** The next request if one is created within `ms`, else undefined (and no waiter is left behind). */
  maybeNext(ms: number): Promise<ApprovalRequest | undefined>;
  approve(id: string): Promise<void>;
  deny(id: string, reason?: string): Promise<void>;
  close(): Promise<void>;
}

export async function gatingFixture(
  prefix: string,
  policyFiles?: Record<string, string>,
): Promise<GatingFixture> {
  const db = await createTestDatabase(prefix);
  const admin = await adminClient(db);
  // A failed test can leave a raw client holding a lock: fail the next reset, do not hang.
  await admin.query("SET lock_timeout = '10s'");
  await admin.query(
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sluice_trust') THEN CREATE ROLE sluice_trust LOGIN; END IF; END $$`,
  );
  await admin.query('CREATE TABLE items (id int primary key, v text)');
  await admin.query('GRANT ALL ON items TO sluice_trust');
  const g = await startGatedProxy(policyFiles ? { policyFiles } : {});
  const created: ApprovalRequest[] = [];
  const waiters: ((r: ApprovalRequest) => void)[] = [];
  g.approvals.broker.subscribe((e) => {
    if (e.type !== 'created') return;
    const w = waiters.shift();
    if (w) w(e.request);
    else created.push(e.request);
  });
  const maybeNext = (ms: number): Promise<ApprovalRequest | undefined> => {
    const r = created.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => {
      const w = (req: ApprovalRequest) => {
        clearTimeout(t);
        resolve(req);
      };
      const t = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        resolve(undefined);
      }, ms);
      waiters.push(w);
    });
  };
  const fx: GatingFixture = {
    next: async (timeoutMs = 10_000) => {
      const r = await maybeNext(timeoutMs);
      if (!r) throw new Error(`no approval request within ${timeoutMs} ms`);
      return r;
    },
    maybeNext,
    g,
    db,
    admin,
    reset: async () => {
      await admin.query('TRUNCATE items');
      await admin.query("INSERT INTO items SELECT i, 'v' || i FROM generate_series(1, 10) i");
    },
    count: async (where = 'true') =>
      (await admin.query(`SELECT count(*)::int AS n FROM items WHERE ${where}`)).rows[0].n,
    client: async () => {
      const c = new pg.Client(viaProxy(g.proxy, db));
      c.on('notice', () => {});
      c.on('error', () => {});
      await c.connect();
      return c;
    },
    raw: async () => {
      const r = await RawClient.connect(g.proxy.host, g.proxy.port);
      await r.startup('sluice_trust', db);
      return r;
    },
    approve: async (id) => {
      const res = await g.approvals.broker.approve(id, {
        by: 'dba',
        reason: 'ok',
        source: 'local',
        anyOwner: true,
      });
      if (!res.ok || !res.released)
        throw new Error(`approval of ${id} did not release it: ${JSON.stringify(res)}`);
    },
    deny: async (id, reason = 'no') => {
      const res = await g.approvals.broker.deny(id, 'dba', reason);
      if (!res.ok) throw new Error(`denial of ${id} failed: ${res.message}`);
    },
    close: async () => {
      await admin.end();
      await g.close();
    },
  };
  return fx;
}

/** Connection environment for psql/pgbench through the proxy. */
export function psqlEnv(g: GatedProxy, db: string): Record<string, string> {
  const info = pgInfo();
  return {
    PGHOST: g.proxy.host,
    PGPORT: String(g.proxy.port),
    PGUSER: info.user,
    PGPASSWORD: info.password,
    PGDATABASE: db,
    PGSSLMODE: 'disable',
  };
}

/** Extended-protocol message builders for raw clients. */
export const msg = {
  parse: (name: string, text: string) => serialize.parse({ name, text, types: [] }),
  bind: (portal: string, statement: string, values: (string | null)[] = []) =>
    serialize.bind({ portal, statement, values }),
  execute: (portal = '') => serialize.execute({ portal, rows: 0 }),
  describePortal: (name = '') => serialize.describe({ type: 'P', name }),
  flush: () => serialize.flush(),
  sync: () => serialize.sync(),
  query: (sql: string) => serialize.query(sql),
};

/** Message codes only, e.g. ['1', '2', 'D', 'C', 'Z']. */
export function codes(ms: RawMessage[]): string[] {
  return ms.map((m) => m.code);
}

/** Reads messages until one with `code` arrives (inclusive). */
export async function readUntil(
  c: RawClient,
  code: string,
  timeoutMs = 5000,
): Promise<RawMessage[]> {
  const out: RawMessage[] = [];
  for (;;) {
    const m = await c.read(timeoutMs);
    if (!m)
      throw new Error(
        `connection closed while waiting for '${code}' (got ${codes(out).join(',')})`,
      );
    out.push(m);
    if (m.code === code) return out;
  }
}

/** True when nothing (except NoticeResponses) arrives within `ms`. */
export async function silentFor(c: RawClient, ms: number): Promise<RawMessage[]> {
  const got: RawMessage[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return got;
    try {
      const m = await c.read(left);
      if (!m) return got;
      if (m.code !== 'N') got.push(m);
    } catch {
      return got;
    }
  }
}

/** The text of a CommandComplete body. */
export function tag(m: RawMessage): string {
  return m.body.toString('utf8', 0, m.body.length - 1);
}
