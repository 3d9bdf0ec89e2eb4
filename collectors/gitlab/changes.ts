import { z } from "zod";
import { GitlabCommit, GitlabCompare } from "../../schemas/gitlab.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { httpStatusOf } from "../core/errors.ts";
import { defineStream, type Page, type RowsByTable } from "../core/stream.ts";
import { listAll } from "./client.ts";
import { gitlabClient, gitlabProjects, projectUrl, type GitlabContext, type GitlabProjectRef, type GitlabRun } from "./context.ts";

interface ProdDeployment {
  deployment_id: string;
  environment: string;
  commit_sha: string;
  finished_at: Date;
}

interface MergeRequestInfo {
  pr_id: string;
  number: number;
  labels: string[] | null;
  first_commit_at: Date | null;
  opened_at: Date | null;
  first_review_at: Date | null;
  merged_at: Date | null;
  merge_commit_sha: string | null;
  commit_shas: string[] | null;
  title: string | null;
  author: string | null;
}

/**
 * Runs after a project's deployments (the changes stream), over every successful production
 * deployment stored for the project, in finished order, each compared with the previous one of
 * its environment: the commits between the two SHAs (repository/compare), each given to the first
 * deployment that shipped it and mapped to its merge request; the first deployment we know of has
 * no predecessor, so its changes are the MRs GitLab tracked for it (one row per MR). A SHA the
 * environment ran before ships nothing. Deployments whose changes are stored are not compared again.
 * Rollback and rework flags are derived from these rows by the transforms (int_deployment_flags).
 */
export async function shippedChanges(ctx: GitlabContext, project: GitlabProjectRef, source: ChangeSource): Promise<RowsByTable> {
  const w = ctx.warehouse;
  const deployments = await w.all<ProdDeployment>(
    `SELECT deployment_id, environment, commit_sha, finished_at FROM core.deployments
     WHERE source = 'gitlab' AND repo = ? AND is_production AND status = 'success' AND finished_at IS NOT NULL AND commit_sha IS NOT NULL
     ORDER BY finished_at, deployment_id`,
    [project.path],
  );
  const stored = await w.all<Row & { change_id: string; deployment_id: string | null; commit_sha: string | null; pr_id: string | null }>(
    "SELECT * FROM core.changes WHERE source = 'gitlab' AND repo = ?",
    [project.path],
  );
  const mrs = await w.all<MergeRequestInfo>(
    `SELECT pr_id, number, labels, first_commit_at, opened_at, first_review_at, merged_at, merge_commit_sha, commit_shas, title, author
     FROM core.pull_requests WHERE source = 'gitlab' AND repo = ?`,
    [project.path],
  );
  const mrBySha = new Map<string, MergeRequestInfo>();
  const mrByIid = new Map<number, MergeRequestInfo>();
  for (const mr of mrs) {
    mrByIid.set(mr.number, mr);
    for (const sha of mr.commit_shas ?? []) if (!mrBySha.has(sha)) mrBySha.set(sha, mr);
    if (mr.merge_commit_sha) mrBySha.set(mr.merge_commit_sha, mr);
  }

  const withChanges = new Set(stored.map((c) => c.deployment_id).filter((id): id is string => Boolean(id)));
  const shipped = new Set(stored.map((c) => c.commit_sha).filter((s): s is string => Boolean(s)));
  const shippedMrs = new Set(stored.map((c) => c.pr_id).filter((s): s is string => Boolean(s)));
  const changes: Row[] = [];
  const prevSha = new Map<string, string>();
  // Per environment, the SHAs it ran: deploying one again ships nothing.
  const ran = new Map<string, Set<string>>();

  for (const d of deployments) {
    const prev = prevSha.get(d.environment);
    const seen = ran.get(d.environment) ?? new Set<string>();
    ran.set(d.environment, seen);
    if (prev === undefined) {
      if (!withChanges.has(d.deployment_id)) {
        for (const mr of await source.tracked(d)) {
          const info = mrByIid.get(mr.iid);
          if (!info || shippedMrs.has(info.pr_id)) continue;
          shippedMrs.add(info.pr_id);
          changes.push(changeRow(project, d, info.merge_commit_sha, `mr:${info.number}`, undefined, info));
        }
      }
    } else if (seen.has(d.commit_sha) || withChanges.has(d.deployment_id)) {
      // A SHA that ran before ships nothing; a deployment compared in an earlier run keeps its changes.
    } else {
      // Unknown SHA (force-pushed away): nothing to attribute; an ancestor of the running SHA: no commit.
      for (const c of (await source.compare(prev, d.commit_sha)) ?? []) {
        if (shipped.has(c.id)) continue;
        shipped.add(c.id);
        const mr = mrBySha.get(c.id);
        if (mr) shippedMrs.add(mr.pr_id);
        changes.push(changeRow(project, d, c.id, c.id, c, mr));
      }
    }
    prevSha.set(d.environment, d.commit_sha);
    seen.add(d.commit_sha);
  }

  // Stored changes whose MR was collected (or updated) after they were written: map them again.
  const byMrId = new Map(mrs.map((m) => [m.pr_id, m]));
  for (const c of stored) {
    const mr = (c.commit_sha ? mrBySha.get(c.commit_sha) : undefined) ?? (c.pr_id ? byMrId.get(c.pr_id) : undefined);
    if (!mr) continue;
    const fresh = { ...c, ...mrFields(mr) };
    if (!sameRow(c, fresh)) changes.push(fresh);
  }

  return { "core.changes": changes };
}

