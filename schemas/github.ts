import { z } from "zod";

// GitHub API items: only the fields the collector reads (REST snake_case, GraphQL camelCase as GitHub sends them).

const IsoTime = z.iso.datetime({ offset: true });
const Sha = z.string().regex(/^[0-9a-f]{40}$/, "expected a 40-hex commit sha");

/** REST GET /repos/{owner}/{repo}/deployments item. */
export const GithubRestDeployment = z.object({
  id: z.number().int(),
  node_id: z.string(),
  sha: Sha,
  ref: z.string(),
  task: z.string().optional(),
  environment: z.string(),
  original_environment: z.string().optional(),
  production_environment: z.boolean().optional(),
  created_at: IsoTime,
  updated_at: IsoTime,
  url: z.string(),
});

/** GraphQL DeploymentStatus (selected fields). */
export const GithubDeploymentStatusNode = z.object({
  state: z.string(),
  createdAt: IsoTime,
});

/**
 * One deployment as stored: the REST item (which alone says `production_environment`) paired with
 * its statuses from one batched GraphQL `nodes(ids:)` query, both untouched.
 */
export const GithubDeployment = z.object({
  deployment: GithubRestDeployment,
  statuses: z.object({
    id: z.string(),
    latestStatus: GithubDeploymentStatusNode.nullable(),
    statuses: z.object({ nodes: z.array(GithubDeploymentStatusNode) }),
  }).nullable(),
});
export type GithubDeployment = z.infer<typeof GithubDeployment>;

/** GraphQL Release. */
export const GithubRelease = z.object({
  databaseId: z.number().int(),
  tagName: z.string(),
  name: z.string().nullable(),
  url: z.string(),
  createdAt: IsoTime,
  publishedAt: IsoTime.nullable(),
  isDraft: z.boolean(),
  isPrerelease: z.boolean(),
  tagCommit: z.object({ oid: Sha }).nullable(),
});
export type GithubRelease = z.infer<typeof GithubRelease>;

const CommitTarget = z.object({ __typename: z.literal("Commit"), oid: Sha, committedDate: IsoTime });

/** GraphQL Ref under refs/tags/: lightweight (target is a Commit) or annotated (target is a Tag). */
export const GithubTag = z.object({
  name: z.string(),
  target: z.discriminatedUnion("__typename", [
    CommitTarget,
    z.object({
      __typename: z.literal("Tag"),
      oid: z.string(),
      tagger: z.object({ date: IsoTime.nullable() }).nullable(),
      target: z.union([CommitTarget, z.object({ __typename: z.enum(["Tag", "Tree", "Blob"]) })]),
    }),
    z.object({ __typename: z.enum(["Tree", "Blob"]) }),
  ]),
});
export type GithubTag = z.infer<typeof GithubTag>;

/** REST GET /repos/{owner}/{repo}/actions/runs item. */
export const GithubWorkflowRun = z.object({
  id: z.number().int(),
  name: z.string().nullable().optional(),
  path: z.string(),
  head_branch: z.string().nullable(),
  head_sha: Sha,
  event: z.string(),
  status: z.string().nullable(),
  conclusion: z.string().nullable(),
  run_attempt: z.number().int().optional(),
  created_at: IsoTime,
  updated_at: IsoTime,
  run_started_at: IsoTime.optional(),
  html_url: z.string(),
});
export type GithubWorkflowRun = z.infer<typeof GithubWorkflowRun>;

/** GraphQL PullRequest (merged), with its first commit, labels and first reviews. */
export const GithubPullRequest = z.object({
  number: z.number().int(),
  title: z.string(),
  url: z.string(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  mergedAt: IsoTime.nullable(),
  closedAt: IsoTime.nullable(),
  headRefName: z.string(),
  baseRefName: z.string(),
  additions: z.number().int(),
  deletions: z.number().int(),
  author: z.object({ login: z.string() }).nullable(),
  mergeCommit: z.object({ oid: Sha }).nullable(),
  labels: z.object({ nodes: z.array(z.object({ name: z.string() })) }).nullable(),
  commits: z.object({
    totalCount: z.number().int(),
    nodes: z.array(z.object({ commit: z.object({ oid: Sha, authoredDate: IsoTime, committedDate: IsoTime }) })),
  }),
  reviews: z.object({
    nodes: z.array(z.object({ state: z.string(), submittedAt: IsoTime.nullable(), author: z.object({ login: z.string() }).nullable() })),
  }).nullable(),
});
export type GithubPullRequest = z.infer<typeof GithubPullRequest>;

/** REST compare: one commit of `commits[]`. */
export const GithubCompareCommit = z.object({
  sha: Sha,
  parents: z.array(z.object({ sha: Sha })),
  author: z.object({ login: z.string() }).nullable(),
  commit: z.object({
    message: z.string(),
    author: z.object({ name: z.string().optional(), date: IsoTime }).nullable(),
    committer: z.object({ name: z.string().optional(), date: IsoTime }).nullable(),
  }),
});
export type GithubCompareCommit = z.infer<typeof GithubCompareCommit>;

/** GraphQL Commit with the pull request that brought it in (rebase merges keep no other trace). */
export const GithubCommitAssociation = z.object({
  oid: Sha,
  associatedPullRequests: z.object({ nodes: z.array(z.object({ number: z.number().int() })) }),
});
export type GithubCommitAssociation = z.infer<typeof GithubCommitAssociation>;

/** GraphQL Commit from `history(path:)`: a commit touching a monorepo service's path. */
export const GithubPathCommit = z.object({ oid: Sha });
export type GithubPathCommit = z.infer<typeof GithubPathCommit>;

/**
 * REST GET /repos/{owner}/{repo}/issues item. That endpoint also lists pull requests (they carry a
 * `pull_request` key); the collector skips them. Labels come as objects (or plain names on old GHES).
 */
export const GithubIssue = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.string(),
  html_url: z.string().nullish(),
  created_at: IsoTime,
  updated_at: IsoTime,
  closed_at: IsoTime.nullish(),
  labels: z.array(z.union([z.string(), z.object({ name: z.string().nullish() })])).default([]),
  pull_request: z.unknown().optional(),
});
export type GithubIssue = z.infer<typeof GithubIssue>;
