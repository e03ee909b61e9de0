// Shared by `sluice check` and `sluice explain`: loading a policy the way the CLI finds it,
// and turning decisions into short, exact text.
import { readFile } from 'node:fs/promises';
import { findCodeowners, parseCodeowners, type CodeownersFile } from './codeowners.js';
import { formatDuration } from './duration.js';
import { loadPolicies, type PolicyError } from './load.js';
import { defaultPolicy, type PolicySet } from './policy-set.js';
import type { ApprovalTier, Decision, RuleRef } from './types.js';

export const DEFAULT_POLICIES_DIR = 'policies';

export interface PolicyContext {
  policy?: PolicySet;
  codeowners?: CodeownersFile;
  /** 'defaults' when the default policies directory does not exist. */
  source: 'files' | 'defaults';
  errors: PolicyError[];
  notes: string[];
}

/**
 * Loads policies and CODEOWNERS for a CLI command. An explicit directory or CODEOWNERS file
 * must exist; the default `policies/` may be missing (the built-in defaults apply, with a
 * note), and CODEOWNERS is otherwise looked up where GitHub looks, from `cwd`.
 */
export async function loadPolicyContext(opts: {
  policies?: string;
  codeowners?: string;
  cwd?: string;
}): Promise<PolicyContext> {
  const ctx: PolicyContext = { source: 'files', errors: [], notes: [] };
  try {
    const found = opts.codeowners
      ? { path: opts.codeowners, text: await readFile(opts.codeowners, 'utf8') }
      : await findCodeowners(opts.cwd ?? process.cwd());
    if (found) {
      ctx.codeowners = parseCodeowners(found.text, found.path);
      ctx.errors.push(
        ...ctx.codeowners.errors.map((e) => ({
          file: found.path,
          line: e.line,
          column: 1,
          message: e.message,
        })),
      );
    } else {
      ctx.notes.push(
        'no CODEOWNERS file (.github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS): reviews by CODEOWNERS have no owners',
      );
    }
  } catch (err) {
    ctx.errors.push({
      file: opts.codeowners ?? 'CODEOWNERS',
      line: 0,
      column: 0,
      message: `cannot read: ${(err as Error).message}`,
    });
  }
  const dir = opts.policies ?? DEFAULT_POLICIES_DIR;
  const loaded = await loadPolicies(dir);
  if (loaded.ok) {
    ctx.policy = loaded.policy;
  } else if (
    !opts.policies &&
    loaded.errors.length === 1 &&
    loaded.errors[0]!.message === 'policies directory not found'
  ) {
    ctx.policy = defaultPolicy();
    ctx.source = 'defaults';
    ctx.notes.push(
      `no ${dir}/ directory: using the built-in defaults (reads allowed, writes reviewed)`,
    );
  } else {
    ctx.errors.push(...loaded.errors);
  }
  return ctx;
}

/** `policies/prod.yml:12 (dml)` or `default:write`. */
export function ruleLabel(rule: RuleRef): string {
  return rule.file ? `${rule.file}:${rule.line ?? '?'} (${rule.name})` : rule.id;
}

/** Everyone who can satisfy some part of a review: table owners and named groups. */
export function reviewOwners(d: Decision): string[] {
  if (d.action !== 'review') return [];
  const all = [
    ...(d.tier.owners.codeowners ? d.paths.flatMap((p) => p.owners) : []),
    ...d.tier.owners.allOf.flatMap((g) => g.anyOf),
  ];
  return [...new Set(all)];
}

/**
 * Why a review has nobody to approve part of it, or undefined when it is fully owned:
 * a written table without a CODEOWNERS owner while CODEOWNERS must approve, or no
 * approver at all.
 */
export function missingOwners(d: Decision): string | undefined {
  if (d.action !== 'review') return undefined;
  const { codeowners, allOf } = d.tier.owners;
  const unowned = codeowners ? d.paths.filter((p) => p.owners.length === 0).map((p) => p.path) : [];
  if (unowned.length > 0) return `no CODEOWNERS owner for ${unowned.join(', ')}`;
  if (allOf.length === 0 && (!codeowners || d.paths.length === 0))
    return 'nobody can approve it: no written table and no named owners';
  return undefined;
}

export function describeTier(tier: ApprovalTier): string[] {
  const owners: string[] = [];
  if (tier.owners.codeowners) owners.push('the CODEOWNERS of every written table');
  for (const g of tier.owners.allOf)
    owners.push(g.anyOf.length === 1 ? g.anyOf[0]! : `one of ${g.anyOf.join(', ')}`);
  return [
    `${tier.approvals} approval${tier.approvals === 1 ? '' : 's'}, including ${owners.join(' and ')}`,
    `timeout ${formatDuration(tier.timeoutMs)}; self-approval ${tier.allowSelfApproval ? 'allowed' : 'not allowed'}; justification ${tier.requireJustification ? 'required' : 'optional'}`,
    `inside an open transaction: ${tier.inTransaction === 'hold' ? 'hold (the transaction waits)' : 'deny at once'}; channel: ${tier.channel}${tier.slackWebhook ? `; Slack: ${tier.slackWebhook.startsWith('env:') ? tier.slackWebhook : 'webhook URL set'}` : ''}`,
  ];
}

/**
 * The 1-based line where a statement starts: the first token at or after `byteOffset`,
 * skipping the whitespace and comments the parser's statement location includes.
 */
export function statementLine(text: string, byteOffset: number): number {
  const buf = Buffer.from(text, 'utf8');
  let i = Math.min(Math.max(byteOffset, 0), buf.length);
  for (;;) {
    while (i < buf.length && /\s/.test(String.fromCharCode(buf[i]!))) i++;
    if (buf[i] === 0x2d && buf[i + 1] === 0x2d) {
      while (i < buf.length && buf[i] !== 0x0a) i++;
    } else if (buf[i] === 0x2f && buf[i + 1] === 0x2a) {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      do {
        if (buf[i] === 0x2f && buf[i + 1] === 0x2a) {
          depth++;
          i += 2;
        } else if (buf[i] === 0x2a && buf[i + 1] === 0x2f) {
          depth--;
          i += 2;
        } else {
          i++;
        }
      } while (depth > 0 && i < buf.length);
    } else {
      break;
    }
  }
  let line = 1;
  for (let j = 0; j < i && j < buf.length; j++) if (buf[j] === 0x0a) line++;
  return line;
}

/** The 1-based line of a 1-based character position (PostgreSQL's cursor position). */
export function lineOfCharPosition(text: string, position: number): number {
  const chars = Array.from(text).slice(0, Math.max(position - 1, 0));
  return chars.filter((c) => c === '\n').length + 1;
}

/** A plain text table with a header row, columns padded to width. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** One line of SQL for display. */
export function oneLine(sql: string, max = 60): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
