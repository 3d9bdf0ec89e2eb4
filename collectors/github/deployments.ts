import { GithubDeployment, GithubRestDeployment } from "../../schemas/github.ts";
import { predecessorStored } from "../core/predecessor.ts";
import { defineStream, type Page } from "../core/stream.ts";
import type { GithubContext, GithubRun } from "./run.ts";
import { githubClient } from "./client.ts";
import { deploymentRow, type DeploymentStatus } from "./deployment-row.ts";
import { graphqlQuery, restPages, type RestPage } from "./pages.ts";
import { predecessorPages } from "./predecessors.ts";
import { entityId, githubSettings, matches, targetsUsing, type RepoTarget } from "./targets.ts";

const STATUSES_QUERY = `query($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Deployment {
      id
      latestStatus { state createdAt }
      statuses(first: 100) { nodes { state createdAt } }
    }
  }
}`;

/** A deployment still waiting for its final status is re-read for this long. */
const PENDING_WINDOW_MS = 14 * 24 * 3600_000;

/**
 * GitHub Deployments: REST lists them newest first (it alone says `production_environment`); one
 * GraphQL `nodes(ids:)` query per page fetches their statuses, instead of one REST call per deployment.
 */
export const deployments = defineStream<GithubDeployment, RepoTarget, GithubRun>({
  id: "github.deployments",
  concurrency: (ctx) => githubSettings(ctx.config).concurrency,
  item: GithubDeployment,
  itemId: (raw) => String((raw as { deployment?: { id?: unknown } })?.deployment?.id ?? "?"),
  partitions: async (ctx) => {
    const targets = targetsUsing(ctx.config, "deployments");
    if (targets.length) ctx.state.running = await runningDeployments(ctx);
    return targets;
  },
  partitionKey: (t) => t.repo,
  order: "desc",
  overlapMs: 3 * 24 * 3600_000,
  pages: (ctx, target, since) => deploymentPages(ctx, target, since),
  toRows: (item, ctx, target) => ({ "core.deployments": toDeploymentRows(item, ctx, target) }),
  cursorOf: (item) => item.deployment.created_at,
});

async function* deploymentPages(ctx: GithubContext, target: RepoTarget, since: string | undefined): AsyncGenerator<Page> {
  const client = githubClient(ctx);
  const stopAt = oldestPending(ctx, target, since);
  const params = { owner: target.owner, repo: target.name, per_page: githubSettings(ctx.config).page_size };
  // The production environments this range deployed to (each needs the deployment before it as a base).
  const environments = new Set<string>();
  const list = restPages<unknown>(client, "GET /repos/{owner}/{repo}/deployments", params);
  // The items (with their statuses) of the page the walk stopped on that were created before the
  // range: where its bases are looked for first.
  let stoppedOn: { url: string; params: Page["params"]; items: { deployment: unknown; statuses: unknown }[] } | undefined;
  // not `for await`: leaving it would close the list, which the bases are looked for in next
  for (let step = await list.next(); !step.done; step = await list.next()) {
    const page = step.value;
    // Deployments come newest first: keep those at or after the stop time, then stop.
    const kept = page.items.filter((raw) => !stopAt || !(createdAt(raw) < stopAt));
    const done = kept.length < page.items.length;
    for (const raw of kept) {
      const d = GithubRestDeployment.pick({ environment: true, production_environment: true }).safeParse(raw);
      if (d.success && isProduction(target, d.data.environment, d.data.production_environment)) environments.add(d.data.environment);
    }
    // On the page the walk stops on, the statuses of the items before the stop time are read in the
    // same query as the range's (every item there is in the range or created before its start).
    const items = kept.length || done ? await withStatuses(client, done ? page.items : kept) : [];
    const inRange = new Set(kept);
    if (kept.length) yield { url: page.url, params: { ...page.params, statuses: "graphql nodes(ids:)" }, items: items.filter((i) => inRange.has(i.deployment)) };
    if (done) {
      stoppedOn = { url: page.url, params: page.params, items: items.filter((i) => since !== undefined && createdAt(i.deployment) < since) };
      break;
    }
  }
  if (since) yield* predecessors(ctx, target, since, environments, { stoppedOn, list });
}

