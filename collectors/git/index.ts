import { configured } from "../configured.ts";
import { resolve } from "node:path";
import type { Config } from "../../schemas/config.ts";
import { GitTag } from "../../schemas/git.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { defineStream, type CollectContext, type Page, type Source, type SourceCheck } from "../core/stream.ts";
import type { GitCommit } from "../../schemas/git.ts";
import { GitSource } from "../../schemas/sources/git.ts";
import { assertClone, commitsReachable, listTags, shasTouching, type NonCommitTag, type TagRef } from "./git.ts";
import { pullRequestsOf } from "./pull-requests.ts";

/** One clone as one service sees it. */
export interface GitClone {
  service: string;
  dir: string;
  /** Partition key: the clone's path (plus the service when several services list it). */
  key: string;
  /** This entry's release tags (its own tag_pattern, else sources.git.tag_pattern). */
  tagPattern: RegExp;
  /** Patterns of the entries listed before this one on the same clone: a tag they match is theirs. */
  claimed: RegExp[];
  /** Folders of the service inside the clone; none = the whole clone. */
  paths: string[];
}

const TAGS_PER_PAGE = 50;
const DEFAULT_TAGS = "^v?\\d+\\.\\d+\\.\\d+$";

export function gitClones(config: Config): GitClone[] {
  const fallback = config.sources.git?.tag_pattern ?? DEFAULT_TAGS;
  const listed = Object.entries(config.services).flatMap(([service, s]) =>
    s.git.map((entry) => {
      const ref = typeof entry === "string" ? { path: entry } : entry;
      return { service, dir: resolve(ref.path), tagPattern: new RegExp(ref.tag_pattern ?? fallback), paths: ref.paths ?? [] };
    }),
  );
  const count = new Map<string, number>();
  for (const c of listed) count.set(c.dir, (count.get(c.dir) ?? 0) + 1);
  return listed.map((c, i) => ({
    ...c,
    key: (count.get(c.dir) ?? 0) > 1 ? `${c.dir}#${c.service}` : c.dir,
    // A repository's tag is one deployment of one service, so the all-services totals never count it twice.
    claimed: listed.slice(0, i).filter((e) => e.dir === c.dir).map((e) => e.tagPattern),
  }));
}

/**
 * The release tags of one clone entry, oldest first (ties by name, so `4.16.0` comes before `v4.16.0`),
 * and the tags of its pattern that end at a tree or a blob (no commit: no deployment, named instead).
 */
export async function releaseTags(clone: GitClone): Promise<{ tags: TagRef[]; nonCommits: NonCommitTag[] }> {
  const all = await listTags(clone.dir);
  const own = (t: { tag: string }) => clone.tagPattern.test(t.tag) && !clone.claimed.some((p) => p.test(t.tag));
  return {
    tags: all.tags.filter(own).sort((a, b) => a.tagged_at.localeCompare(b.tagged_at) || a.tag.localeCompare(b.tag, "en", { numeric: true })),
    nonCommits: all.nonCommits.filter(own),
  };
}

function nonCommitDetail(clone: GitClone, nonCommits: NonCommitTag[]): string {
  return `${clone.dir}: release tags that point at a tree or a blob, not a commit, are no deployment: ${nonCommits.map((t) => `${t.tag} (a ${t.type})`).join(", ")}`;
}

/**
 * Local clones: tags matching the entry's tag pattern are production deployments; the commits a tag
 * shipped are those reachable from it and from no earlier release tag (so a commit counts at the first
 * tag that contains it, whatever its own date), and, with `paths`, touching the service's folders.
 * A second tag on the commit of the tag just before it (`4.16.0` and `v4.16.0`) is the same release:
 * kept as a duplicate, not a deployment. No token, no network.
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

/**
 * Linear in tags and commits: one `git log` lists every commit reachable from any release tag, then
 * tags are walked oldest first, each taking the ancestors no earlier tag took. (A `git log tag --not
 * <every earlier tag>` per tag grew with all earlier tags: quadratic at 10,000 releases.)
 */
async function* tagPages(ctx: CollectContext, clone: GitClone, since: string | undefined): AsyncGenerator<Page> {
  await assertClone(clone.dir);
  const { tags, nonCommits } = await releaseTags(clone);
  if (nonCommits.length) ctx.log.warn(nonCommitDetail(clone, nonCommits));
  const heads = [...new Set(tags.map((t) => t.sha))];
  const history = heads.length ? await commitsReachable(clone.dir, heads) : new Map<string, GitCommit>();
  const touching = clone.paths.length && heads.length ? await shasTouching(clone.dir, heads, clone.paths) : undefined;
  const params = { tag_pattern: clone.tagPattern.source, ...(clone.paths.length ? { paths: clone.paths } : {}) };
  const shipped = new Set<string>();
  let page: GitTag[] = [];
  let release: TagRef | undefined; // the first tag of the current run of tags on one commit
  for (const [i, t] of tags.entries()) {
    const previous = tags[i - 1];
    const duplicate = previous !== undefined && previous.sha === t.sha;
    if (!duplicate) release = t;
    const taken = takeAncestors(t.sha, history, shipped);
    if (since && t.tagged_at < since) continue;
    const commits = i === 0 ? [] : taken.filter((c) => !touching || touching.has(c.sha));
    page.push({ ...t, previous_sha: previous?.sha ?? null, attributed: i > 0, commits, duplicate_of: duplicate ? release!.tag : null, reshipped: i > 0 && !duplicate && taken.length === 0 });
    if (page.length === TAGS_PER_PAGE) {
      yield { url: `file://${clone.dir}`, params, items: page };
      page = [];
    }
  }
  if (page.length) yield { url: `file://${clone.dir}`, params, items: page };
}

