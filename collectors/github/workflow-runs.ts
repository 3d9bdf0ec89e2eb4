import { GithubWorkflowRun } from "../../schemas/github.ts";
import { defineStream, type Page } from "../core/stream.ts";
import type { GithubContext, GithubRun } from "./run.ts";
import { githubClient } from "./client.ts";
import { deploymentRow, type DeploymentStatus } from "./deployment-row.ts";
import { restPages } from "./pages.ts";
import { entityId, githubSettings, matches, targetsUsing, type RepoTarget } from "./targets.ts";

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
    const owners = target.services.filter(
      (s) => (matches(s.rule.workflow, run.path) || matches(s.rule.workflow, run.name)) && (!s.rule.branch || s.rule.branch === run.head_branch),
    );
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
  let upper: string | undefined;
  // Newest first; past the 1,000-result cap, ask again for the runs created up to the oldest one seen.
  for (;;) {
    const params: Record<string, unknown> = { owner: target.owner, repo: target.name, per_page: githubSettings(ctx.config).page_size };
    if (branch) params.branch = branch;
    if (from || upper) params.created = from && upper ? `${from}..${upper}` : from ? `>=${from}` : `<=${upper}`;
    let seen = 0;
    let total = 0;
    let oldest: string | undefined;
    for await (const page of restPages<{ created_at?: string }>(githubClient(ctx), "GET /repos/{owner}/{repo}/actions/runs", params, (d) => (d as { workflow_runs: { created_at?: string }[] }).workflow_runs)) {
      total = (page.data as { total_count?: number }).total_count ?? 0;
      seen += page.items.length;
      for (const run of page.items) if (typeof run.created_at === "string" && (!oldest || run.created_at < oldest)) oldest = run.created_at;
      yield { url: page.url, params: page.params, items: page.items };
    }
    if (seen < SEARCH_CAP || total <= seen || !oldest || oldest === upper) return;
    upper = `${new Date(oldest).toISOString().slice(0, 19)}Z`;
  }
}