/** The REST deployments with their statuses: one GraphQL `nodes(ids:)` query for the lot. */
async function withStatuses(client: ReturnType<typeof githubClient>, raws: unknown[]): Promise<{ deployment: unknown; statuses: unknown }[]> {
  const nodeIds = raws.map((raw) => (raw as { node_id?: unknown }).node_id).filter((id): id is string => typeof id === "string");
  const found = new Map<string, unknown>();
  if (nodeIds.length) {
    const data = await graphqlQuery<{ nodes: ({ id?: string } | null)[] }>(client, STATUSES_QUERY, { ids: nodeIds });
    for (const node of data.nodes) if (node?.id) found.set(node.id, node);
  }
  return raws.map((raw) => ({ deployment: raw, statuses: found.get((raw as { node_id?: string }).node_id ?? "") ?? null }));
}

/** How many more pages of the unfiltered list (all older than the range) are read for bases before asking per environment. */
const UNFILTERED_PAGES = 2;

/**
 * A range that starts mid-history (--since, a cursor) needs, for each production environment it
 * deployed to, the last successful deployment before its start: the base the first deployment of the
 * range is compared with, so its commits are attributed. It is fetched once (a stored one is enough);
 * only an environment's very first deployment has none.
 *
 * The bases are looked for first where the range's walk stopped: the rest of that page and the next
 * pages of the same list (all older than the range) usually hold every environment's last deployment,
 * at one statuses query per page. An environment not found there is asked of the list filtered by
 * it, newest first; that list starts with the range's own deployments again (a busy environment:
 * several pages, for every repository of a backfill), so it is the fallback, not the first try
 * (bench/RESULTS.md, the 200-repository backfill). Statuses are read only for deployments created
 * before the start, until the first that succeeded before it (predecessorPages).
 */
async function* predecessors(
  ctx: GithubContext,
  target: RepoTarget,
  since: string,
  environments: Set<string>,
  walk: { stoppedOn: { url: string; params: Page["params"]; items: unknown[] } | undefined; list: AsyncGenerator<RestPage<unknown>> },
): AsyncGenerator<Page> {
  const client = githubClient(ctx);
  const waiting = new Set<string>();
  for (const environment of environments) {
    if (!(await predecessorStored(ctx.warehouse, { source: "github", repo: target.repo, environment }, since))) waiting.add(environment);
  }
  const judge = (item: unknown) => {
    const parsed = GithubDeployment.safeParse(item);
    const state = parsed.success ? deploymentState(parsed.data) : undefined;
    const environment = parsed.success ? parsed.data.deployment.environment : undefined;
    return state?.status === "success" && environment !== undefined ? { deploys: [environment], finished: state.at } : { deploys: [], finished: null };
  };
  // The range's walk read the whole list (it never stopped), or this walk reaches its end: no older deployment exists.
  let exhausted = walk.stoppedOn === undefined;
  const unfiltered = async function* (): AsyncGenerator<Page> {
    if (walk.stoppedOn?.items.length) yield { url: walk.stoppedOn.url, params: { ...walk.stoppedOn.params, statuses: "graphql nodes(ids:)" }, items: walk.stoppedOn.items };
    let more = 0;
    while (walk.stoppedOn && more++ < UNFILTERED_PAGES) {
      const step = await walk.list.next();
      if (step.done) {
        exhausted = true;
        return;
      }
      const items = step.value.items.filter((raw) => createdAt(raw) < since);
      if (items.length) yield { url: step.value.url, params: { ...step.value.params, statuses: "graphql nodes(ids:)" }, items: await withStatuses(client, items) };
    }
  };
  yield* predecessorPages(unfiltered(), waiting, since, judge);
  if (exhausted) return;
  for (const environment of [...waiting]) {
    const params = { owner: target.owner, repo: target.name, environment, per_page: githubSettings(ctx.config).page_size };
    const older = async function* (): AsyncGenerator<Page> {
      for await (const page of restPages<unknown>(client, "GET /repos/{owner}/{repo}/deployments", params)) {
        const items = page.items.filter((raw) => createdAt(raw) < since);
        if (items.length) yield { url: page.url, params: { ...page.params, statuses: "graphql nodes(ids:)" }, items: await withStatuses(client, items) };
      }
    };
    yield* predecessorPages(older(), new Set([environment]), since, judge);
  }
}

