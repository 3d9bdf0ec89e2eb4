import { GitlabDeployment, GitlabEnvironment } from "../../schemas/gitlab.ts";
import { httpStatusOf } from "../core/errors.ts";
import { predecessorStored } from "../core/predecessor.ts";
import { defineStream, type Page } from "../core/stream.ts";
import { listAll, listPages } from "./client.ts";
import { gitlabClient, gitlabConfig, gitlabProjects, projectUrl, type GitlabContext, type GitlabProjectRef, type GitlabRun } from "./context.ts";

/** GitLab deployment status → the warehouse's; the original is kept in original_status. */
export function mapDeploymentStatus(status: string): "success" | "failure" | "error" | "cancelled" | "running" {
  switch (status) {
    case "success":
      return "success";
    case "failed":
      return "failure";
    case "canceled":
    case "skipped":
      return "cancelled";
    // created (job not started), running, blocked (waiting for a manual approval): not finished yet.
    case "created":
    case "running":
    case "blocked":
      return "running";
    default:
      return "error";
  }
}

/**
 * Production as GitLab's own DORA metrics decide it: the environment's tier is `production`, or
 * its name matches the configured pattern (GitLab: "the production environment tier or the
 * environments named production/prod"). The pattern is matched case-insensitively.
 */
export function isProduction(tier: string | null | undefined, name: string, pattern: string): boolean {
  return tier === "production" || new RegExp(pattern, "i").test(name);
}

/**
 * When the deployment finished. The documented deployment object has no top-level `finished_at`
 * (though the list can be ordered and filtered by it), so: the top-level field when a GitLab
 * version sends it; else the deployable job's `finished_at`, which is when a CI deployment ended;
 * else, for a deployment created through the API (no job) in a finished status, `updated_at`,
 * the moment its status last changed.
 */
export function finishedAt(d: GitlabDeployment): string | null {
  if (d.finished_at) return d.finished_at;
  if (d.deployable?.finished_at) return d.deployable.finished_at;
  if (["success", "failed", "canceled"].includes(d.status)) return d.updated_at;
  return null;
}

/** Per project: environment id → tier, as the environments stream's pages brought them. */
function tiersOf(ctx: GitlabContext, project: GitlabProjectRef): Map<number, string | null | undefined> {
  let lookup = ctx.state.lookups.get(project.path);
  if (!lookup) ctx.state.lookups.set(project.path, (lookup = { tiers: new Map() }));
  return lookup.tiers;
}

/**
 * A project's environments with their tiers, kept as raw pages so a rebuild decides production as
 * the collection did. Runs before the deployments stream, whose rows read the tiers (toRows records
 * them). Every run lists them again: a tier can change.
 */
export const environments = defineStream<GitlabEnvironment, GitlabProjectRef, GitlabRun>({
  id: "gitlab.environments",
  item: GitlabEnvironment,
  itemId: (raw) => String((raw as { id?: unknown } | null)?.id ?? "(no id)"),
  partitions: gitlabProjects,
  partitionKey: (project) => project.path,
  order: "desc",
  async *pages(ctx, project) {
    const client = gitlabClient(ctx);
    try {
      const items = await listAll((page) => client.environments.all(project.path, { perPage: 100, page, showExpanded: true }));
      yield { url: projectUrl(client, project, "environments"), params: { per_page: 100 }, items };
    } catch (error) {
      // Reporter-level tokens cannot list environments: fall back to the name pattern, loudly.
      if (httpStatusOf(error) !== 403) throw error;
      ctx.log.warn(`cannot list environments of ${project.path} (403): production is decided by the name pattern only`);
    }
  },
  toRows(env, ctx, project) {
    tiersOf(ctx, project).set(env.id, env.tier);
    return {};
  },
  cursorOf: () => undefined,
});

