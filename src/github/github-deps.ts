// The shared pieces the broker subscriber and the webhook handlers both use.
import type { ApprovalBroker, ApprovalRequest } from '../approval/types.js';
import type { AuditLog } from '../audit/audit-types.js';
import { Channel } from '../policy/types.js';
import type { Logger } from '../util/log.js';
import type { GitHubSettingsSource } from './github-settings.js';
import type { InstallationClients } from './installation-clients.js';
import type { KeyedLock } from './keyed-lock.js';
import { fromExternal, type ExternalRef } from './request-channel.js';
import type { RowEstimate } from './row-estimate.js';

export interface GitHubDeps {
  broker: ApprovalBroker;
  settings: GitHubSettingsSource;
  clients: InstallationClients;
  lock: KeyedLock;
  logger: Logger;
  /** Where refused GitHub votes are recorded (the broker records the rest). */
  audit?: Pick<AuditLog, 'append'>;
  /** EXPLAIN-based row estimate; absent when no upstream URL is configured. */
  estimate?: (request: ApprovalRequest) => Promise<RowEstimate>;
}

export interface LinkedRequest {
  request: ApprovalRequest;
  ref: ExternalRef;
}

/** Pending requests whose PR/issue/comment lives at owner/repo#number. */
export async function pendingRequestsAt(
  broker: ApprovalBroker,
  where: { owner: string; repo: string; number: number },
  channels: readonly Channel[] = [Channel.pullRequest, Channel.issue, Channel.comment],
): Promise<LinkedRequest[]> {
  const out: LinkedRequest[] = [];
  for (const request of await broker.list({ status: 'pending' })) {
    const ref = fromExternal(request.external);
    if (!ref || !channels.includes(ref.channel) || ref.number !== where.number) continue;
    if (ref.owner.toLowerCase() !== where.owner.toLowerCase()) continue;
    if (ref.repo.toLowerCase() !== where.repo.toLowerCase()) continue;
    out.push({ request, ref });
  }
  return out;
}
