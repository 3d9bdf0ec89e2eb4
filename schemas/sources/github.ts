import { z } from "zod";
import { EnvName, Pattern, Url } from "./common.ts";

/** How a repository records production deployments (issue #4). */
export const GithubDeploymentsRule = z.strictObject({
  from: z.enum(["deployments", "releases", "tags", "workflow_runs"]).default("deployments"),
  /** deployments: environment name pattern (production_environment=true also counts). */
  environment: Pattern.default("^prod(uction)?$"),
  /** tags: tag name pattern. */
  tag_pattern: Pattern.default("^v?\\d+\\.\\d+\\.\\d+$"),
  /** releases: include pre-releases. */
  include_prereleases: z.boolean().default(false),
  /** workflow_runs: workflow file or name pattern, and branch. */
  workflow: Pattern.default("deploy"),
  branch: z.string().optional(),
});

export const GithubSource = z.strictObject({
  token_env: EnvName.default("GITHUB_TOKEN"),
  base_url: Url.default("https://api.github.com"),
  graphql_url: Url.optional(),
  deployments: GithubDeploymentsRule.default(GithubDeploymentsRule.parse({})),
  hotfix_labels: z.array(z.string()).default(["hotfix"]),
  hotfix_branch_pattern: Pattern.default("^hotfix/"),
  page_size: z.number().int().min(1).max(100).default(100),
});
export type GithubSource = z.infer<typeof GithubSource>;
