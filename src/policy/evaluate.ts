// The evaluator: pure, synchronous, run on every statement the proxy sees.
//
// Order (docs/policy.md):
//  1. a forbidden or invalid query is denied (default:forbidden / default:invalid);
//  2. each statement is decided by the first rule, in evaluation order (files sorted by name,
//     rules in file order), whose scope and match fit it;
//  3. a statement no rule matches gets the default for its class: reads and session statements
//     are allowed, writes reviewed, anything else reviewed (fail closed);
//  4. a query of several statements takes the strictest outcome: any deny denies (first
//     denying statement's rule), else any review reviews (first reviewed statement's rule, the
//     strictest combination of the tiers, every written table's path), else allow.
import type { Classification, StatementInfo, RelationRef } from '../sql/types.js';
import { CLASS_RANK } from '../sql/types.js';
import { cidrContains, addressBytes } from './cidr.js';
import { ownersFor, type CodeownersFile } from './codeowners.js';
import type { TableGlob } from './glob.js';
import {
  defaultRuleRef,
  type CompiledMatch,
  type CompiledRule,
  type CompiledScope,
  type PolicySet,
} from './policy-set.js';
import { combineDecisions } from './combine.js';
import { requestPath } from './request-path.js';
import type { Decision, PathOwners, SessionIdentity } from './types.js';

export interface StatementDecision {
  index: number;
  statement: StatementInfo;
  /** The decision for this statement alone; `rule` says which rule made it. */
  decision: Decision;
}

/** Lazily parsed client address: scopes with CIDRs are rare, parsing is not free. */
class SessionView {
  private addr: Uint8Array | null | undefined;
  constructor(readonly session: SessionIdentity) {}
  address(): Uint8Array | null {
    if (this.addr === undefined) this.addr = addressBytes(this.session.clientAddress) ?? null;
    return this.addr;
  }
}

function scopeMatches(scope: CompiledScope, view: SessionView): boolean {
  const s = view.session;
  if (scope.database && !scope.database.some((g) => g.regex.test(s.database))) return false;
  if (scope.user && !scope.user.some((g) => g.regex.test(s.user))) return false;
  if (scope.application && !scope.application.some((g) => g.regex.test(s.applicationName)))
    return false;
  if (scope.address) {
    const addr = view.address();
    if (!addr || !scope.address.some((c) => cidrContains(c, addr))) return false;
  }
  return true;
}

function tableMatches(globs: TableGlob[], r: RelationRef): boolean {
  return globs.some((g) => g.schema.regex.test(r.schema) && g.table.regex.test(r.name));
}

export function statementMatches(
  m: CompiledMatch,
  st: StatementInfo,
  statementCount: number,
): boolean {
  if (m.classes && !m.classes.has(st.class)) return false;
  if (m.kinds && !m.kinds.has(st.kind)) return false;
  if (m.risks && !m.risks.has(st.risk)) return false;
  if (m.flags && !m.flags.every((f) => st.flags.includes(f))) return false;
  if (m.withoutFlags && m.withoutFlags.some((f) => st.flags.includes(f))) return false;
  const rels = st.relations;
  if (m.tables && (rels.length === 0 || !rels.every((r) => tableMatches(m.tables!, r))))
    return false;
  if (m.anyTable && !rels.some((r) => tableMatches(m.anyTable!, r))) return false;
  if (
    m.schemas &&
    (rels.length === 0 || !rels.every((r) => m.schemas!.some((g) => g.regex.test(r.schema))))
  )
    return false;
  if (m.anySchema && !rels.some((r) => m.anySchema!.some((g) => g.regex.test(r.schema))))
    return false;
  if (m.statements) {
    if (m.statements.min !== undefined && statementCount < m.statements.min) return false;
    if (m.statements.max !== undefined && statementCount > m.statements.max) return false;
  }
  return true;
}

function pathsFor(
  database: string,
  relations: RelationRef[],
  codeowners: CodeownersFile | undefined,
): PathOwners[] {
  const out: PathOwners[] = [];
  for (const r of relations) {
    if (r.access !== 'write') continue;
    const p = requestPath(database, r.schema, r.name);
    if (out.some((x) => x.path === p)) continue;
    out.push({ path: p, owners: codeowners ? ownersFor(codeowners, p) : [] });
  }
  return out;
}

