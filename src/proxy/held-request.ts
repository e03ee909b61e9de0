// Turning a held client request into an approval request: what will run, with which
// parameters, for whom, and the binding hash that ties an approval to those exact bytes.
import { createHash } from 'node:crypto';
import type { BoundParam, NewRequest, TxStatus } from '../approval/types.js';
import type { Decision, SessionIdentity } from '../policy/types.js';
import type { Classification } from '../sql/types.js';
import { paramFormat, type BindParams } from '../protocol/frontend-messages.js';

type ReviewDecision = Extract<Decision, { action: 'review' }>;

export interface HeldStatement {
  /** The SQL text that will run (the Query string or the prepared statement's text). */
  sql: string;
  /** The exact bytes of the statement as the server receives them. */
  statementBytes: Buffer;
  /** Bind parameters for the extended protocol. */
  bind?: BindParams;
}

export interface RequestContext {
  session: SessionIdentity & { sessionId: string; requester?: string };
  transactionStatus: TxStatus;
  classification: Classification;
  decision: ReviewDecision;
  redactParams: boolean;
}

/** sha256 over statement bytes, parameter bytes and the session identity, length-prefixed. */
export function bindingHash(stmt: HeldStatement, session: RequestContext['session']): string {
  const h = createHash('sha256');
  const part = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(buf.length);
    h.update(len);
    h.update(buf);
  };
  part(stmt.statementBytes);
  part(stmt.bind?.paramBytes ?? Buffer.alloc(0));
  part(session.sessionId);
  part(session.user);
  part(session.database);
  part(session.clientAddress);
  return h.digest('hex');
}

function displayParams(bind: BindParams | undefined, redact: boolean): BoundParam[] {
  if (!bind) return [];
  return bind.values.map((v, i) => {
    const format = paramFormat(bind.formats, i);
    if (v === null) return { index: i + 1, format, value: null, redacted: false };
    if (redact) return { index: i + 1, format, value: '[redacted]', redacted: true };
    return {
      index: i + 1,
      format,
      value: format === 'text' ? v.toString('utf8') : `\\x${v.toString('hex')}`,
      redacted: false,
    };
  });
}

/** Reads `/* sluice: reason=… pr=owner/repo#1 *\/` from the statement's leading comment. */
export function leadingDirectives(sql: string): { justification?: string; pr?: string } {
  const m = /^\s*\/\*\s*sluice:([^*]*)\*\//i.exec(sql);
  if (!m) return {};
  const out: { justification?: string; pr?: string } = {};
  const pr = /\bpr=([\w.-]+\/[\w.-]+#\d+)/.exec(m[1]!);
  if (pr) out.pr = pr[1];
  const reason = /\breason=(?:"([^"]*)"|(\S+))/.exec(m[1]!);
  if (reason) out.justification = reason[1] ?? reason[2];
  return out;
}

/** `application_name=sluice:pr=owner/repo#123` names the PR for the comment channel. */
export function prFromApplicationName(name: string): string | undefined {
  return /\bpr=([\w.-]+\/[\w.-]+#\d+)/.exec(name)?.[1];
}

export function buildRequest(stmt: HeldStatement, ctx: RequestContext): NewRequest {
  const directives = leadingDirectives(stmt.sql);
  const linked = directives.pr ?? prFromApplicationName(ctx.session.applicationName);
  return {
    sql: stmt.sql,
    params: displayParams(stmt.bind, ctx.redactParams),
    bindingHash: bindingHash(stmt, ctx.session),
    session: ctx.session,
    transactionStatus: ctx.transactionStatus,
    classification: ctx.classification,
    rule: ctx.decision.rule,
    tier: ctx.decision.tier,
    paths: ctx.decision.paths,
    ...(directives.justification ? { justification: directives.justification } : {}),
    ...(linked ? { linkedPullRequest: linked } : {}),
  };
}

/** Rows from a command tag: `DELETE 3`, `INSERT 0 5`, `COPY 100`. */
export function rowsFromTag(tag: string): number | undefined {
  const m = /(\d+)$/.exec(tag);
  return m ? Number(m[1]) : undefined;
}