/** Ancestors of `head` (itself included) not yet in `shipped`, which they join; newest first, as git log lists them. */
function takeAncestors(head: string, history: Map<string, GitCommit>, shipped: Set<string>): GitCommit[] {
  const out: GitCommit[] = [];
  const stack = [head];
  while (stack.length) {
    const sha = stack.pop()!;
    if (shipped.has(sha)) continue;
    const commit = history.get(sha);
    if (!commit) continue;
    shipped.add(sha);
    out.push(commit);
    for (const p of commit.parents) stack.push(p);
  }
  return out.sort((a, b) => b.committed_at.localeCompare(a.committed_at));
}

function tagRows(tag: GitTag, ctx: CollectContext, clone: GitClone) {
  const settings = ctx.config.sources.git ?? GitSource.parse({});
  const hotfix = new RegExp(settings.hotfix_pattern);
  const release = new RegExp(settings.release_commit_pattern);
  const suffix = clone.key === clone.dir ? "" : `#${clone.service}`;
  const deploymentId = `git:deployment:${clone.dir}${suffix}:${tag.tag}`;
  // A tag on a commit an earlier tag already shipped moves production back: a rollback. A stored page
  // without `reshipped` carries no paths filter, so there a tag that brought no commit means the same.
  const movedBack = tag.reshipped ?? (tag.attributed && tag.commits.length === 0 && tag.previous_sha !== tag.sha);
  const reverts = tag.commits.some((c) => /^Revert "/.test(c.subject));
  const deployment: Row = {
    deployment_id: deploymentId,
    source: "git",
    service: clone.service,
    repo: clone.dir,
    environment: "production",
    // the second tag on one commit is the same release: listed in data quality, not counted again
    is_production: tag.duplicate_of === null,
    commit_sha: tag.sha,
    ref: tag.tag,
    started_at: tag.tagged_at,
    finished_at: tag.tagged_at,
    status: "success",
    original_status: tag.duplicate_of !== null ? `duplicate tag of ${tag.duplicate_of}` : tag.annotated ? "annotated tag" : "tag",
    is_rollback: tag.duplicate_of === null && (movedBack || reverts),
    // A release made to ship fixes only is unplanned work, not a feature release with a fix in it; merge
    // commits and the release tool's own commits (version bumps, changelogs) are evidence of neither.
    is_rework: tag.duplicate_of === null && fixesOnly(tag, hotfix, release),
    updated_at: tag.tagged_at,
  };
  const pulls = pullRequestsOf(tag.commits);
  const changes: Row[] = (tag.duplicate_of === null ? tag.commits : []).map((c) => {
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

function fixesOnly(tag: GitTag, hotfix: RegExp, release: RegExp): boolean {
  const own = tag.commits.filter((c) => c.parents.length < 2 && !release.test(c.subject));
  return own.length > 0 && own.every((c) => hotfix.test(c.subject));
}

export const gitSource: Source = {
  name: "git",
  enabled: configured.git,
  streams: [gitTags],
  check: async (ctx) => {
    const clones = gitClones(ctx.config);
    const lines: string[] = [];
    const warnings: SourceCheck["warnings"] = [];
    for (const clone of clones) {
      await assertClone(clone.dir);
      const all = (await listTags(clone.dir)).tags;
      const { tags, nonCommits } = await releaseTags(clone);
      const heads = [...new Set(tags.map((t) => t.sha))];
      const commits = !heads.length ? 0 : clone.paths.length ? (await shasTouching(clone.dir, heads, clone.paths)).size : (await commitsReachable(clone.dir, heads)).size;
      const where = clone.paths.length ? ` (${clone.paths.join(", ")})` : "";
      lines.push(`${clone.service}: ${clone.dir}${where}: ${tags.length} release tags, ${commits} commits`);
      if (nonCommits.length) warnings.push({ detail: `${clone.service}: ${nonCommitDetail(clone, nonCommits)}`, fix: "point the release tag at a commit, or narrow tag_pattern so it does not match it" });
      if (tags.length === 0) {
        const examples = all.slice(0, 3).map((t) => t.tag).join(", ");
        const claimed = all.some((t) => clone.tagPattern.test(t.tag));
        warnings.push({
          detail: `tag_pattern /${clone.tagPattern.source}/ of ${clone.service} matches none of the ${all.length} tags of ${clone.dir}${claimed ? " not already taken by a service listed before it" : ""}${examples ? ` (e.g. ${examples})` : ""}: it will give no deployments`,
          fix: claimed
            ? "give each service on this clone its own tag family: services.<name>.git: [{ path, tag_pattern, paths }]"
            : all.length ? "change sources.git.tag_pattern (or the entry's tag_pattern) to match the release tags" : "tag releases in this clone, or fetch its tags (git fetch --tags)",
        });
      }
    }
    return { detail: lines.join("; "), warnings };
  },
};