function decideStatement(
  policy: PolicySet,
  view: SessionView,
  st: StatementInfo,
  count: number,
  codeowners: CodeownersFile | undefined,
  scopeCache: Map<CompiledScope, boolean>,
): Decision {
  const redactTable =
    policy.settings.redactTables.length > 0 &&
    st.relations.some((r) => tableMatches(policy.settings.redactTables, r));
  let rule: CompiledRule | undefined;
  for (const r of policy.rules) {
    let inScope = true;
    for (const sc of r.scopes) {
      let hit = scopeCache.get(sc);
      if (hit === undefined) scopeCache.set(sc, (hit = scopeMatches(sc, view)));
      if (!hit) {
        inScope = false;
        break;
      }
    }
    if (inScope && statementMatches(r.match, st, count)) {
      rule = r;
      break;
    }
  }
  const reasons = [`${st.kind}: ${rule ? `rule ${rule.ref.id}` : 'no rule matched'}`];
  if (rule) {
    const redactParams = rule.redactParams || redactTable;
    switch (rule.action) {
      case 'allow':
        return { action: 'allow', rule: rule.ref, reasons, redactParams };
      case 'deny':
        return { action: 'deny', rule: rule.ref, message: rule.message, reasons, redactParams };
      case 'review':
        return {
          action: 'review',
          rule: rule.ref,
          tier: rule.tier,
          paths: pathsFor(view.session.database, st.relations, codeowners),
          reasons,
          redactParams,
        };
    }
  }
  const redactParams = policy.settings.redactParams || redactTable;
  switch (st.class) {
    case 'read':
      return { action: 'allow', rule: defaultRuleRef('read'), reasons, redactParams };
    case 'session':
      return { action: 'allow', rule: defaultRuleRef('session'), reasons, redactParams };
    case 'forbidden':
      return {
        action: 'deny',
        rule: defaultRuleRef('forbidden'),
        message: forbiddenMessage([st]),
        reasons,
        redactParams,
      };
    case 'invalid':
      return {
        action: 'deny',
        rule: defaultRuleRef('invalid'),
        message: 'the statement could not be parsed',
        reasons,
        redactParams,
      };
    case 'write':
      return {
        action: 'review',
        rule: defaultRuleRef('write'),
        tier: policy.settings.defaultTier,
        paths: pathsFor(view.session.database, st.relations, codeowners),
        reasons,
        redactParams,
      };
  }
  // A class this code does not know (a newer classifier): review, never allow.
  return {
    action: 'review',
    rule: defaultRuleRef('unmatched'),
    tier: policy.settings.defaultTier,
    paths: pathsFor(view.session.database, st.relations, codeowners),
    reasons,
    redactParams,
  };
}

function forbiddenMessage(statements: StatementInfo[]): string {
  const why = statements.filter((s) => s.class === 'forbidden').flatMap((s) => s.reasons);
  return why.length > 0 ? `statement is forbidden: ${why.join('; ')}` : 'statement is forbidden';
}

/** One decision per statement, each as if it were decided alone (for explain and check). */
export function evaluateStatements(
  policy: PolicySet,
  session: SessionIdentity,
  c: Classification,
  codeowners?: CodeownersFile,
): StatementDecision[] {
  const view = new SessionView(session);
  const scopeCache = new Map<CompiledScope, boolean>();
  return c.statements.map((statement, index) => ({
    index,
    statement,
    decision: decideStatement(policy, view, statement, c.statements.length, codeowners, scopeCache),
  }));
}

export function evaluate(
  policy: PolicySet,
  session: SessionIdentity,
  c: Classification,
  codeowners?: CodeownersFile,
): Decision {
  const redactParams = policy.settings.redactParams;
  if (c.class === 'forbidden') {
    return {
      action: 'deny',
      rule: defaultRuleRef('forbidden'),
      message: forbiddenMessage(c.statements),
      reasons: ['the query contains a forbidden statement'],
      redactParams,
    };
  }
  if (c.class === 'invalid') {
    const detail = c.error ? `: ${c.error.message}` : '';
    return {
      action: 'deny',
      rule: defaultRuleRef('invalid'),
      message: `the query could not be parsed${detail}`,
      reasons: [`invalid${detail}`],
      redactParams,
    };
  }
  const combined = combineDecisions(
    evaluateStatements(policy, session, c, codeowners).map((s) => s.decision),
  );
  // Fail closed if the query as a whole is classified above everything its statements are
  // (should not happen; a classifier bug must not turn into an allow).
  let maxRank = -1;
  for (const s of c.statements) maxRank = Math.max(maxRank, CLASS_RANK[s.class] ?? Infinity);
  if (!combined || (combined.action === 'allow' && (CLASS_RANK[c.class] ?? Infinity) > maxRank)) {
    if (!combined && c.class === 'read')
      return {
        action: 'allow',
        rule: defaultRuleRef('empty'),
        reasons: ['empty query'],
        redactParams,
      };
    return {
      action: 'review',
      rule: defaultRuleRef(c.class === 'write' ? 'write' : 'unmatched'),
      tier: policy.settings.defaultTier,
      paths: [],
      reasons: [`query classified ${c.class}`],
      redactParams,
    };
  }
  return combined;
}
