// Broker events -> GitHub. `created` opens the PR/issue/comment (and if GitHub cannot be
// reached, denies the request: it is never released, and the client gets a clear error
// at once, before the request's own timeout, instead of a misleading "expired"). `vote` and `resolved`
// re-render the body or close with the reason; `finished` reports and squash-merges.
import type { ApprovalRequest, BrokerEvent } from '../approval/types.js';
import { tierSatisfied } from '../approval/tier-check.js';
import { Channel } from '../policy/types.js';
import { channelFor } from './channels.js';
import { errorMessage, type GitHubClient } from './github-client.js';
import type { GitHubDeps } from './github-deps.js';
import type { GitHubSettings } from './github-settings.js';
import { approversOf } from './owner-check.js';
import {
  fromExternal,
  outcomeText,
  toExternal,
  whyClosed,
  type ExternalRef,
} from './request-channel.js';
import { describeEstimate } from './row-estimate.js';
import { notifySlack, slackOutcomeText, slackRequestText } from './slack-notify.js';
import { linkedPullRequestOf } from './channel-comment.js';
import { isUnreachable } from './github-unreachable.js';
import { runWork, WorkKind, type GitHubWork } from './github-work.js';

export const GITHUB_ACTOR = 'sluice:github';

/** Below this timeout no opening deadline is set: there is no room for a retry anyway. */
export const MIN_DEADLINE_TIMEOUT_MS = 2000;

/**
 * When opening must have finished: a little before the request expires, so the client hears
 * "GitHub could not be reached" (57S02) rather than "expired" (57S01) when that is the truth.
 * Requests shorter than 2 s get none (a healthy GitHub may need most of that to open a PR;
 * they simply expire, as before).
 */
export function openDeadline(
  request: Pick<ApprovalRequest, 'createdAt' | 'expiresAt'>,
): number | undefined {
  const created = Date.parse(request.createdAt);
  const expires = Date.parse(request.expiresAt);
  if (expires - created < MIN_DEADLINE_TIMEOUT_MS) return undefined;
  return expires - Math.min(2000, (expires - created) / 4);
}

// Openings are ranked in the order their requests were created (several can share a
// millisecond), so each PR's writes go out together instead of interleaving with the rest.
let opened = 0;

function workFor(event: BrokerEvent): GitHubWork {
  if (event.type !== 'created')
    return { kind: WorkKind.followUp, rank: Date.parse(event.request.createdAt) };
  const deadline = openDeadline(event.request);
  return { kind: WorkKind.open, rank: ++opened, ...(deadline !== undefined ? { deadline } : {}) };
}

async function clientFor(
  deps: GitHubDeps,
  settings: GitHubSettings,
  request: ApprovalRequest,
  ref?: ExternalRef,
): Promise<GitHubClient> {
  if (ref) return deps.clients.forRepo({ owner: ref.owner, repo: ref.repo });
  if (channelFor(request).name === Channel.comment)
    return deps.clients.forRepo(linkedPullRequestOf(request));
  return deps.clients.forRepo({ owner: settings.owner, repo: settings.repo });
}

async function slack(
  deps: GitHubDeps,
  settings: GitHubSettings,
  request: ApprovalRequest,
  text: string,
): Promise<void> {
  const url = settings.slackWebhookFor(request);
  if (url) await notifySlack(url, text, deps.logger);
}

async function onCreated(
  deps: GitHubDeps,
  settings: GitHubSettings,
  request: ApprovalRequest,
): Promise<void> {
  const estimate = deps.estimate
    ? describeEstimate(await deps.estimate(request))
    : 'not computed (no upstream connection configured for estimates)';
  const channel = channelFor(request);
  let ref: ExternalRef;
  try {
    const octokit = await clientFor(deps, settings, request);
    ref = await channel.open({ octokit, settings, logger: deps.logger }, request, estimate);
  } catch (err) {
    deps.logger.error(
      { err: errorMessage(err), request: request.id, channel: channel.name },
      'could not open the GitHub request',
    );
    const res = isUnreachable(err)
      ? await deps.broker.deny(request.id, GITHUB_ACTOR, err.message, 'channel_unreachable')
      : await deps.broker.deny(
          request.id,
          GITHUB_ACTOR,
          `could not open the GitHub request (${errorMessage(err)})`,
        );
    if (!res.ok)
      deps.logger.warn(
        { request: request.id, code: res.code },
        'deny after GitHub failure refused',
      );
    await slack(deps, settings, request, slackRequestText(request, undefined));
    return;
  }
  await deps.broker.setExternal(request.id, toExternal(ref));
  await slack(deps, settings, request, slackRequestText(request, ref.url));
}

