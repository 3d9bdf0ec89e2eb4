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
  /** releases: include drafts (unpublished; their time is the creation time). */
  include_drafts: z.boolean().default(false),
  /** workflow_runs: workflow file path or workflow name pattern, and branch. */
  workflow: Pattern.default("deploy"),
  branch: z.string().optional(),
});
export type GithubDeploymentsRule = z.infer<typeof GithubDeploymentsRule>;

/** A per-repository rule: only the keys given override the source-wide rule. */
export const GithubDeploymentsOverride = z.strictObject({
  from: z.enum(["deployments", "releases", "tags", "workflow_runs"]).optional(),
  environment: Pattern.optional(),
  tag_pattern: Pattern.optional(),
  include_prereleases: z.boolean().optional(),
  include_drafts: z.boolean().optional(),
  workflow: Pattern.optional(),
  branch: z.string().optional(),
});
export type GithubDeploymentsOverride = z.infer<typeof GithubDeploymentsOverride>;

/** Issues as incidents, for teams without PagerDuty: those carrying any of these labels (none: off). */
export const GithubIncidents = z.strictObject({
  labels: z.array(z.string().min(1)).default([]),
});
export type GithubIncidents = z.infer<typeof GithubIncidents>;

export const GithubSource = z.strictObject({
  token_env: EnvName.default("GITHUB_TOKEN"),
  /** REST base URL; GitHub Enterprise Server: https://HOST/api/v3 (GraphQL then defaults to https://HOST/api/graphql). */
  base_url: Url.default("https://api.github.com"),
  graphql_url: Url.optional(),
  deployments: GithubDeploymentsRule.default(GithubDeploymentsRule.parse({})),
  hotfix_labels: z.array(z.string()).default(["hotfix"]),
  /** Issues labelled e.g. `incident` in the services' repositories become incidents (`github.incidents`). */
  incidents: GithubIncidents.optional(),
  hotfix_branch_pattern: Pattern.default("^hotfix/"),
  /**
   * PR titles or head branches matching this mark a revert; so do shipped commit titles, matched by the
   * transforms in DuckDB (RE2 syntax: no look-around). A deployment shipping a revert is a rollback.
   */
  revert_pattern: Pattern.default("^(Revert \"|revert-)"),
  page_size: z.number().int().min(1).max(100).default(100),
  /** Retries of 5xx answers and network errors; waits grow as retry_base_ms × n². */
  retries: z.number().int().min(0).max(10).default(3),
  retry_base_ms: z.number().int().min(1).default(1000),
  /**
   * Repositories collected at once. Their requests overlap (GraphQL query starts stay ≥ 40 ms apart,
   * REST goes through Octokit's throttling); the warehouse is written one statement at a time. 1 makes
   * every request wait for the previous one, as GitHub suggests for a token other tools share.
   */
  concurrency: z.number().int().min(1).max(8).default(4),
  /** Rate-limit waits: give up after this many waits for one request. */
  rate_limit_retries: z.number().int().min(0).default(5),
});
export type GithubSource = z.infer<typeof GithubSource>;
