// /api/requests: the local approval channel. Votes arriving here are recorded with
// source 'local' and the approver named in the body (or the default identity).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../util/log.js';
import { tierSatisfied } from '../approval/tier-check.js';
import { toApprover } from '../approval/vote-rules.js';
import type { ApprovalBroker, ApprovalRequest, ResolveResult } from '../approval/types.js';
import { ApproveBody, DenyBody, ListQuery } from './admin-schemas.js';
import { HttpError, methodNotAllowed, readJson, sendJson } from './http-json.js';

export interface RequestsApiDeps {
  broker: ApprovalBroker;
  defaultApprover: string;
  localVotesAreOwners: boolean;
  log: Logger;
}

export const LOCAL_SOURCE = 'local';

/** A request as the API shows it: plus what it still needs while pending. */
export type RequestView = ApprovalRequest & { missing?: string[] };

export function toView(r: ApprovalRequest): RequestView {
  if (r.status !== 'pending') return r;
  return { ...r, missing: tierSatisfied(r.tier, r.paths, r.approvals.map(toApprover)).missing };
}

const ID = '([A-Za-z0-9_-]{1,64})';
const ONE = new RegExp(`^/api/requests/${ID}$`);
const ACTION = new RegExp(`^/api/requests/${ID}/(approve|deny)$`);

/** Returns false when the path is not one of its routes. */
export async function handleRequestsApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: RequestsApiDeps,
): Promise<boolean> {
  if (url.pathname === '/api/requests') {
    if (req.method !== 'GET') throw methodNotAllowed('GET');
    const q = ListQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!q.success) {
      const issues = q.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new HttpError(
        400,
        'invalid_query',
        `invalid query: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    const filter = {
      limit: q.data.limit,
      ...(q.data.status === 'all' ? {} : { status: q.data.status }),
    };
    const requests = await deps.broker.list(filter);
    sendJson(res, 200, { requests: requests.map(toView) });
    return true;
  }
  const one = ONE.exec(url.pathname);
  if (one) {
    if (req.method !== 'GET') throw methodNotAllowed('GET');
    const r = await deps.broker.get(one[1]!);
    if (!r) throw new HttpError(404, 'not_found', `no request ${one[1]}`);
    sendJson(res, 200, { request: toView(r) });
    return true;
  }
  const action = ACTION.exec(url.pathname);
  if (!action) return false;
  if (req.method !== 'POST') throw methodNotAllowed('POST');
  const id = action[1]!;
  if (action[2] === 'approve') {
    const body = await readJson(req, ApproveBody);
    const by = body.by ?? deps.defaultApprover;
    const result = await deps.broker.approve(id, {
      by,
      source: LOCAL_SOURCE,
      ...(body.reason ? { reason: body.reason } : {}),
      ...(body.bindingHash ? { bindingHash: body.bindingHash } : {}),
      ...(deps.localVotesAreOwners ? { anyOwner: true } : {}),
    });
    deps.log.info({ id, by, ok: result.ok }, 'local approval');
    const r = unwrap(result);
    sendJson(res, 200, { released: r.released, request: toView(r.request) });
    return true;
  }
  const body = await readJson(req, DenyBody);
  const by = body.by ?? deps.defaultApprover;
  const result = await deps.broker.deny(id, by, body.reason);
  deps.log.info({ id, by, ok: result.ok }, 'local denial');
  sendJson(res, 200, { request: toView(unwrap(result).request) });
  return true;
}

function unwrap(result: ResolveResult): Extract<ResolveResult, { ok: true }> {
  if (result.ok) return result;
  switch (result.code) {
    case 'not_found':
      throw new HttpError(404, result.code, result.message);
    case 'not_pending':
    case 'hash_mismatch':
      throw new HttpError(409, result.code, result.message);
    case 'forbidden':
      throw new HttpError(403, result.code, result.message);
  }
}