/** The last GitHub step for a request; `done` marks it so a restart does not repeat it. */
async function settle(
  deps: GitHubDeps,
  settings: GitHubSettings,
  request: ApprovalRequest,
  ref: ExternalRef,
  step: () => Promise<void>,
): Promise<void> {
  if (ref.done) return;
  await step();
  await deps.broker.setExternal(request.id, { done: 1 });
  await slack(deps, settings, request, slackOutcomeText(request, ref.url));
}

const FINAL = ['denied', 'expired', 'cancelled', 'executed', 'failed'] as const;

/**
 * At start: requests that ended while no GitHub subscriber was listening (the previous
 * process died, or recover() cancelled them as "session ended" before we subscribed) still
 * have an open PR. Close or finish each, once.
 */
export async function catchUp(deps: GitHubDeps, limit = 200): Promise<number> {
  const settings = deps.settings();
  if (!settings) return 0;
  let n = 0;
  for (const status of FINAL) {
    for (const r of await deps.broker.list({ status, limit })) {
      const ref = fromExternal(r.external);
      if (!ref || ref.done) continue;
      const type = status === 'executed' || status === 'failed' ? 'finished' : 'resolved';
      await deps.lock
        .run(r.id, () =>
          runWork({ kind: WorkKind.followUp, rank: Date.parse(r.createdAt) }, () =>
            onChange(deps, settings, { type, request: r }),
          ),
        )
        .then(() => n++)
        .catch((err: unknown) =>
          deps.logger.error({ err: errorMessage(err), request: r.id }, 'GitHub catch-up failed'),
        );
    }
  }
  return n;
}

async function onChange(
  deps: GitHubDeps,
  settings: GitHubSettings,
  event: BrokerEvent,
): Promise<void> {
  // Events are snapshots from when they fired; `external` may have been set since.
  const request = (await deps.broker.get(event.request.id)) ?? event.request;
  const ref = fromExternal(request.external);
  if (!ref) return;
  const channel = channelFor(request);
  const ctx = {
    octokit: await clientFor(deps, settings, request, ref),
    settings,
    logger: deps.logger,
  };
  switch (event.type) {
    case 'vote':
      // A vote that released the request is followed by `resolved`, which re-renders.
      if (request.status !== 'pending') return;
      await channel.refresh(
        ctx,
        request,
        ref,
        tierSatisfied(request.tier, request.paths, approversOf(request.approvals)).missing,
      );
      return;
    case 'resolved':
      if (request.status === 'pending' || request.status === 'approved') {
        const missing = tierSatisfied(
          request.tier,
          request.paths,
          approversOf(request.approvals),
        ).missing;
        await channel.refresh(ctx, request, ref, request.status === 'pending' ? missing : []);
        return;
      }
      if (
        request.status === 'denied' ||
        request.status === 'expired' ||
        request.status === 'cancelled'
      ) {
        await settle(deps, settings, request, ref, () =>
          channel.close(ctx, request, ref, whyClosed(request)),
        );
      }
      return;
    case 'finished':
      await settle(deps, settings, request, ref, () =>
        channel.finish(ctx, request, ref, outcomeText(request)),
      );
      return;
    case 'created':
      return;
  }
}

/** Subscribes GitHub to the broker; returns the unsubscribe function. */
export function subscribeGitHub(deps: GitHubDeps): () => void {
  return deps.broker.subscribe((event) => {
    // Never block the broker (hold() must answer the proxy promptly): queue per request.
    void deps.lock
      .run(event.request.id, () =>
        runWork(workFor(event), async () => {
          const settings = deps.settings();
          if (!settings) {
            if (event.type === 'created')
              deps.logger.warn({ request: event.request.id }, 'no GitHub repo in the policy');
            return;
          }
          if (event.type === 'created') await onCreated(deps, settings, event.request);
          else await onChange(deps, settings, event);
        }),
      )
      .catch((err: unknown) => {
        deps.logger.error(
          { err: errorMessage(err), request: event.request.id, event: event.type },
          'GitHub update failed',
        );
      });
  });
}
