import { GithubRelease } from "../../schemas/github.ts";
import { defineStream } from "../core/stream.ts";
import type { GithubRun } from "./run.ts";
import { githubClient } from "./client.ts";
import { deploymentRow } from "./deployment-row.ts";
import { graphqlPages } from "./pages.ts";
import { entityId, targetsUsing, type RepoTarget, githubSettings } from "./targets.ts";

const RELEASES_QUERY = `query($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    releases(first: $first, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
      pageInfo { hasNextPage endCursor }
      nodes { databaseId tagName name url createdAt publishedAt isDraft isPrerelease tagCommit { oid } }
    }
  }
}`;

/** Releases as production deployments: published ones; drafts and pre-releases only when configured. */
export const releases = defineStream<GithubRelease, RepoTarget, GithubRun>({
  id: "github.releases",
  concurrency: (ctx) => githubSettings(ctx.config).concurrency,
  item: GithubRelease,
  itemId: (raw) => String((raw as { databaseId?: unknown; tagName?: unknown })?.databaseId ?? (raw as { tagName?: unknown })?.tagName ?? "?"),
  partitions: (ctx) => targetsUsing(ctx.config, "releases"),
  partitionKey: (t) => t.repo,
  order: "desc",
  // A draft published days after it was created keeps its creation time: re-read a week.
  overlapMs: 7 * 24 * 3600_000,
  pages: (ctx, target, since) =>
    graphqlPages<{ createdAt?: string }>(
      githubClient(ctx),
      RELEASES_QUERY,
      { owner: target.owner, name: target.name, first: ctx.config.sources.github?.page_size ?? 100 },
      (data) => (data as { repository?: { releases: never } | null }).repository?.releases,
      (node) => since !== undefined && typeof node.createdAt === "string" && new Date(node.createdAt).toISOString() < since,
    ),
  toRows: (release, ctx, target) => {
    const rows = target.services.flatMap((s) => {
      const rule = s.rule;
      if (release.isDraft && !rule.include_drafts) return [];
      if (release.isPrerelease && !rule.include_prereleases) return [];
      if (!release.tagCommit) return [];
      const at = release.publishedAt ?? release.createdAt;
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