function mrFields(mr: MergeRequestInfo | undefined): Row {
  return {
    pr_id: mr?.pr_id ?? null,
    pr_first_commit_at: mr?.first_commit_at ?? null,
    pr_opened_at: mr?.opened_at ?? null,
    first_review_at: mr?.first_review_at ?? null,
    merged_at: mr?.merged_at ?? null,
  };
}

function changeRow(
  project: GitlabProjectRef,
  d: ProdDeployment,
  sha: string | null,
  key: string,
  commit: GitlabCommit | undefined,
  mr: MergeRequestInfo | undefined,
): Row {
  return {
    change_id: `gitlab:change:${project.path}:${key}`,
    source: "gitlab",
    service: project.service,
    repo: project.path,
    deployment_id: d.deployment_id,
    commit_sha: sha,
    title: commit?.title ?? mr?.title ?? null,
    author: commit?.author_name ?? mr?.author ?? null,
    authored_at: commit?.authored_date ?? null,
    committed_at: commit?.committed_date ?? commit?.created_at ?? null,
    ...mrFields(mr),
  };
}

function sameRow(a: Row, b: Row): boolean {
  const norm = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : (v ?? null));
  return Object.keys(b).every((k) => k === "collected_at" || norm(a[k]) === norm(b[k]));
}

/** Where the walk gets what it compares: the API, or the pages a collection stored (rebuild). */
interface ChangeSource {
  /** The commits in `to` and not in `from`; undefined when a SHA is unknown (force-pushed away). */
  compare(from: string, to: string): Promise<GitlabCommit[] | undefined>;
  /** The merge requests GitLab tracked for a deployment. */
  tracked(d: ProdDeployment): Promise<{ iid: number }[]>;
}

/** The API, each answer kept as a page of the changes stream (`recorded`). */
function liveSource(ctx: GitlabContext, project: GitlabProjectRef, recorded: Page[]): ChangeSource {
  const client = gitlabClient(ctx);
  return {
    async compare(from, to) {
      const commits = await compare(ctx, project, from, to);
      if (commits) recorded.push({ url: projectUrl(client, project, "repository/compare"), params: { from, to, straight: false }, items: commits });
      return commits;
    },
    async tracked(d) {
      const items = await trackedMergeRequests(ctx, project, d);
      recorded.push({ url: projectUrl(client, project, `deployments/${deploymentNumber(d)}/merge_requests`), params: { deployment: deploymentNumber(d) }, items });
      return items;
    },
  };
}

