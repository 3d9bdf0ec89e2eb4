import { configured } from "../configured.ts";
import type { Source } from "../core/stream.ts";
import { GitlabRun, gitlabConfig, type GitlabSourceOptions } from "./context.ts";
import { changes } from "./changes.ts";
import { deployments, environments } from "./deployments.ts";
import { issues } from "./issues.ts";
import { mergeRequests } from "./merge-requests.ts";

/**
 * GitLab (gitlab.com or self-managed): merge requests, then deployments, whose finish hook maps the
 * commits each production deployment shipped to those merge requests (so MRs go first); labelled
 * issues become incidents when sources.gitlab.incidents.labels names any (`gitlab.incidents`).
 */
export function createGitlabSource(options: GitlabSourceOptions = {}): Source<GitlabRun> {
  return {
    name: "gitlab",
    enabled: configured.gitlab,
    streams: [mergeRequests, environments, deployments, changes, issues],
    start: (ctx) => new GitlabRun(ctx, options),
    async check(ctx) {
      const client = new GitlabRun(ctx, options).client;
      const user = (await client.users.showCurrentUser()) as { username?: string };
      return `authenticated as @${user.username ?? "?"} on ${gitlabConfig(ctx).base_url}`;
    },
  };
}

export const gitlabSource = createGitlabSource();
