import { configured } from "../configured.ts";
import type { Source } from "../core/stream.ts";
import { commits } from "./commits.ts";
import { deployments } from "./deployments.ts";
import { issues } from "./issues.ts";
import { pullRequests } from "./pull-requests.ts";
import { releases } from "./releases.ts";
import { tags } from "./tags.ts";
import { GithubRun, type GithubSourceOptions } from "./run.ts";
import { workflowRuns } from "./workflow-runs.ts";

/**
 * GitHub: deployments (Deployments API, releases, tags or workflow runs, per repository), merged pull
 * requests, and the commits each production deployment shipped. Order matters: `github.commits`
 * reads the deployments and pull requests written just before it. Labelled issues become incidents
 * when sources.github.incidents.labels names any (`github.incidents`).
 */
export function createGithubSource(options: GithubSourceOptions = {}): Source<GithubRun> {
  return {
    name: "github",
    enabled: configured.github,
    streams: [deployments, releases, tags, workflowRuns, pullRequests, commits, issues],
    start: (ctx) => new GithubRun(ctx, options),
    check: async (ctx) => {
      const { rest } = new GithubRun(ctx, options).client;
      const { data } = await rest.request("GET /rate_limit");
      const core = data.resources.core;
      const reset = new Date(core.reset * 1000).toISOString();
      return `authenticated; ${core.remaining}/${core.limit} REST requests left until ${reset}; GraphQL ${data.resources.graphql?.remaining ?? "?"} points`;
    },
  };
}

export const githubSource = createGithubSource();