/** Production as the rows decide it: a service's environment pattern, else GitHub's own flag. */
function isProduction(target: RepoTarget, environment: string, flag: boolean | null | undefined): boolean {
  return target.services.some((s) => matches(s.rule.environment, environment)) || flag === true;
}

function createdAt(raw: unknown): string {
  const parsed = GithubRestDeployment.pick({ created_at: true }).safeParse(raw);
  // An item without a readable time is kept, so validation reports it with its id.
  return parsed.success ? new Date(parsed.data.created_at).toISOString() : "9999";
}

/**
 * When each repository's stored deployments still waiting for a final status started, read once as
 * the stream starts: one query for the organisation, instead of one per repository (each a scan of
 * core.deployments, and a commit of the pages pending before it).
 */
async function runningDeployments(ctx: GithubContext): Promise<Map<string, number[]>> {
  const rows = await ctx.warehouse.all<{ repo: string; started: number[] }>(
    `SELECT repo, list(epoch_ms(started_at)) AS started FROM core.deployments
      WHERE source = 'github' AND deployment_id LIKE 'github:deployment:%' AND status = 'running' AND started_at IS NOT NULL
      GROUP BY repo`,
  );
  return new Map(rows.map((r) => [r.repo, r.started.map(Number)]));
}

/** The stop time: the cursor (less the overlap), or earlier if a recent deployment is still running. */
function oldestPending(ctx: GithubContext, target: RepoTarget, since: string | undefined): string | undefined {
  if (!since) return undefined;
  const from = Date.parse(since) - PENDING_WINDOW_MS;
  const running = ctx.state.running.get(target.repo) ?? [];
  const oldest = Math.min(...running.filter((t) => t >= from));
  const pending = Number.isFinite(oldest) ? new Date(oldest).toISOString() : undefined;
  return pending && pending < since ? pending : since;
}

/** The latest status decides; `inactive` after a `success` means it was live and later superseded. */
export function deploymentState(item: GithubDeployment): { status: DeploymentStatus; original: string; at: string | null } {
  const statuses = [...(item.statuses?.statuses.nodes ?? [])];
  if (item.statuses?.latestStatus) statuses.push(item.statuses.latestStatus);
  statuses.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  const latest = statuses.at(-1);
  if (!latest) return { status: "running", original: "none", at: null };
  const state = latest.state.toLowerCase();
  if (state === "inactive") {
    const success = statuses.filter((s) => s.state.toLowerCase() === "success").at(-1);
    if (success) return { status: "success", original: "inactive", at: success.createdAt };
    return { status: "cancelled", original: state, at: latest.createdAt };
  }
  const mapped: Record<string, DeploymentStatus> = { success: "success", failure: "failure", error: "error" };
  return { status: mapped[state] ?? "running", original: state, at: mapped[state] ? latest.createdAt : null };
}

function toDeploymentRows(item: GithubDeployment, ctx: GithubContext, target: RepoTarget) {
  const d = item.deployment;
  const state = deploymentState(item);
  // Each service whose environment pattern matches gets the deployment (a monorepo deploying several
  // services to one environment); GitHub's production_environment flag counts for all of them.
  let owners = target.services.filter((s) => matches(s.rule.environment, d.environment));
  if (!owners.length && d.production_environment === true) owners = target.services;
  const production = owners.length > 0;
  if (!owners.length) owners = [target.services[0]!];
  return owners.map((service) =>
    deploymentRow(ctx, target, entityId("deployment", target, d.id, service.service), {
      entity: "deployment",
      key: d.id,
      service: service.service,
      environment: d.environment,
      isProduction: production,
      sha: d.sha,
      ref: d.ref,
      startedAt: d.created_at,
      finishedAt: state.at,
      status: state.status,
      originalStatus: state.original,
      url: d.url,
      updatedAt: d.updated_at,
    }),
  );
}
