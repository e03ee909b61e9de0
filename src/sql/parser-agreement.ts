// Sluice's parser reads SQL text as a PostgreSQL server does with default settings. When
// the server reports (ParameterStatus) a setting under which it would read text
// differently, classifications can no longer be trusted, so every statement is
// forbidden, except those that cannot be misread and that let a client get back to a
// safe state (SET/RESET/SHOW, transaction control, DISCARD/DEALLOCATE/CLOSE, written in
// plain ASCII without backslashes, calling no function).
import { parserMismatch } from './setting-rules.js';
import { Flag, type Classification, type StatementInfo } from './types.js';

const RECOVERY_KINDS = new Set([
  'VariableSetStmt',
  'VariableShowStmt',
  'TransactionStmt',
  'DiscardStmt',
  'DeallocateStmt',
  'ClosePortalStmt',
]);
/** Settings that change how text is tokenised (search_path only changes name lookup). */
const LEXICAL = new Set(['standard_conforming_strings', 'client_encoding']);

export class ParserAgreement {
  private readonly mismatches = new Map<string, string>();

  parameterStatus(name: string, value: string): void {
    const key = name.toLowerCase();
    const reason = parserMismatch(key, value);
    if (reason) this.mismatches.set(key, reason);
    else this.mismatches.delete(key);
  }

  get active(): boolean {
    return this.mismatches.size > 0;
  }

  /** The classification of `sql`, or forbidden while the server reads text differently. */
  check(sql: string, c: Classification): Classification {
    if (!this.active || this.recoverable(sql, c)) return c;
    return this.forbid(c);
  }

  /** For a portal: same rule on the texts it runs. */
  gate(c: Classification): Classification {
    if (!this.active) return c;
    return this.check(c.statements.map((s) => s.resolvedSql ?? s.sql).join(';'), c);
  }

  private recoverable(sql: string, c: Classification): boolean {
    if (c.class !== 'read' && c.class !== 'session') return false;
    const lexical = [...this.mismatches.keys()].some((k) => LEXICAL.has(k));
    // eslint-disable-next-line no-control-regex
    if (lexical && (!/^[\x00-\x7f]*$/.test(sql) || sql.includes('\\'))) return false;
    return c.statements.every((s) => RECOVERY_KINDS.has(s.kind) && s.functions.length === 0);
  }

  private forbid(c: Classification): Classification {
    const reasons = [...this.mismatches.values()];
    const statements: StatementInfo[] = (
      c.statements.length > 0 ? c.statements : [emptyStatement()]
    ).map((s) => ({
      ...s,
      class: 'forbidden',
      risk: 'critical',
      flags: s.flags.includes(Flag.parserMismatch) ? s.flags : [...s.flags, Flag.parserMismatch],
      reasons: [...reasons.map((r) => `refused while ${r}`), ...s.reasons],
    }));
    return { class: 'forbidden', statements };
  }
}

function emptyStatement(): StatementInfo {
  return {
    sql: '',
    location: 0,
    length: 0,
    kind: 'Empty',
    class: 'read',
    relations: [],
    functions: [],
    flags: [],
    risk: 'low',
    reasons: [],
    fingerprint: '',
  };
}
