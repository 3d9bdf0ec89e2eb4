import { GithubTag } from "../../schemas/github.ts";
import { defineStream } from "../core/stream.ts";
import type { GithubRun } from "./run.ts";
import { deploymentRow } from "./deployment-row.ts";
import { withPredecessors } from "./predecessors.ts";
import { entityId, matches, targetsUsing, type RepoTarget, githubSettings } from "./targets.ts";

const TAGS_QUERY = `query($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    refs(refPrefix: "refs/tags/", first: $first, after: $after, orderBy: { field: TAG_COMMIT_DATE, direction: DESC }) {
      pageInfo { hasNextPage endCursor }
      nodes {
        name
        target {
          __typename
          ... on Commit { oid committedDate }
          ... on Tag { oid tagger { date } target { __typename ... on Commit { oid committedDate } } }
        }
      }
    }
  }
}`;

/** The deployment time of a tag: the annotated tag's date, else its commit's date. */
export function tagFacts(tag: GithubTag): { sha: string; at: string } | undefined {
  const t = tag.target;
  if (t.__typename === "Commit") return { sha: t.oid, at: t.committedDate };
  if (t.__typename === "Tag" && t.target.__typename === "Commit" && "oid" in t.target) {
    return { sha: t.target.oid, at: t.tagger?.date ?? t.target.committedDate };
  }
  return undefined;
}

function commitDate(raw: unknown): string | undefined {
  const t = (raw as { target?: { committedDate?: unknown; target?: { committedDate?: unknown } } })?.target;
  const d = t?.committedDate ?? t?.target?.committedDate;
  return typeof d === "string" ? d : undefined;
}

/** Tags matching a pattern as production deployments (GraphQL, newest commit first). */
export const tags = defineStream<GithubTag, RepoTarget, GithubRun>({
  id: "github.tags",
  concurrency: (ctx) => githubSettings(ctx.config).concurrency,
  item: GithubTag,
  itemId: (raw) => String((raw as { name?: unknown })?.name ?? "?"),
  partitions: (ctx) => targetsUsing(ctx.config, "tags"),
  partitionKey: (t) => t.repo,
  order: "desc",
  // Ordered by commit date, and a tag can be made long after its commit: re-read a generous overlap.
  // An annotated tag made inside the range on an older commit is also looked for in the 30 days before
  // the range (LOOK_BACK_MS); a lightweight tag is dated by its commit, so only the overlap finds it.
  overlapMs: 30 * 24 * 3600_000,
  // Past the start and its look-back, on to the older tag matching each service's pattern: the first one's base.
  pages: (ctx, target, since) =>
    withPredecessors<unknown>(
      ctx,
      target,
      since,
      {
        query: TAGS_QUERY,
        variables: { owner: target.owner, name: target.name, first: githubSettings(ctx.config).page_size },
        connectionOf: (data) => (data as { repository?: { refs: never } | null }).repository?.refs,
        before: (node, start) => {
          const d = commitDate(node);
          return d !== undefined && new Date(d).toISOString() < start;
        },
      },
      (raw) => {
        const tag = GithubTag.safeParse(raw);
        const facts = tag.success ? tagFacts(tag.data) : undefined;
        if (!tag.success || !facts) return { deploys: [], finished: null };
        return { deploys: target.services.filter((s) => matches(s.rule.tag_pattern, tag.data.name)).map((s) => s.service), finished: facts.at };
      },
    ),
  toRows: (tag, ctx, target) => {
    const facts = tagFacts(tag);
    if (!facts) return {};
    const rows = target.services
      .filter((s) => matches(s.rule.tag_pattern, tag.name))
      .map((s) =>
        deploymentRow(ctx, target, entityId("tag", target, tag.name, s.service), {
          entity: "tag",
          key: tag.name,
          service: s.service,
          environment: "production",
          isProduction: true,
          sha: facts.sha,
          ref: tag.name,
          startedAt: facts.at,
          finishedAt: facts.at,
          status: "success",
          originalStatus: tag.target.__typename === "Tag" ? "annotated tag" : "tag",
          url: null,
          updatedAt: facts.at,
        }),
      );
    return { "core.deployments": rows };
  },
  cursorOf: (tag) => {
    const d = commitDate(tag);
    return d ? new Date(d).toISOString() : undefined;
  },
});
