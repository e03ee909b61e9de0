// Hand-built classifications (the evaluator's input) and in-memory policies for unit tests.
import {
  CLASS_RANK,
  type Access,
  type Classification,
  type Flag,
  type RelationRef,
  type StatementClass,
  type StatementInfo,
} from '../../src/sql/types.js';
import { loadPolicyTexts } from '../../src/policy/load.js';
import type { PolicySet } from '../../src/policy/policy-set.js';
import type { SessionIdentity } from '../../src/policy/types.js';

export function rel(name: string, access: Access = 'write'): RelationRef {
  const [schema, table] = name.includes('.') ? name.split('.') : ['public', name];
  return { schema: schema!, name: table!, qualified: name.includes('.'), access };
}

const CLASS_OF: Record<string, StatementClass> = {
  SelectStmt: 'read',
  InsertStmt: 'write',
  UpdateStmt: 'write',
  DeleteStmt: 'write',
  MergeStmt: 'write',
  CreateStmt: 'write',
  AlterTableStmt: 'write',
  DropStmt: 'write',
  TruncateStmt: 'write',
  VariableSetStmt: 'session',
  TransactionStmt: 'session',
};

export function stmt(
  kind: string,
  opts: {
    class?: StatementClass;
    relations?: RelationRef[];
    flags?: Flag[];
    risk?: StatementInfo['risk'];
    sql?: string;
  } = {},
): StatementInfo {
  const cls = opts.class ?? CLASS_OF[kind] ?? 'write';
  return {
    sql: opts.sql ?? kind,
    location: 0,
    length: (opts.sql ?? kind).length,
    kind,
    class: cls,
    relations: opts.relations ?? [],
    functions: [],
    flags:
      opts.flags ?? (['CreateStmt', 'AlterTableStmt', 'DropStmt'].includes(kind) ? ['ddl'] : []),
    risk: opts.risk ?? (cls === 'write' ? 'medium' : 'low'),
    reasons: [],
    fingerprint: '00',
  };
}

export function classification(...statements: StatementInfo[]): Classification {
  const cls = statements.reduce<StatementClass>(
    (acc, s) => (CLASS_RANK[s.class] > CLASS_RANK[acc] ? s.class : acc),
    'read',
  );
  return { class: cls, statements };
}

export function session(over: Partial<SessionIdentity> = {}): SessionIdentity {
  return {
    user: 'app',
    database: 'production',
    applicationName: 'web',
    clientAddress: '10.1.2.3',
    ...over,
  };
}

/** Loads policy files given as { 'name.yml': text } (sorted like the loader sorts). */
export function policyFrom(files: Record<string, string>): PolicySet {
  const texts = Object.keys(files)
    .sort()
    .map((name) => ({ file: `policies/${name}`, text: files[name]! }));
  const r = loadPolicyTexts(texts);
  if (!r.ok)
    throw new Error(
      r.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'),
    );
  return r.policy;
}
