// Runs the whole regression corpus through the oracle on a real server: a template
// database holding test_setup.sql's tables (the other files expect them), then every
// file on its own fresh copy, a few files at a time, each on its own connection.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { run } from './pg-run.js';
import { splitPsqlScript } from './psql-script.js';
import {
  runCorpusFile,
  type FileResult,
  type OracleCatalog,
  type OracleConnection,
} from './oracle-runner.js';
import { classify } from '../../../src/sql/classify.js';
import { oracleSkipReason } from './oracle-skips.js';

export interface CorpusFile {
  name: string;
  text: string;
}

/** The vendored regression SQL (test/fixtures/corpus, PostgreSQL License): inside the checkout. */
export const CORPUS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/corpus',
);

export function readCorpus(dir: string = CORPUS_DIR): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const sub of ['postgres_regress', 'plpgsql_regress']) {
    const d = path.join(dir, sub);
    for (const f of readdirSync(d)
      .filter((n) => n.endsWith('.sql'))
      .sort()) {
      out.push({ name: `${sub}/${f}`, text: readFileSync(path.join(d, f), 'utf8') });
    }
  }
  return out;
}

export async function runCorpus(
  files: CorpusFile[],
  conn: OracleConnection,
  lanes: number,
  openCatalog?: (database: string) => Promise<OracleCatalog>,
): Promise<{ results: FileResult[]; rolesLeft: string[] }> {
  const admin = new pg.Client({ ...conn, database: 'postgres' });
  await admin.connect();
  const tag = randomBytes(4).toString('hex');
  const rolesBefore = new Set(
    (await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles')).rows.map(
      (r) => r.rolname,
    ),
  );
  const template = `oracle_tpl_${tag}`;
  const created: string[] = [];
  try {
    await admin.query(`CREATE DATABASE ${template}`);
    created.push(template);
    const setup = files.find((f) => f.name.endsWith('/test_setup.sql'));
    if (setup) await loadTemplate(conn, template, setup.text);
    const queue = [...files];
    const results: FileResult[] = [];
    let n = 0;
    // Lanes share the admin connection; one command at a time on it.
    let chain: Promise<unknown> = Promise.resolve();
    const adminQuery = (sql: string): Promise<unknown> => {
      const next = chain.then(() => admin.query(sql));
      chain = next.catch(() => {});
      return next;
    };
    const lane = async (): Promise<void> => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const db = `oracle_${tag}_${n++}`;
        const from = f.name.endsWith('/test_setup.sql') ? 'template1' : template;
        await adminQuery(`CREATE DATABASE ${db} TEMPLATE ${from} STRATEGY FILE_COPY`);
        try {
          results.push(await runCorpusFile(f.name, f.text, conn, db, openCatalog));
        } finally {
          await adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return { results, rolesLeft: await dropNewRoles(admin, rolesBefore) };
  } finally {
    for (const db of created)
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

/** test_setup.sql's statements, run for real (no probes) into the template database. */
async function loadTemplate(conn: OracleConnection, database: string, text: string): Promise<void> {
  const client = new pg.Client({ ...conn, database, options: '-c statement_timeout=5000' });
  await client.connect();
  try {
    for (const s of splitPsqlScript(text)) {
      const c = classify(s.sql);
      if (c.class === 'invalid' || c.statements.some((x) => oracleSkipReason(x))) continue;
      await run(client, s.sql, s.copyData);
    }
  } finally {
    await client.end();
  }
}

/** Roles the corpus created are cluster-wide: drop them so other test files never see them. */
async function dropNewRoles(admin: pg.Client, before: Set<string>): Promise<string[]> {
  const now = (await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles')).rows.map(
    (r) => r.rolname,
  );
  let left = now.filter((r) => !before.has(r));
  // Roles can depend on each other (membership, grants): a few passes settle the order.
  for (let pass = 0; pass < 3 && left.length > 0; pass++) {
    const failed: string[] = [];
    for (const r of left) {
      const res = await run(admin, `DROP ROLE IF EXISTS "${r.replace(/"/g, '""')}"`);
      if (res.code) failed.push(r);
    }
    left = failed;
  }
  return left;
}
