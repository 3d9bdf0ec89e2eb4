import { resolve } from "node:path";
import type { Config } from "../../schemas/config.ts";
import { GitTag } from "../../schemas/git.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { defineStream, type CollectContext, type Page, type Source, type SourceCheck } from "../core/stream.ts";
import { assertClone, commitsBetween, listTags } from "./git.ts";
import { pullRequestsOf } from "./pull-requests.ts";

/** One clone as one service sees it. */
export interface GitClone {
  service: string;
  dir: string;
  /** Partition key: the clone's path (plus the service when several services list it). */
  key: string;
}

const TAGS_PER_PAGE = 50;

export function gitClones(config: Config): GitClone[] {
  const listed = Object.entries(config.services).flatMap(([service, s]) => s.git.map((dir) => ({ service, dir: resolve(dir) })));
  const count = new Map<string, number>();
  for (const c of listed) count.set(c.dir, (count.get(c.dir) ?? 0) + 1);
  return listed.map((c) => ({ ...c, key: (count.get(c.dir) ?? 0) > 1 ? `${c.dir}#${c.service}` : c.dir }));
}

/**
 * Local clones: tags matching `sources.git.tag_pattern` are production deployments; the commits a tag
 * shipped are those reachable from it and from no earlier matching tag (so a commit counts at the first
 * tag that contains it, whatever its own date). No token, no network.
 */
export const gitTags = defineStream<GitTag, GitClone>({
  id: "git.tags",
  item: GitTag,
  itemId: (raw) => String((raw as { tag?: unknown })?.tag ?? "?"),
  partitions: (ctx) => gitClones(ctx.config),
  partitionKey: (c) => c.key,
  order: "asc",
  overlapMs: 24 * 3600_000,
  pages: (ctx, clone, since) => tagPages(ctx, clone, since),
  toRows: (tag, ctx, clone) => tagRows(tag, ctx, clone),
  cursorOf: (tag) => tag.tagged_at,
});

async function* tagPages(ctx: CollectContext, clone: GitClone, since: string | undefined): AsyncGenerator<Page> {
  const pattern = new RegExp(ctx.config.sources.git?.tag_pattern ?? "^v?\\d+\\.\\d+\\.\\d+$");
  await assertClone(clone.dir);
  const tags = (await listTags(clone.dir))
    .filter((t) => pattern.test(t.tag))
    .sort((a, b) => a.tagged_at.localeCompare(b.tagged_at) || a.tag.localeCompare(b.tag, "en", { numeric: true }));
  let page: GitTag[] = [];
  for (const [i, t] of tags.entries()) {
    if (since && t.tagged_at < since) continue;
    const earlier = [...new Set(tags.slice(0, i).map((e) => e.sha))];
    const commits = i === 0 ? [] : await commitsBetween(clone.dir, t.sha, earlier);
    page.push({ ...t, previous_sha: tags[i - 1]?.sha ?? null, attributed: i > 0, commits });
    if (page.length === TAGS_PER_PAGE) {
      yield { url: `file://${clone.dir}`, params: { tag_pattern: pattern.source }, items: page };
      page = [];
    }
  }
  if (page.length) yield { url: `file://${clone.dir}`, params: { tag_pattern: pattern.source }, items: page };
}

function tagRows(tag: GitTag, ctx: CollectContext, clone: GitClone) {
  const hotfix = new RegExp(ctx.config.sources.git?.hotfix_pattern ?? "^(hotfix|fix!?)[:(]");
  const suffix = clone.key === clone.dir ? "" : `#${clone.service}`;
  const deploymentId = `git:deployment:${clone.dir}${suffix}:${tag.tag}`;
  // A tag on a commit an earlier tag already shipped moves production back: a rollback.
  const movedBack = tag.attributed && tag.commits.length === 0 && tag.previous_sha !== tag.sha;
  const reverts = tag.commits.some((c) => /^Revert "/.test(c.subject));
  const deployment: Row = {
    deployment_id: deploymentId,
    source: "git",
    service: clone.service,
    repo: clone.dir,
    environment: "production",
    is_production: true,
    commit_sha: tag.sha,
    ref: tag.tag,
    started_at: tag.tagged_at,
    finished_at: tag.tagged_at,
    status: "success",
    original_status: tag.annotated ? "annotated tag" : "tag",
    is_rollback: movedBack || reverts,
    // A release made to ship fixes only (merge commits aside) is unplanned work, not a feature release with a fix in it.
    is_rework: fixesOnly(tag, hotfix),
    updated_at: tag.tagged_at,
  };
  const pulls = pullRequestsOf(tag.commits);
  const changes: Row[] = tag.commits.map((c) => {
    const pr = pulls.get(c.sha);
    return {
      change_id: `git:change:${clone.dir}${suffix}:${c.sha}`,
      source: "git",
      service: clone.service,
      repo: clone.dir,
      deployment_id: deploymentId,
      commit_sha: c.sha,
      pr_id: pr ? `git:pr:${clone.dir}${suffix}:${pr.number}` : null,
      title: c.subject,
      author: c.author,
      authored_at: c.authored_at,
      committed_at: c.committed_at,
      pr_first_commit_at: pr?.first_commit_at ?? null,
      merged_at: pr?.merged_at ?? null,
    };
  });
  return { "core.deployments": [deployment], "core.changes": changes };
}

function fixesOnly(tag: GitTag, hotfix: RegExp): boolean {
  const own = tag.commits.filter((c) => c.parents.length < 2);
  return own.length > 0 && own.every((c) => hotfix.test(c.subject));
}

export const gitSource: Source = {
  name: "git",
  enabled: (config: Config) => gitClones(config).length > 0,
  streams: [gitTags],
  check: async (ctx) => {
    const clones = gitClones(ctx.config);
    const pattern = new RegExp(ctx.config.sources.git?.tag_pattern ?? "^v?\\d+\\.\\d+\\.\\d+$");
    const lines: string[] = [];
    const warnings: SourceCheck["warnings"] = [];
    for (const clone of clones) {
      await assertClone(clone.dir);
      const all = await listTags(clone.dir);
      const tags = all.filter((t) => pattern.test(t.tag));
      lines.push(`${clone.dir}: ${tags.length} release tags`);
      if (tags.length === 0) {
        const examples = all.slice(0, 3).map((t) => t.tag).join(", ");
        warnings.push({
          detail: `sources.git.tag_pattern /${pattern.source}/ matches none of the ${all.length} tags of ${clone.dir}${examples ? ` (e.g. ${examples})` : ""}: it will give no deployments`,
          fix: all.length ? "change sources.git.tag_pattern to match the release tags" : "tag releases in this clone, or fetch its tags (git fetch --tags)",
        });
      }
    }
    return { detail: lines.join("; "), warnings };
  },
};
