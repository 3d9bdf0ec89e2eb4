import { resolve } from "node:path";
import { z } from "zod";
import type { Config } from "../../schemas/config.ts";
import { GitCommit } from "../../schemas/git.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { defineStream, type CollectContext, type Page } from "../core/stream.ts";
import { commitsBetween, git } from "./git.ts";

/** A service's local clone, where the commits of the shas another source deployed are read. */
export interface ServiceClone {
  service: string;
  dir: string;
  /** The config key that names the clone, for error messages (`sources.events.git.api`). */
  key: string;
}

/** What one deployment shipped, as read from the clone: kept in raw.pages, so a rebuild re-derives the changes. */
export const ShippedCommits = z.object({
  deployment_id: z.string().min(1),
  service: z.string().min(1),
  repo: z.string().min(1),
  finished_at: z.iso.datetime({ offset: true }),
  commits: z.array(GitCommit),
});
export type ShippedCommits = z.infer<typeof ShippedCommits>;

const DEPLOYMENTS_PER_PAGE = 50;

/**
 * The commits each successful production deployment of `source` shipped, read from the service's
 * local clone: reachable from its sha and from no earlier deployed sha, so a commit counts at the
 * first deployment that contains it. The first deployment has no predecessor to compare with and
 * ships no attributed commits (as the first release tag of the git source); a deployment of a sha
 * deployed before (a rollback, a re-sync) ships none. Each deployment's commits are a page item, so
 * `dora rebuild` gives the same changes without the clone.
 */
export function cloneChangesStream(options: { id: string; source: string; clones: (config: Config) => ServiceClone[] }) {
  return defineStream<ShippedCommits, ServiceClone>({
    id: options.id,
    item: ShippedCommits,
    itemId: (raw) => String((raw as { deployment_id?: unknown } | null)?.deployment_id ?? "?"),
    partitions: (ctx) => options.clones(ctx.config),
    partitionKey: (clone) => clone.service,
    order: "asc",
    // A deployment recorded late (an event file read the next night) can finish before the cursor.
    overlapMs: 7 * 24 * 3600_000,
    pages: (ctx, clone, since) => shippedPages(ctx, options.source, clone, since),
    toRows: (item) => ({
      "core.changes": item.commits.map(
        (c): Row => ({
          change_id: `${options.source}:change:${item.service}:${c.sha}`,
          source: options.source,
          service: item.service,
          repo: item.repo,
          deployment_id: item.deployment_id,
          commit_sha: c.sha,
          pr_id: null,
          title: c.subject,
          author: c.author,
          authored_at: c.authored_at,
          committed_at: c.committed_at,
        }),
      ),
    }),
    cursorOf: (item) => item.finished_at,
  });
}

async function* shippedPages(ctx: CollectContext, source: string, clone: ServiceClone, since: string | undefined): AsyncGenerator<Page> {
  try {
    await git(clone.dir, ["rev-parse", "--git-dir"]);
  } catch (error) {
    throw Object.assign(new Error(`${clone.key}: ${clone.dir} is not a git clone (${(error as Error).message})`), { status: 404 });
  }
  const deployed = await ctx.warehouse.all<{ deployment_id: string; commit_sha: string; finished_at: Date }>(
    `SELECT deployment_id, commit_sha, finished_at FROM core.deployments
      WHERE source = ? AND service = ? AND is_production AND status = 'success' AND commit_sha IS NOT NULL AND finished_at IS NOT NULL
      ORDER BY finished_at, deployment_id`,
    [source, clone.service],
  );
  // Earlier deployed shas the clone has: one missing from it cannot bound a range, and with none
  // (the first deployment) there is no range to read.
  const earlier: string[] = [];
  let items: ShippedCommits[] = [];
  for (const d of deployed) {
    // The full sha (a deployment may name an abbreviated one), or "" when the clone lacks it.
    const sha = (await git(clone.dir, ["rev-parse", "--verify", "--quiet", `${d.commit_sha}^{commit}`]).catch(() => "")).trim();
    if (!sha) {
      ctx.log.warn(`${d.deployment_id}: commit ${d.commit_sha} is not in ${clone.dir} (fetch the clone); its changes are not attributed yet`);
      continue;
    }
    if (earlier.includes(sha)) continue;
    const finished = d.finished_at.toISOString();
    if (earlier.length > 0 && (!since || finished >= since)) {
      items.push({ deployment_id: d.deployment_id, service: clone.service, repo: clone.dir, finished_at: finished, commits: await commitsBetween(clone.dir, sha, earlier) });
      if (items.length === DEPLOYMENTS_PER_PAGE) {
        yield { url: `file://${clone.dir}`, params: { source }, items };
        items = [];
      }
    }
    earlier.push(sha);
  }
  if (items.length) yield { url: `file://${clone.dir}`, params: { source }, items };
}

/** `{ service: clone }` of a source's `git` setting as clones (paths resolved from the working directory). */
export function configuredClones(git: Record<string, string> | undefined, key: string): ServiceClone[] {
  return Object.entries(git ?? {}).map(([service, dir]) => ({ service, dir: resolve(dir), key: `${key}.${service}` }));
}
