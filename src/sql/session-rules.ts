// Rules for statements that act on the session: settings, transaction control,
// prepared statements, cursors, DISCARD, LISTEN. Prepared statements and cursors are
// classified by the statement they hold; without session state (plain classify()),
// EXECUTE and FETCH refer to something unseen and are writes (fail closed). The
// SessionClassifier resolves them from what the session prepared or declared.
import { innerStatementText } from './inner-text.js';
import { judgeReadWrite, judgeSetting, type SettingValue } from './setting-rules.js';
import type { RuleContext } from './statement-rules.js';
import { Family } from './statement-kinds.js';
import { constString, type WalkFacts } from './tree-walker.js';
import { Flag } from './types.js';
import type { Verdict } from './verdict.js';

type Body = Record<string, unknown>;
type SessionFamily = Exclude<
  Family,
  | 'select'
  | 'show'
  | 'explain'
  | 'dml'
  | 'copy'
  | 'forbidden'
  | 'ddl'
  | 'alter_setting'
  | 'create_table_as'
  | 'truncate'
  | 'maintenance'
  | 'code'
  | 'notify'
  | 'not_top_level'
>;

/** PostgreSQL's CURSOR_OPT_HOLD bit in DeclareCursorStmt.options. */
const CURSOR_OPT_HOLD = 0x0020;

export function unknownPreparedReason(name: string): string {
  return `EXECUTE ${name}: no statement of that name was prepared in this session, so it may write`;
}

export function unknownCursorReason(name: string): string {
  return `FETCH/MOVE ${name}: no cursor of that name was declared in this session, so it may write`;
}

/** Returns false when nested statements were accounted for by the inner classification. */
export function applySessionFamily(
  family: SessionFamily,
  b: Body,
  facts: WalkFacts,
  v: Verdict,
  ctx: RuleContext,
): boolean {
  switch (family) {
    case Family.set:
      v.flag(Flag.settingChange);
      setStatement(b, v, ctx);
      return true;
    case Family.transaction:
      transaction(b, v, ctx);
      return true;
    case Family.prepare: {
      const name = String(b.name ?? '');
      const inner = ctx.inner(b.query, innerStatementText(ctx.sql, 'prepare'));
      adoptInner(v, inner);
      v.raise('session', `PREPARE ${name} creates a prepared statement`);
      v.raise(
        inner.class,
        `PREPARE ${name} stores a ${inner.kind}; every EXECUTE ${name} is classified as ${inner.class}`,
      );
      v.effect = { type: 'prepare', name, statement: inner };
      return false;
    }
    case Family.execute: {
      const name = String(b.name ?? '');
      v.flag(Flag.preparedUnknown);
      v.raise('write', unknownPreparedReason(name));
      v.effect = { type: 'execute', name, paramsClass: facts.callClass };
      return true;
    }
    case Family.deallocate:
      v.raise('session', 'DEALLOCATE forgets a prepared statement');
      v.effect = { type: 'deallocate', name: b.isall ? null : String(b.name ?? '') };
      return true;
    case Family.declare: {
      const name = String(b.portalname ?? '');
      const inner = ctx.inner(b.query, innerStatementText(ctx.sql, 'declare'));
      adoptInner(v, inner);
      v.raise('session', `DECLARE ${name} opens a cursor`);
      v.raise(inner.class, `FETCH from ${name} runs a ${inner.kind} classified as ${inner.class}`);
      const hold = (Number(b.options ?? 0) & CURSOR_OPT_HOLD) !== 0;
      v.effect = { type: 'declare', name, hold, statement: inner };
      return false;
    }
    case Family.fetch: {
      const name = String(b.portalname ?? '');
      v.flag(Flag.preparedUnknown);
      v.raise('write', unknownCursorReason(name));
      v.effect = { type: 'fetch', name };
      return true;
    }
    case Family.close:
      v.raise('session', 'CLOSE closes a cursor');
      v.effect = { type: 'close', name: typeof b.portalname === 'string' ? b.portalname : null };
      return true;
    case Family.discard:
      v.raise('session', 'DISCARD resets session state');
      if (b.target === 'DISCARD_ALL') v.effect = { type: 'discard', all: true };
      return true;
    case Family.listen:
      v.raise('session', 'LISTEN/UNLISTEN changes which notifications this session receives');
      return true;
    case Family.constraints:
      if (b.deferred)
        v.raise('session', 'SET CONSTRAINTS ... DEFERRED postpones constraint checks');
      else {
        // Switching to IMMEDIATE fires the deferred constraint triggers queued by earlier
        // writes right now: foreign-key checks take row locks, constraint triggers run
        // user code. PostgreSQL refuses it in a read-only transaction (25006).
        v.raise(
          'write',
          'SET CONSTRAINTS ... IMMEDIATE runs deferred constraint triggers now (row locks, user trigger code)',
        );
      }
      return true;
  }
}

