// Webhook events -> broker calls. Probot has already verified X-Hub-Signature-256 before
// any of this runs; here replayed delivery ids are dropped, then every vote goes through
// vote-checks (fail closed) under the request's lock.
import type { Context, Probot } from 'probot';
import { Channel } from '../policy/types.js';
import { voteRejectedEvent } from '../approval/request-audit.js';
import type { DeliveryGuard } from './delivery-guard.js';
import { errorMessage, type GitHubClient } from './github-client.js';
import { pendingRequestsAt, type GitHubDeps, type LinkedRequest } from './github-deps.js';
import { fromExternal } from './request-channel.js';
import { approveFromGitHub, denyFromGitHub, type VoteOutcome } from './vote-checks.js';

const REVIEW_CHANNELS = [Channel.pullRequest, Channel.comment] as const;

/** `/approve reason` or `/deny reason` at the very start of a comment. */
export function parseCommand(
  body: string | null | undefined,
): { verb: 'approve' | 'deny'; reason: string } | undefined {
  const m = /^\/(approve|deny)(?=\s|$)[ \t]*([^\r\n]*)/.exec((body ?? '').trimStart());
  if (!m?.[1]) return undefined;
  return { verb: m[1] as 'approve' | 'deny', reason: (m[2] ?? '').trim() };
}

/** A refused vote: recorded in the audit log (who tried matters) and explained on GitHub. */
async function refused(
  deps: GitHubDeps,
  octokit: GitHubClient,
  at: LinkedRequest,
  vote: { login: string; what: 'approval' | 'denial'; source: string },
  outcome: VoteOutcome,
): Promise<void> {
  if (outcome.ok) return;
  if (deps.audit && !outcome.audited) {
    await deps.audit
      .append(voteRejectedEvent(at.request, vote.login, vote.source, outcome.code, outcome.reason))
      .catch((err: unknown) =>
        deps.logger.error({ err: errorMessage(err) }, 'audit append failed'),
      );
  }
  await octokit.rest.issues.createComment({
    owner: at.ref.owner,
    repo: at.ref.repo,
    issue_number: at.ref.number,
    body: `@${vote.login}: your ${vote.what} for request ${at.request.id} was not counted: ${outcome.reason}`,
  });
}

