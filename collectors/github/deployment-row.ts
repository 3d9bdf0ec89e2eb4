import type { Row } from "../../warehouse/warehouse.ts";
import type { CollectContext } from "../core/stream.ts";
import { githubSettings, matches, type RepoTarget } from "./targets.ts";

export type DeploymentStatus = "success" | "failure" | "error" | "cancelled" | "running";

export interface DeploymentFacts {
  entity: string;
  key: string | number;
  service: string;
  environment: string;
  isProduction: boolean;
  sha: string;
  ref: string | null;
  startedAt: string;
  finishedAt: string | null;
  status: DeploymentStatus;
  originalStatus: string;
  url: string | null;
  updatedAt: string | null;
  /** Start of the CI/CD run that ended in this deployment, where the source knows it (workflow runs). */
  pipelineStartedAt?: string | null;
}

/**
 * A core.deployments row. is_rework marks a deployment from a hotfix branch; the flags that depend on
 * other rows (rollbacks, shipped reverts and hotfix PRs) are derived by the transforms
 * (intermediate.int_deployment_flags).
 */
export function deploymentRow(ctx: CollectContext, target: RepoTarget, id: string, f: DeploymentFacts): Row {
  const settings = githubSettings(ctx.config);
  return {
    deployment_id: id,
    source: "github",
    service: f.service,
    repo: target.repo,
    environment: f.environment,
    is_production: f.isProduction,
    commit_sha: f.sha,
    ref: f.ref,
    started_at: f.startedAt,
    finished_at: f.finishedAt,
    status: f.status,
    original_status: f.originalStatus,
    is_rollback: false,
    is_rework: matches(settings.hotfix_branch_pattern, f.ref),
    url: f.url,
    updated_at: f.updatedAt,
    pipeline_started_at: f.pipelineStartedAt ?? null,
  };
}