/** The stored pages: a compare or a deployment's merge requests the collection never got are unknown. */
function storedSource(pages: Page[]): ChangeSource {
  const compares = new Map<string, GitlabCommit[]>();
  const tracked = new Map<number, { iid: number }[]>();
  for (const page of pages) {
    const { from, to, deployment } = page.params ?? {};
    if (typeof from === "string" && typeof to === "string") {
      compares.set(`${from}...${to}`, page.items.flatMap((raw) => GitlabCommit.safeParse(raw).data ?? []));
    } else if (typeof deployment === "number") {
      tracked.set(deployment, page.items.filter((m): m is { iid: number } => typeof (m as { iid?: unknown })?.iid === "number"));
    }
  }
  return {
    compare: (from, to) => Promise.resolve(compares.get(`${from}...${to}`)),
    tracked: (d) => Promise.resolve(tracked.get(deploymentNumber(d)) ?? []),
  };
}

const deploymentNumber = (d: ProdDeployment) => Number(d.deployment_id.slice(d.deployment_id.lastIndexOf(":") + 1));

const TrackedMergeRequest = z.looseObject({ iid: z.number().int() });
const ChangeItem = z.union([GitlabCommit, TrackedMergeRequest]);

/**
 * The commits each production deployment shipped (see shippedChanges). Runs after the deployments
 * and merge requests streams; its pages are the compares and the merge requests GitLab tracked for
 * a first deployment, kept so `dora rebuild` attributes the same commits with no request.
 */
export const changes = defineStream<z.infer<typeof ChangeItem>, GitlabProjectRef, GitlabRun>({
  id: "gitlab.changes",
  item: ChangeItem,
  itemId: (raw) => String((raw as { id?: unknown; iid?: unknown } | null)?.id ?? (raw as { iid?: unknown } | null)?.iid ?? "(no id)"),
  partitions: gitlabProjects,
  partitionKey: (project) => project.path,
  order: "desc",
  async *pages(ctx, project) {
    const recorded: Page[] = [];
    ctx.state.changes.set(project.path, await shippedChanges(ctx, project, liveSource(ctx, project, recorded)));
    yield* recorded;
  },
  toRows: () => ({}),
  cursorOf: () => undefined,
  finish: (ctx, project) => {
    const rows = ctx.state.changes.get(project.path);
    ctx.state.changes.delete(project.path);
    return Promise.resolve(rows ?? {});
  },
  replay: (ctx, project, pages) => shippedChanges(ctx, project, storedSource(pages)),
});

async function compare(ctx: GitlabContext, project: GitlabProjectRef, from: string, to: string): Promise<GitlabCommit[] | undefined> {
  const client = gitlabClient(ctx);
  let raw: unknown;
  try {
    raw = await client.repositories.compare(project.path, from, to, { straight: false });
  } catch (error) {
    if (httpStatusOf(error) === 404) {
      ctx.log.warn(`${project.path}: cannot compare ${from.slice(0, 8)}...${to.slice(0, 8)} (not found); its changes are left out`);
      return undefined;
    }
    throw error;
  }
  const parsed = GitlabCompare.safeParse(raw);
  if (!parsed.success) throw new Error(`gitlab.deployments [${project.path}] compare ${from}...${to}: unexpected response (${parsed.error.issues[0]?.message})`);
  if (parsed.data.compare_timeout) ctx.log.warn(`${project.path}: GitLab timed out comparing ${from.slice(0, 8)}...${to.slice(0, 8)}; the list of changes may be partial`);
  return parsed.data.commits;
}

/** GET /projects/:id/deployments/:id/merge_requests: GitLab's own record of what a deployment shipped. */
async function trackedMergeRequests(ctx: GitlabContext, project: GitlabProjectRef, d: ProdDeployment): Promise<{ iid: number }[]> {
  const client = gitlabClient(ctx);
  const id = deploymentNumber(d);
  try {
    const items = await listAll((page) => client.deployments.allMergeRequests(project.path, id, { perPage: 100, page, showExpanded: true }));
    return items.filter((m): m is { iid: number } => typeof (m as { iid?: unknown })?.iid === "number");
  } catch (error) {
    if (httpStatusOf(error) === 404) return [];
    throw error;
  }
}
