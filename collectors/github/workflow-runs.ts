import { GithubWorkflowRun } from "../../schemas/github.ts";
import { defineStream, type Page } from "../core/stream.ts";
import type { GithubContext, GithubRun } from "./run.ts";
import { githubClient } from "./client.ts";
import { deploymentRow, type DeploymentStatus } from "./deployment-row.ts";
import { restPages, type RestPage } from "./pages.ts";
import { predecessorPages, servicesWaiting } from "./predecessors.ts";
import { entityId, githubSettings, matches, targetsUsing, type RepoService, type RepoTarget } from "./targets.ts";

const CONCLUSIONS: Record<string, DeploymentStatus> = {
  success: "success",
  failure: "failure",
  timed_out: "failure",
  startup_failure: "failure",
  cancelled: "cancelled",
  skipped: "cancelled",
  neutral: "cancelled",
  action_required: "error",
  stale: "error",
};

/** Actions workflow runs as deployments: workflow file or name pattern, branch; success = `conclusion: success`. */
export const workflowRuns = defineStream<GithubWorkflowRun, RepoTarget, GithubRun>({
  id: "github.workflow_runs",
  concurrency: (ctx) => githubSettings(ctx.config).concurrency,
  item: GithubWorkflowRun,
  itemId: (raw) => String((raw as { id?: unknown })?.id ?? "?"),
  partitions: (ctx) => targetsUsing(ctx.config, "workflow_runs"),
  partitionKey: (t) => t.repo,
  order: "desc",
  // A run created before the cursor may finish after it: re-read three days.
  overlapMs: 3 * 24 * 3600_000,
  pages: (ctx, target, since) => runPages(ctx, target, since),
  toRows: (run, ctx, target) => {
    const owners = ownersOf(target, run);
    const status: DeploymentStatus = run.status === "completed" ? (CONCLUSIONS[run.conclusion ?? ""] ?? "error") : "running";
    const started = run.run_started_at ?? run.created_at;
    return {
      "core.deployments": owners.map((owner) =>
        deploymentRow(ctx, target, entityId("workflow_run", target, run.id, owner.service), {
          entity: "workflow_run",
          key: run.id,
          service: owner.service,
          environment: "production",
          isProduction: true,
          sha: run.head_sha,
          ref: run.head_branch,
          startedAt: started,
          finishedAt: run.status === "completed" ? run.updated_at : null,
          status,
          originalStatus: run.status === "completed" ? (run.conclusion ?? "completed") : (run.status ?? "unknown"),
          url: run.html_url,
          updatedAt: run.updated_at,
          // the run is the pipeline: pipeline time = updated_at (completion) − run_started_at
          pipelineStartedAt: started,
        }),
      ),
    };
  },
  cursorOf: (run) => new Date(run.created_at).toISOString(),
});

/** GitHub returns at most 1,000 runs for a filtered list (`created`, `branch`, …). */
const SEARCH_CAP = 1000;

async function* runPages(ctx: GithubContext, target: RepoTarget, since: string | undefined): AsyncGenerator<Page> {
  const branches = new Set(target.services.map((s) => s.rule.branch));
  // One branch for all services: let GitHub filter.
  const branch = branches.size === 1 ? [...branches][0] : undefined;
  const from = since ? `${since.slice(0, 19)}Z` : undefined;
  const deployed = new Set<string>();
  for await (const page of runLists(ctx, target, { branch }, from, undefined)) {
    for (const raw of page.items) for (const owner of ownersOf(target, raw)) deployed.add(owner.service);
    yield { url: page.url, params: page.params, items: page.items };
  }
  if (!since || !from) return;
  // The base of the range's first run, per service: a second list, of the successful runs created
  // before the start (GitHub's dates are whole seconds), newest first, to the first of its workflow and branch.
  const waiting = await servicesWaiting(ctx, target, since, deployed);
  const before = `${new Date(Date.parse(from) - 1000).toISOString().slice(0, 19)}Z`;
  yield* predecessorPages(runLists(ctx, target, { branch, status: "success" }, undefined, before), waiting, since, (raw) => {
    const run = GithubWorkflowRun.safeParse(raw);
    if (!run.success || run.data.status !== "completed" || run.data.conclusion !== "success") return { deploys: [], finished: null };
    return { deploys: ownersOf(target, run.data).map((s) => s.service), finished: run.data.updated_at };
  });
}

/** The services a run deploys: its workflow (file or name) and branch match theirs. */
function ownersOf(target: RepoTarget, run: unknown): RepoService[] {
  const r = run as Partial<GithubWorkflowRun> | null;
  return target.services.filter(
    (s) => (matches(s.rule.workflow, r?.path) || matches(s.rule.workflow, r?.name)) && (!s.rule.branch || s.rule.branch === r?.head_branch),
  );
}

/**
 * The runs created in [from, upper] (either bound optional), newest first; past the 1,000-result cap
 * of a filtered list, asked again for the runs created up to the oldest one seen.
 */
async function* runLists(
  ctx: GithubContext,
  target: RepoTarget,
  filters: { branch?: string; status?: string },
  from: string | undefined,
  upper: string | undefined,
): AsyncGenerator<RestPage<{ created_at?: string }>> {
  for (;;) {
    const params: Record<string, unknown> = { owner: target.owner, repo: target.name, per_page: githubSettings(ctx.config).page_size };
    if (filters.branch) params.branch = filters.branch;
    if (filters.status) params.status = filters.status;
    if (from || upper) params.created = from && upper ? `${from}..${upper}` : from ? `>=${from}` : `<=${upper}`;
    let seen = 0;
    let total = 0;
    let oldest: string | undefined;
    for await (const page of restPages<{ created_at?: string }>(githubClient(ctx), "GET /repos/{owner}/{repo}/actions/runs", params, (d) => (d as { workflow_runs: { created_at?: string }[] }).workflow_runs)) {
      total = (page.data as { total_count?: number }).total_count ?? 0;
      seen += page.items.length;
      for (const run of page.items) if (typeof run.created_at === "string" && (!oldest || run.created_at < oldest)) oldest = run.created_at;
      yield page;
    }
    if (seen < SEARCH_CAP || total <= seen || !oldest || oldest === upper) return;
    upper = `${new Date(oldest).toISOString().slice(0, 19)}Z`;
  }
}
