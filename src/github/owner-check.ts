// Is this GitHub user an active owner of every request path? Ownership comes from the
// CODEOWNERS file on the approvals repo's base branch, read fresh through the contents API
// (never from the PR's head, which the requester's side could edit). A team owner counts
// only through an *active* membership (the team-membership API), never a pending invite.
import type { ApprovalRequest, ApprovalVote } from '../approval/types.js';
import { normalizePrincipal } from '../approval/tier-check.js';
import type { PathOwners } from '../policy/types.js';
import { errorStatus, type GitHubClient, type RepoRef } from './github-client.js';
import { fetchCodeowners } from './codeowners-remote.js';
import { requestFilePaths } from './request-file.js';

export type OwnerCheck =
  | {
      ok: true;
      /** Active '@org/team' memberships among the principals that matter for this request. */
      teams: string[];
      /** Owners per request path from the base branch, in request.paths order. */
      paths: PathOwners[];
    }
  | { ok: false; reason: string };

/** Active membership of @org/team, via GET /orgs/{org}/teams/{team_slug}/memberships/{username}. */
export async function activeTeamMember(
  octokit: GitHubClient,
  team: string,
  login: string,
): Promise<boolean> {
  const m = /^@?([^/\s]+)\/([^/\s]+)$/.exec(team.trim());
  if (!m?.[1] || !m[2]) return false;
  try {
    const { data } = await octokit.rest.teams.getMembershipForUserInOrg({
      org: m[1],
      team_slug: m[2].toLowerCase(),
      username: login,
    });
    return data.state === 'active';
  } catch (err) {
    // 404: not a member (or the team does not exist). Anything else is an outage: rethrow,
    // the caller fails closed.
    if (errorStatus(err) === 404) return false;
    throw err;
  }
}

function isTeam(principal: string): boolean {
  return /^@?[^/@\s]+\/[^/\s]+$/.test(principal.trim());
}

export async function checkOwnership(
  octokit: GitHubClient,
  repo: RepoRef & { baseBranch: string },
  request: Pick<ApprovalRequest, 'id' | 'paths' | 'session' | 'tier'>,
  login: string,
  /** 'every' to approve (owner of every path); 'any' to deny (an owner of one table may object). */
  need: 'every' | 'any' = 'every',
): Promise<OwnerCheck> {
  const codeowners = await fetchCodeowners(octokit, repo, repo.baseBranch);
  const files = requestFilePaths(request);
  const dirs = request.paths.length > 0 ? request.paths.map((p) => p.path) : files;
  const ownersPerFile = files.map((file) => codeowners.ownersFor(file));

  // Every team that could matter: owners of the files, owners the policy resolved, tier groups.
  const principals = new Set<string>();
  for (const owners of ownersPerFile) for (const o of owners) principals.add(o);
  for (const p of request.paths) for (const o of p.owners) principals.add(o);
  for (const g of request.tier.owners.allOf) for (const o of g.anyOf) principals.add(o);
  const teams: string[] = [];
  const seen = new Set<string>();
  for (const principal of principals) {
    if (!isTeam(principal)) continue;
    const key = normalizePrincipal(principal);
    if (seen.has(key)) continue;
    seen.add(key);
    if (await activeTeamMember(octokit, principal, login)) teams.push(`@${key}`);
  }

  const me = normalizePrincipal(login);
  const owns = (owners: string[]) =>
    owners.some((o) => {
      const p = normalizePrincipal(o);
      return p === me || teams.includes(`@${p}`);
    });
  if (need === 'any' && !ownersPerFile.some(owns)) {
    return { ok: false, reason: `@${login} is not an owner of any of ${files.join(', ')}` };
  }
  for (const [i, file] of need === 'every' ? files.entries() : []) {
    const owners = ownersPerFile[i] ?? [];
    if (owners.length === 0) {
      return { ok: false, reason: `${file} has no owner in CODEOWNERS on ${repo.baseBranch}` };
    }
    if (!owns(owners)) {
      return {
        ok: false,
        reason: `@${login} is not an owner of ${file} (owners: ${owners.join(', ')})`,
      };
    }
  }
  const paths = files.map((_, i) => ({
    path: dirs[i] ?? files[i]!,
    owners: ownersPerFile[i] ?? [],
  }));
  return { ok: true, teams, paths };
}

/** The tierSatisfied view of recorded votes. */
export function approversOf(votes: ApprovalVote[]): { login: string; teams: string[] }[] {
  return votes.map((v) => ({ login: v.by, teams: v.teams ?? [] }));
}
