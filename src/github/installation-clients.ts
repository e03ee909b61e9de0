// Installation-authenticated clients per repository, for work not triggered by a webhook
// (opening a PR when a statement is held, closing it when the request ends). The
// installation id is looked up once per repo with the App's JWT; Probot caches the
// installation tokens themselves.
import type { Probot } from 'probot';
import type { GitHubClient, RepoRef } from './github-client.js';

export class InstallationClients {
  readonly #ids = new Map<string, number>();

  constructor(private readonly probot: Probot) {}

  async forRepo(repo: RepoRef): Promise<GitHubClient> {
    const key = `${repo.owner}/${repo.repo}`.toLowerCase();
    let id = this.#ids.get(key);
    if (id === undefined) {
      const appClient = (await this.probot.auth()) as GitHubClient;
      const { data } = await appClient.rest.apps.getRepoInstallation({
        owner: repo.owner,
        repo: repo.repo,
      });
      id = data.id;
      this.#ids.set(key, id);
    }
    return (await this.probot.auth(id)) as GitHubClient;
  }
}
