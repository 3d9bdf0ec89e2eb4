import { GithubRelease } from "../../schemas/github.ts";
import type { GithubDeploymentsRule } from "../../schemas/sources/github.ts";
import { defineStream } from "../core/stream.ts";
import type { GithubRun } from "./run.ts";
import { deploymentRow } from "./deployment-row.ts";
import { withPredecessors } from "./predecessors.ts";
import { entityId, targetsUsing, type RepoTarget, githubSettings } from "./targets.ts";

const RELEASES_QUERY = `query($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    releases(first: $first, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
      pageInfo { hasNextPage endCursor }
      nodes { databaseId tagName name url createdAt publishedAt isDraft isPrerelease tagCommit { oid } }
    }
  }
}`;

/** A release is a service's production deployment when published; a draft or pre-release only when its rule says so. */
function counts(release: GithubRelease, rule: GithubDeploymentsRule): boolean {
  return release.tagCommit !== null && (!release.isDraft || rule.include_drafts) && (!release.isPrerelease || rule.include_prereleases);
}

function releasedAt(release: GithubRelease): string {
  return release.publishedAt ?? release.createdAt;
}

/** Releases as production deployments: published ones; drafts and pre-releases only when configured. */
export const releases = defineStream<GithubRelease, RepoTarget, GithubRun>({
  id: "github.releases",
  concurrency: (ctx) => githubSettings(ctx.config).concurrency,
  item: GithubRelease,
  itemId: (raw) => String((raw as { databaseId?: unknown; tagName?: unknown })?.databaseId ?? (raw as { tagName?: unknown })?.tagName ?? "?"),
  partitions: (ctx) => targetsUsing(ctx.config, "releases"),
  partitionKey: (t) => t.repo,
  order: "desc",
  // Re-read a week before the cursor. A release is ordered by creation but deploys when published:
  // one published inside the range is also looked for in the 30 days before it (LOOK_BACK_MS).
  overlapMs: 7 * 24 * 3600_000,
  // Past the start and its look-back, on to the release before it that counts for each service: the first one's base.
  pages: (ctx, target, since) =>
    withPredecessors<{ createdAt?: string }>(
      ctx,
      target,
      since,
      {
        query: RELEASES_QUERY,
        variables: { owner: target.owner, name: target.name, first: githubSettings(ctx.config).page_size },
        connectionOf: (data) => (data as { repository?: { releases: never } | null }).repository?.releases,
        before: (node, start) => typeof node.createdAt === "string" && new Date(node.createdAt).toISOString() < start,
      },
      (raw) => {
        const release = GithubRelease.safeParse(raw);
        if (!release.success) return { deploys: [], finished: null };
        return { deploys: target.services.filter((s) => counts(release.data, s.rule)).map((s) => s.service), finished: releasedAt(release.data) };
      },
    ),
  toRows: (release, ctx, target) => {
    const rows = target.services.flatMap((s) => {
      if (!counts(release, s.rule) || !release.tagCommit) return [];
      const at = releasedAt(release);
      return [
        deploymentRow(ctx, target, entityId("release", target, release.databaseId, s.service), {
          entity: "release",
          key: release.databaseId,
          service: s.service,
          environment: "production",
          isProduction: true,
          sha: release.tagCommit.oid,
          ref: release.tagName,
          startedAt: at,
          finishedAt: at,
          status: "success",
          originalStatus: release.isDraft ? "draft" : release.isPrerelease ? "prerelease" : "published",
          url: release.url,
          updatedAt: at,
        }),
      ];
    });
    return { "core.deployments": rows };
  },
  cursorOf: (release) => new Date(release.createdAt).toISOString(),
});
