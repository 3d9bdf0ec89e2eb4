import { GithubPullRequest } from "../../schemas/github.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { defineStream } from "../core/stream.ts";
import type { GithubContext, GithubRun } from "./run.ts";
import { githubClient } from "./client.ts";
import { graphqlPages } from "./pages.ts";
import { entityId, githubSettings, matches, type RepoTarget, repoTargets } from "./targets.ts";

// 100 merged PRs with their first commit, labels and first reviews per request: one GraphQL call per
// 100 PRs where REST would need three per PR (PR, commits, reviews). Nested connections are kept small:
// GitHub charges one point per 100 nodes asked for, so `commits(first: 100)` would make a page cost
// ~140 of the 5,000 points an hour instead of ~22. The other commits of a merge-commit PR are found
// from the merge commit's second parent (commits.ts).
const PULLS_QUERY = `query($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(states: MERGED, first: $first, after: $after, orderBy: { field: UPDATED_AT, direction: DESC }) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number title url createdAt updatedAt mergedAt closedAt headRefName baseRefName additions deletions
        author { login }
        mergeCommit { oid }
        labels(first: 10) { nodes { name } }
        commits(first: 1) { totalCount nodes { commit { oid authoredDate committedDate } } }
        reviews(first: 10) { nodes { state submittedAt author { login } } }
      }
    }
  }
}`;

/** Merged pull requests with first-commit, opened, first-review and merged times. */
export const pullRequests = defineStream<GithubPullRequest, RepoTarget, GithubRun>({
  id: "github.pull_requests",
  concurrency: (ctx) => githubSettings(ctx.config).concurrency,
  item: GithubPullRequest,
  itemId: (raw) => `#${String((raw as { number?: unknown })?.number ?? "?")}`,
  partitions: (ctx) => repoTargets(ctx.config),
  partitionKey: (t) => t.repo,
  order: "desc",
  overlapMs: 24 * 3600_000,
  pages: (ctx, target, since) =>
    graphqlPages<{ updatedAt?: string }>(
      githubClient(ctx),
      PULLS_QUERY,
      { owner: target.owner, name: target.name, first: githubSettings(ctx.config).page_size },
      (data) => (data as { repository?: { pullRequests: never } | null }).repository?.pullRequests,
      (node) => since !== undefined && typeof node.updatedAt === "string" && new Date(node.updatedAt).toISOString() < since,
    ),
  toRows: (pr, ctx, target) => ({ "core.pull_requests": pullRequestRows(pr, ctx, target) }),
  cursorOf: (pr) => new Date(pr.updatedAt).toISOString(),
});

function pullRequestRows(pr: GithubPullRequest, ctx: GithubContext, target: RepoTarget): Row[] {
  const settings = githubSettings(ctx.config);
  const author = pr.author?.login ?? null;
  const labels = (pr.labels?.nodes ?? []).map((l) => l.name);
  const commits = pr.commits.nodes.map((n) => n.commit);
  const reviews = (pr.reviews?.nodes ?? []).filter((r) => r.submittedAt && r.state !== "PENDING" && (!author || r.author?.login !== author));
  const first = (times: (string | null | undefined)[]) =>
    times.filter((t): t is string => !!t).sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;
  const services = [...new Set(target.services.map((s) => s.service))];
  return services.map((service) => ({
    pr_id: entityId("pr", target, pr.number, service),
    source: "github",
    service,
    repo: target.repo,
    number: pr.number,
    title: pr.title,
    author,
    base_branch: pr.baseRefName,
    head_branch: pr.headRefName,
    labels,
    opened_at: pr.createdAt,
    first_commit_at: first(commits.map((c) => c.authoredDate)),
    first_review_at: first(reviews.map((r) => r.submittedAt)),
    approved_at: first(reviews.filter((r) => r.state === "APPROVED").map((r) => r.submittedAt)),
    merged_at: pr.mergedAt,
    closed_at: pr.closedAt,
    merge_commit_sha: pr.mergeCommit?.oid ?? null,
    commits: pr.commits.totalCount,
    commit_shas: commits.map((c) => c.oid),
    additions: pr.additions,
    deletions: pr.deletions,
    is_revert: matches(settings.revert_pattern, pr.title) || matches(settings.revert_pattern, pr.headRefName),
    is_hotfix: labels.some((l) => settings.hotfix_labels.includes(l)) || matches(settings.hotfix_branch_pattern, pr.headRefName),
    url: pr.url,
    updated_at: pr.updatedAt,
  }));
}
