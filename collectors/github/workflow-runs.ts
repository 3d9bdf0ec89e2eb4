import { GithubWorkflowRun } from "../../schemas/github.ts";
import { defineStream, type CollectContext, type Page } from "../core/stream.ts";
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
export const workflowRuns = defineStream<GithubWorkflowRun, RepoTarget>({
  id: "github.workflow_runs",
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
        }),
      ),
    };
  },
  cursorOf: (run) => new Date(run.created_at).toISOString(),
});

async function* runPages(ctx: CollectContext, target: RepoTarget, since: string | undefined): AsyncGenerator<Page> {
  const branches = new Set(target.services.map((s) => s.rule.branch));
  // One branch for all services: let GitHub filter. (The list is capped at 1,000 runs per filter.)
  const branch = branches.size === 1 ? [...branches][0] : undefined;
  const params: Record<string, unknown> = { owner: target.owner, repo: target.name, per_page: githubSettings(ctx.config).page_size };
  if (branch) params.branch = branch;
  if (since) params.created = `>=${since.slice(0, 19)}Z`;
  yield* restPages(githubClient(ctx), "GET /repos/{owner}/{repo}/actions/runs", params, (d) => (d as { workflow_runs: unknown[] }).workflow_runs);
}
