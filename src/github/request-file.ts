// The file committed for each written table: `requests/<db>/<schema>/<table>/<id>.sql`.
// A header of SQL comments (who, which session, parameters, rule, tier, expiry, binding
// hash), then the exact SQL. The path is what CODEOWNERS matches, so GitHub requests the
// owners' reviews by itself; the binding hash ties what reviewers saw to what will run.
import type { ApprovalRequest, BoundParam } from '../approval/types.js';
import type { ApprovalTier } from '../policy/types.js';
import { encodePathSegment, REQUESTS_ROOT } from '../policy/request-path.js';

export class RequestPathError extends Error {
  override name = 'RequestPathError';
}

/** Rejects anything that could escape `requests/` or confuse git (.., control chars, //). */
function assertSafePath(path: string): string {
  const bad =
    !path.startsWith('requests/') ||
    path.includes('//') ||
    path.split('/').some((seg) => seg === '..' || seg === '.') ||
    // eslint-disable-next-line no-control-regex -- control characters are what we refuse
    /[\u0000-\u001f\u007f\\]/.test(path);
  if (bad) throw new RequestPathError(`unsafe request path: ${JSON.stringify(path)}`);
  return path;
}

/** One file per written table; a request without tables still gets one file per database. */
export function requestFilePaths(
  request: Pick<ApprovalRequest, 'id' | 'paths' | 'session'>,
): string[] {
  if (!/^[A-Za-z0-9_-]+$/.test(request.id))
    throw new RequestPathError(`unsafe request id: ${request.id}`);
  const dirs =
    request.paths.length > 0
      ? request.paths.map((p) => p.path)
      : [`${REQUESTS_ROOT}/${encodePathSegment(request.session.database)}/`];
  const files = dirs.map((dir) =>
    assertSafePath(`${dir.endsWith('/') ? dir : `${dir}/`}${request.id}.sql`),
  );
  return [...new Set(files)];
}

/** Header values on one line: newlines and other control characters become spaces. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what we replace
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

export function describeParam(p: BoundParam): string {
  if (p.redacted) return `$${p.index} = [redacted]`;
  if (p.value === null) return `$${p.index} = NULL`;
  const shown = p.format === 'binary' ? `binary 0x${p.value}` : JSON.stringify(p.value);
  return `$${p.index} = ${oneLine(shown)}`;
}

export function describeTier(tier: ApprovalTier): string {
  const parts = [`${tier.approvals} approval${tier.approvals === 1 ? '' : 's'}`];
  if (tier.owners.codeowners) parts.push('from CODEOWNERS of every table');
  for (const group of tier.owners.allOf) parts.push(`one of ${group.anyOf.join(', ')}`);
  if (tier.allowSelfApproval) parts.push('self-approval allowed');
  return parts.join('; ');
}

export function requesterOf(request: Pick<ApprovalRequest, 'session'>): string {
  return request.session.requester ?? request.session.user;
}

export function renderRequestFile(request: ApprovalRequest, path: string): string {
  const s = request.session;
  const rule = request.rule.file
    ? `${request.rule.id} (${request.rule.file}${request.rule.line ? `:${request.rule.line}` : ''})`
    : request.rule.id;
  const header = [
    `Sluice approval request ${request.id}`,
    `file: ${path}`,
    `requester: ${requesterOf(request)}`,
    `session: ${s.sessionId} (role ${s.user}, database ${s.database}, application ${JSON.stringify(s.applicationName)}, client ${s.clientAddress})`,
    `transaction: ${request.transactionStatus === 'I' ? 'none (autocommit)' : 'inside a transaction block'}`,
    ...(request.params.length === 0
      ? ['params: none']
      : request.params.map((p) => `param: ${describeParam(p)}`)),
    `rule: ${rule}`,
    `tier: ${describeTier(request.tier)}`,
    ...(request.justification ? [`justification: ${request.justification}`] : []),
    `created: ${request.createdAt}`,
    `expires: ${request.expiresAt}`,
    `binding-hash: ${request.bindingHash}`,
  ];
  return `${header.map((line) => `-- ${oneLine(line)}`).join('\n')}\n--\n${request.sql}`;
}

/** Reads `-- name: value` header lines back (only the header, never the SQL body). */
export function parseRequestHeader(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '--') break;
    const m = /^-- ([a-z-]+): (.*)$/.exec(line);
    if (!m) {
      if (line.startsWith('-- ')) continue;
      break;
    }
    if (m[1] && m[2] !== undefined && !fields.has(m[1])) fields.set(m[1], m[2]);
  }
  return fields;
}