export function registerWebhooks(probot: Probot, deps: GitHubDeps, guard: DeliveryGuard): void {
  const { logger, broker, lock } = deps;

  // A guard that cannot answer throws: the delivery fails (GitHub shows it, and it can be
  // redelivered) rather than risk handling it twice.
  const fresh = async (context: Context): Promise<boolean> => {
    if (await guard.firstTime(context.id)) return true;
    logger.warn({ delivery: context.id, event: context.name }, 'replayed webhook delivery ignored');
    return false;
  };

  /**
   * The pending requests at a PR/issue. GitHub can send a review the moment the PR exists,
   * before Sluice has stored the link: when nothing is linked there, wait for the openings
   * in flight (each holds its request's lock until the link is stored) and look again, so
   * such a vote is applied, through the same checks, instead of lost.
   */
  const linkedAt = async (
    where: { owner: string; repo: string; number: number },
    channels?: readonly Channel[],
  ): Promise<LinkedRequest[]> => {
    const found = await pendingRequestsAt(broker, where, channels);
    if (found.length > 0) return found;
    const opening = (await broker.list({ status: 'pending' })).filter(
      (r) => !fromExternal(r.external),
    );
    if (opening.length === 0) return found;
    logger.debug({ ...where, opening: opening.length }, 'webhook waits for requests being opened');
    await Promise.all(opening.map((r) => lock.run(r.id, () => Promise.resolve())));
    return pendingRequestsAt(broker, where, channels);
  };

  const each = async (
    found: LinkedRequest[],
    fn: (at: LinkedRequest) => Promise<void>,
  ): Promise<void> => {
    for (const at of found) {
      await lock
        .run(at.request.id, () => fn(at))
        .catch((err: unknown) => {
          logger.error(
            { err: errorMessage(err), request: at.request.id },
            'webhook handling failed',
          );
        });
    }
  };

  probot.on('pull_request_review', async (context) => {
    if (!(await fresh(context))) return;
    const { payload } = context;
    const review = payload.review;
    const login = review.user?.login;
    if (!login) return;
    const where = {
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      number: payload.pull_request.number,
    };
    switch (payload.action) {
      case 'submitted': {
        const state = review.state.toLowerCase();
        if (review.user?.type === 'Bot' || (state !== 'approved' && state !== 'changes_requested'))
          return;
        const found = await linkedAt(where, REVIEW_CHANNELS);
        await each(found, async (at) => {
          const outcome =
            state === 'approved'
              ? await approveFromGitHub(deps, {
                  request: at.request,
                  ref: at.ref,
                  login,
                  source: `github:review:${review.id}`,
                  commitId: review.commit_id,
                  octokit: context.octokit as GitHubClient,
                  ...(review.body ? { reason: review.body } : {}),
                })
              : await denyFromGitHub(deps, {
                  request: at.request,
                  login,
                  reason: review.body || 'changes requested',
                });
          logger.info(
            { request: at.request.id, login, state, ok: outcome.ok },
            'review considered',
          );
          await refused(
            deps,
            context.octokit as GitHubClient,
            at,
            {
              login,
              what: state === 'approved' ? 'approval' : 'denial',
              source: `github:review:${review.id}`,
            },
            outcome,
          );
        });
        return;
      }
      case 'dismissed': {
        const found = await linkedAt(where, REVIEW_CHANNELS);
        await each(found, async (at) => {
          const res = await broker.revoke(at.request.id, login, `review ${review.id} dismissed`);
          logger.info({ request: at.request.id, login, ok: res.ok }, 'dismissed review revoked');
        });
        return;
      }
      case 'edited':
        return;
    }
  });

  probot.on('pull_request', async (context) => {
    if (!(await fresh(context))) return;
    const { payload } = context;
    const where = {
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      number: payload.pull_request.number,
    };
    if (payload.action === 'synchronize') {
      // New commits: whatever was approved before is not what is there now.
      const found = await linkedAt(where, REVIEW_CHANNELS);
      await each(found, async (at) => {
        const current = await broker.get(at.request.id);
        for (const vote of current?.approvals ?? []) {
          await broker.revoke(
            at.request.id,
            vote.by,
            `new push to the pull request (${payload.after})`,
          );
        }
      });
    } else if (payload.action === 'closed' && !payload.pull_request.merged) {
      // Someone closed a request PR by hand: nobody can approve it any more, so say no now.
      const found = await linkedAt(where, [Channel.pullRequest]);
      const by = payload.sender.login;
      await each(found, async (at) => {
        await broker.deny(at.request.id, by, `pull request closed by @${by}`);
      });
    }
  });

  probot.on('issue_comment', async (context) => {
    if (!(await fresh(context))) return;
    const { payload } = context;
    // Only new comments: an edited comment could turn an old "/deny" into "/approve".
    if (payload.action !== 'created') return;
    const comment = payload.comment;
    if (comment.user?.type === 'Bot' || !comment.user?.login) return;
    const command = parseCommand(comment.body);
    if (!command) return;
    const login = comment.user.login;
    const where = {
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      number: payload.issue.number,
    };
    const found = await linkedAt(where);
    const octokit = context.octokit as GitHubClient;
    await each(found, async (at) => {
      let outcome: VoteOutcome;
      if (command.verb === 'deny') {
        outcome = await denyFromGitHub(deps, {
          request: at.request,
          login,
          reason: command.reason || 'denied',
        });
      } else if (at.ref.channel !== Channel.issue || payload.issue.pull_request) {
        outcome = {
          ok: false,
          code: 'wrong_channel',
          reason: 'on a pull request, approve with a review (Approve) on the head commit',
        };
      } else {
        outcome = await approveFromGitHub(deps, {
          request: at.request,
          ref: at.ref,
          login,
          source: `github:comment:${comment.id}`,
          octokit,
          ...(command.reason ? { reason: command.reason } : {}),
        });
      }
      logger.info(
        { request: at.request.id, login, verb: command.verb, ok: outcome.ok },
        'comment command considered',
      );
      await refused(
        deps,
        octokit,
        at,
        {
          login,
          what: command.verb === 'approve' ? 'approval' : 'denial',
          source: `github:comment:${comment.id}`,
        },
        outcome,
      );
    });
  });
}