function adoptInner(
  v: Verdict,
  inner: {
    relations: Verdict['relations'];
    functions: string[];
    flags: readonly Flag[];
    reasons: readonly string[];
    class: Verdict['class'];
  },
): void {
  v.relations = [...inner.relations];
  v.functions = [...inner.functions];
  for (const f of inner.flags) v.flag(f);
  for (const r of inner.reasons) v.raise(inner.class, r);
}

function setStatement(b: Body, v: Verdict, ctx: RuleContext): void {
  const name = String(b.name ?? '');
  const args = Array.isArray(b.args) ? b.args : [];
  switch (b.kind) {
    case 'VAR_SET_MULTI': {
      if (name === 'TRANSACTION' || name === 'SESSION CHARACTERISTICS') {
        const where = name === 'TRANSACTION' ? 'SET TRANSACTION' : 'SET SESSION CHARACTERISTICS';
        const s = judgeReadWrite(where, readOnlyOption(args), ctx.opts);
        v.raise(s.class, s.reason);
      } else {
        v.raise('session', `SET ${name}`);
      }
      return;
    }
    case 'VAR_RESET_ALL':
      v.raise('session', 'RESET ALL restores session defaults');
      return;
    case 'VAR_SET_CURRENT':
      v.raise('session', `SET ${name} FROM CURRENT`);
      return;
    case 'VAR_SET_DEFAULT':
    case 'VAR_RESET':
      apply({ kind: 'default' });
      return;
    case 'VAR_SET_VALUE': {
      const values = args.map(constString);
      apply(
        values.every((x): x is string => x !== undefined)
          ? { kind: 'values', values }
          : { kind: 'unknown' },
      );
      return;
    }
    default:
      v.raise('write', `unknown SET form ${String(b.kind)}: classed as a write (fail closed)`);
  }

  function apply(value: SettingValue): void {
    const s = judgeSetting(name, value);
    v.raise(s.class, s.reason);
  }
}

/** transaction_read_only from BEGIN/SET TRANSACTION options: true, false or not given. */
function readOnlyOption(options: unknown[]): boolean | undefined {
  let result: boolean | undefined;
  for (const o of options) {
    const d = (o as Body).DefElem as Body | undefined;
    if (d?.defname !== 'transaction_read_only') continue;
    const value = constString(d.arg);
    result = value === undefined ? false : value !== '0' && value !== 'false';
  }
  return result;
}

function transaction(b: Body, v: Verdict, ctx: RuleContext): void {
  v.flag(Flag.transactionControl);
  switch (b.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START': {
      const s = judgeReadWrite(
        'BEGIN',
        readOnlyOption(Array.isArray(b.options) ? b.options : []),
        ctx.opts,
      );
      v.raise(s.class, s.reason);
      return;
    }
    case 'TRANS_STMT_COMMIT':
    case 'TRANS_STMT_ROLLBACK':
      v.raise('session', b.kind === 'TRANS_STMT_COMMIT' ? 'COMMIT' : 'ROLLBACK');
      v.effect = { type: 'transaction_end' };
      return;
    case 'TRANS_STMT_SAVEPOINT':
    case 'TRANS_STMT_RELEASE':
    case 'TRANS_STMT_ROLLBACK_TO':
      v.raise('session', 'savepoint control');
      return;
    case 'TRANS_STMT_PREPARE':
      v.raise(
        'write',
        'PREPARE TRANSACTION (two-phase commit) keeps a transaction’s writes beyond the session',
      );
      v.effect = { type: 'transaction_end' };
      return;
    case 'TRANS_STMT_COMMIT_PREPARED':
      v.raise('write', 'COMMIT PREPARED commits a two-phase transaction');
      return;
    case 'TRANS_STMT_ROLLBACK_PREPARED':
      v.raise('write', 'ROLLBACK PREPARED ends a two-phase transaction');
      return;
    default:
      v.raise(
        'write',
        `unknown transaction command ${String(b.kind)}: classed as a write (fail closed)`,
      );
  }
}
