// CODEOWNERS as GitHub sees it on a given ref: the first of .github/CODEOWNERS, CODEOWNERS,
// docs/CODEOWNERS (GitHub's own lookup order), parsed by the policy module's parser.
import { CODEOWNERS_LOCATIONS, ownersFor, parseCodeowners } from '../policy/codeowners.js';
import { errorStatus, type GitHubClient, type RepoRef } from './github-client.js';

export interface RemoteCodeowners {
  /** Where it was found, or undefined when the ref has no CODEOWNERS (nobody owns anything). */
  location: string | undefined;
  ownersFor(file: string): string[];
}

export async function fetchCodeowners(
  octokit: GitHubClient,
  repo: RepoRef,
  ref: string,
): Promise<RemoteCodeowners> {
  for (const location of CODEOWNERS_LOCATIONS) {
    let text: string;
    try {
      const { data } = await octokit.rest.repos.getContent({
        owner: repo.owner,
        repo: repo.repo,
        path: location,
        ref,
      });
      if (Array.isArray(data) || data.type !== 'file' || typeof data.content !== 'string') continue;
      text = Buffer.from(data.content, 'base64').toString('utf8');
    } catch (err) {
      // Absent here: try the next location. Any other failure is an outage: fail closed.
      if (errorStatus(err) === 404) continue;
      throw err;
    }
    const parsed = parseCodeowners(text, location);
    return { location, ownersFor: (file) => ownersFor(parsed, file) };
  }
  return { location: undefined, ownersFor: () => [] };
}
