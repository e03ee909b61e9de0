// What every GitHub channel (pull_request, issue, comment) does for a request, and the
// bookkeeping a channel leaves on the request (`external`) so later events find the PR.
import type { ApprovalRequest } from '../approval/types.js';
import { Channel } from '../policy/types.js';
import type { Logger } from '../util/log.js';
import type { GitHubClient } from './github-client.js';
import type { GitHubSettings } from './github-settings.js';

export interface ExternalRef {
  channel: Channel;
  owner: string;
  repo: string;
  /** PR or issue number. */
  number: number;
  url: string;
  /** pull_request channel: the request branch. */
  branch?: string;
  /** pull_request channel: the commit Sluice pushed; the merge insists on it. */
  headSha?: string;
  /** comment channel: the request comment. */
  commentId?: number;
  /** Row estimate text for the body (computed once, at creation). */
  estimate?: string;
  /** Set once the PR/issue was closed or finished: nothing left to do on GitHub. */
  done?: number;
}

export function toExternal(ref: ExternalRef): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(ref)) if (v !== undefined) out[k] = v as string | number;
  return out;
}

const CHANNELS = new Set<string>(Object.values(Channel));

/** Reads back what toExternal wrote; undefined when the request never reached GitHub. */
export function fromExternal(external: ApprovalRequest['external']): ExternalRef | undefined {
  if (!external) return undefined;
  const { channel, owner, repo, number, url, branch, headSha, commentId, estimate, done } =
    external;
  if (typeof channel !== 'string' || !CHANNELS.has(channel)) return undefined;
  if (typeof owner !== 'string' || typeof repo !== 'string' || typeof number !== 'number')
    return undefined;
  return {
    channel: channel as Channel,
    owner,
    repo,
    number,
    url: typeof url === 'string' ? url : '',
    ...(typeof branch === 'string' ? { branch } : {}),
    ...(typeof headSha === 'string' ? { headSha } : {}),
    ...(typeof commentId === 'number' ? { commentId } : {}),
    ...(typeof estimate === 'string' ? { estimate } : {}),
    ...(typeof done === 'number' ? { done } : {}),
  };
}

export interface ChannelContext {
  octokit: GitHubClient;
  settings: GitHubSettings;
  logger: Logger;
}

export interface RequestChannel {
  readonly name: Channel;
  /** Creates the PR / issue / comment. Throws when GitHub cannot be reached: fail closed. */
  open(ctx: ChannelContext, request: ApprovalRequest, estimate: string): Promise<ExternalRef>;
  /** Re-renders the body after a vote or the approval. */
  refresh(
    ctx: ChannelContext,
    request: ApprovalRequest,
    ref: ExternalRef,
    missing: string[],
  ): Promise<void>;
  /** Denied, expired, cancelled: say why and close. */
  close(
    ctx: ChannelContext,
    request: ApprovalRequest,
    ref: ExternalRef,
    why: string,
  ): Promise<void>;
  /** Executed or failed: report the outcome and keep the record (squash-merge the PR). */
  finish(
    ctx: ChannelContext,
    request: ApprovalRequest,
    ref: ExternalRef,
    outcome: string,
  ): Promise<void>;
}

export function requestTitle(request: ApprovalRequest): string {
  const kinds = [
    ...new Set(
      request.classification.statements.filter((s) => s.class === 'write').map((s) => s.kind),
    ),
  ]
    .map((k) => k.replace(/Stmt$/, '').toUpperCase())
    .join('+');
  const tables = request.paths.map((p) =>
    p.path
      .replace(/^requests\//, '')
      .replace(/\/$/, '')
      .replace(/\//g, '.'),
  );
  const on = tables.length > 0 ? tables.join(', ') : request.session.database;
  const title = `Sluice: ${kinds || 'write'} on ${on} (${request.id})`;
  return title.length > 200 ? `${title.slice(0, 197)}...` : title;
}

export function outcomeText(request: ApprovalRequest): string {
  const o = request.outcome;
  if (!o) return `Request ${request.id} ended as ${request.status}.`;
  if (o.ok) {
    const rows = o.rows !== undefined ? `, ${o.rows} row${o.rows === 1 ? '' : 's'}` : '';
    return `Executed: \`${o.commandTag ?? 'OK'}\`${rows}, in ${o.durationMs} ms.`;
  }
  const e = o.error ? `${o.error.code}: ${o.error.message}` : 'unknown error';
  return `Failed after ${o.durationMs} ms: ${e.replace(/[`\r\n]+/g, ' ')}`;
}

export function whyClosed(request: ApprovalRequest): string {
  const r = request.resolution;
  const reason = r?.reason ? `: ${r.reason.replace(/[\r\n]+/g, ' ')}` : '';
  switch (request.status) {
    case 'denied':
      return `Denied${r?.by ? ` by @${r.by}` : ''}${reason}. Nothing was executed.`;
    case 'expired':
      return `Expired at ${request.expiresAt} without enough approvals. Nothing was executed.`;
    case 'cancelled':
      return `Cancelled${reason || ': the session ended'}. Nothing was executed.`;
    case 'pending':
    case 'approved':
    case 'executed':
    case 'failed':
      return `Request ${request.id} is ${request.status}.`;
  }
}