/**
 * A backfill (--since, or a first run from the plan's start) starts in the middle of the history: the
 * last successful deployment of each production environment before it is fetched too, once, so the
 * first deployment of the range has a base to compare with and its commits are attributed. Only an
 * environment's very first deployment has none.
 */
async function* predecessors(ctx: GitlabContext, project: GitlabProjectRef, since: string, environments: Set<string>): AsyncGenerator<Page> {
  const client = gitlabClient(ctx);
  for (const environment of environments) {
    if (await predecessorStored(ctx.warehouse, { source: "gitlab", repo: project.path, environment }, since)) continue;
    const params = { environment, status: "success", order_by: "finished_at", sort: "desc", finished_before: since, per_page: 1 };
    // One page of one: the newest first
    for await (const p of listPages((page) =>
      client.deployments.all(project.path, { environment, status: "success", orderBy: "finished_at", sort: "desc", finishedBefore: since, perPage: 1, page, showExpanded: true } as never),
    )) {
      if (p.items.length) yield { url: projectUrl(client, project, "deployments"), params: { ...params, page: p.page }, items: p.items };
      break;
    }
  }
}

export const deployments = defineStream<GitlabDeployment, GitlabProjectRef, GitlabRun>({
  id: "gitlab.deployments",
  item: GitlabDeployment,
  itemId: (raw) => String((raw as { id?: unknown } | null)?.id ?? "(no id)"),
  partitions: gitlabProjects,
  partitionKey: (project) => project.path,
  // Deployments sorted by updated_at with updated_after (GitLab pairs that filter with that order).
  order: "asc",
  overlapMs: 5 * 60_000,
  async *pages(ctx, project, since) {
    const client = gitlabClient(ctx);
    const params: Record<string, unknown> = {
      order_by: "updated_at",
      sort: "asc",
      per_page: gitlabConfig(ctx).page_size,
      ...(since ? { updated_after: since } : {}),
    };
    const pages = listPages((page) =>
      client.deployments.all(project.path, {
        orderBy: "updated_at",
        sort: "asc",
        perPage: params.per_page as number,
        ...(since ? { updatedAfter: since } : {}),
        page,
        showExpanded: true,
      }),
    );
    // The production environments this range deployed to (each needs the deployment before it as a base).
    const environments = new Set<string>();
    for await (const p of pages) {
      for (const raw of p.items) {
        const d = GitlabDeployment.safeParse(raw);
        if (d.success && isProduction(tiersOf(ctx, project).get(d.data.environment.id), d.data.environment.name, gitlabConfig(ctx).environment)) {
          environments.add(d.data.environment.name);
        }
      }
      yield { url: projectUrl(client, project, "deployments"), params: { ...params, page: p.page }, items: p.items };
    }
    if (since) yield* predecessors(ctx, project, since, environments);
  },
  toRows(d, ctx, project) {
    const id = `gitlab:deployment:${project.path}:${d.id}`;
    const pipeline = d.deployable?.pipeline;
    return {
      "core.deployments": [
        {
          deployment_id: id,
          source: "gitlab",
          service: project.service,
          repo: project.path,
          environment: d.environment.name,
          is_production: isProduction(tiersOf(ctx, project).get(d.environment.id), d.environment.name, gitlabConfig(ctx).environment),
          commit_sha: d.sha,
          ref: d.ref ?? null,
          started_at: d.deployable?.started_at ?? d.created_at,
          finished_at: finishedAt(d),
          status: mapDeploymentStatus(d.status),
          original_status: d.status,
          // Derived across deployments by the transforms (intermediate.int_deployment_flags).
          is_rollback: false,
          is_rework: false,
          // The deployable's pipeline object documents `created_at` only; `started_at` when sent.
          pipeline_started_at: pipeline?.started_at ?? pipeline?.created_at ?? null,
          url: (d.deployable as { web_url?: string } | null | undefined)?.web_url ?? null,
          updated_at: d.updated_at,
        },
      ],
    };
  },
  cursorOf: (d) => d.updated_at,
});
