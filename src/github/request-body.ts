// Markdown for the PR body, the issue body and the PR comment: the statement, the tables
// and their owners, approvals so far and still needed, the row estimate, and how to act.
// A hidden marker carries the request id and binding hash so an approval can be checked
// against what the reviewers were shown.
import type { ApprovalRequest } from '../approval/types.js';
import { Channel } from '../policy/types.js';
import {
  describeParam,
  describeTier,
  oneLine,
  requestFilePaths,
  requesterOf,
} from './request-file.js';

export interface BodyView {
  channel: Channel;
  /** Request file per table path, in request.paths order (pull_request channel). */
  files?: string[];
  /** describeEstimate() text, kept in the request's external bookkeeping. */
  estimate?: string;
  /** Still missing per tierSatisfied, when known. */
  missing?: string[];
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const t = oneLine(text);
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${t} ${fence}` : `${fence}${t}${fence}`;
}

function sqlBlock(sql: string): string {
  const longest = Math.max(0, ...(sql.match(/`{3,}/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}sql\n${sql}\n${fence}`;
}

const MARKER_RE = /<!-- sluice:request id=([A-Za-z0-9_-]+) binding-hash=([0-9a-f]+) -->/;

export function requestMarker(request: Pick<ApprovalRequest, 'id' | 'bindingHash'>): string {
  return `<!-- sluice:request id=${request.id} binding-hash=${request.bindingHash} -->`;
}

export function readRequestMarker(
  body: string | null | undefined,
): { id: string; bindingHash: string } | undefined {
  const m = MARKER_RE.exec(body ?? '');
  return m?.[1] && m[2] ? { id: m[1], bindingHash: m[2] } : undefined;
}

function howTo(channel: Channel): string[] {
  switch (channel) {
    case Channel.pullRequest:
      return [
        '- **Approve:** submit a review with **Approve** on the latest commit of this PR.',
        '- **Deny:** submit a review with **Request changes**, or comment `/deny <reason>`.',
      ];
    case Channel.issue:
      return [
        '- **Approve:** comment `/approve <reason>` (a new comment; edits are ignored).',
        '- **Deny:** comment `/deny <reason>`.',
      ];
    case Channel.comment:
      return [
        '- **Approve:** submit a review with **Approve** on the head commit of this PR.',
        '- **Deny:** submit a review with **Request changes**, or comment `/deny <reason>`.',
      ];
  }
}

function statusLine(request: ApprovalRequest): string {
  const r = request.resolution;
  switch (request.status) {
    case 'pending':
      return `**Status:** waiting for approval until ${request.expiresAt}`;
    case 'approved':
      return `**Status:** approved by ${request.approvals.map((a) => `@${a.by}`).join(', ')}; running`;
    case 'executed':
    case 'failed':
    case 'denied':
    case 'expired':
    case 'cancelled':
      return `**Status:** ${request.status}${r?.by ? ` by @${r.by}` : ''}${r?.reason ? `: ${oneLine(r.reason)}` : ''}`;
  }
}

export function renderRequestBody(request: ApprovalRequest, view: BodyView): string {
  const s = request.session;
  const lines: string[] = [
    `### Sluice: a write on ${code(s.database)} is waiting for approval`,
    '',
    statusLine(request),
    '',
    `Requested by ${code(requesterOf(request))} (role ${code(s.user)}, application ${code(s.applicationName || '(none)')}, client ${code(s.clientAddress)}), session ${code(s.sessionId)}.`,
    `Rule ${code(request.rule.id)}; tier: ${describeTier(request.tier)}. Expires ${request.expiresAt}.`,
    ...(request.justification ? [`Justification: ${code(request.justification)}`] : []),
    '',
    '#### Statement',
    '',
    sqlBlock(request.sql),
    ...(request.params.length > 0
      ? ['', 'Parameters:', ...request.params.map((p) => `- ${code(describeParam(p))}`)]
      : []),
    '',
    '#### Tables and owners',
    '',
    '| Request path | Owners |',
    '| --- | --- |',
    ...request.paths.map((p, i) => {
      const file = view.files?.[i] ?? p.path;
      const owners = p.owners.length > 0 ? p.owners.join(', ') : '_no owner: cannot be approved_';
      return `| ${code(file)} | ${owners} |`;
    }),
    '',
    '#### Approvals',
    '',
    request.approvals.length === 0
      ? 'None yet.'
      : request.approvals
          .map((a) => `- @${a.by}${a.reason ? `: ${oneLine(a.reason)}` : ''} (${a.source})`)
          .join('\n'),
    ...(request.status === 'pending'
      ? [
          '',
          `Still needed: ${
            view.missing && view.missing.length > 0
              ? view.missing.map((m) => oneLine(m)).join('; ')
              : `${Math.max(0, request.tier.approvals - request.approvals.length)} more approval(s) per the tier above`
          }.`,
        ]
      : []),
    '',
    '#### Estimated rows',
    '',
    view.estimate ?? 'not computed',
    '',
    '#### How to approve or deny',
    '',
    ...howTo(view.channel),
    '',
    'Only an owner of every request path counts (an active member of an owning team counts too); ' +
      'the requester cannot approve their own request, and a new push or a dismissed review withdraws approvals.',
    '',
    requestMarker(request),
  ];
  return lines.join('\n');
}

/** The body every channel posts: the request as `channel` shows it, with its files. */
export function channelBody(
  channel: BodyView['channel'],
  request: ApprovalRequest,
  estimate: BodyView['estimate'],
  missing?: string[],
): string {
  return renderRequestBody(request, {
    channel,
    files: requestFilePaths(request),
    ...(estimate !== undefined ? { estimate } : {}),
    ...(missing ? { missing } : {}),
  });
}
