import { afterEach, describe, expect, it } from "vitest";
import { collectSource } from "../../../collectors/core/runner.ts";
import { gitlabSource } from "../../../collectors/gitlab/index.ts";
import type { Config } from "../../../schemas/config.ts";
import { writeSeeds } from "../../../warehouse/seeds.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";
import { githubConfig, runGithub, TOKEN } from "../../contract/github/harness.ts";
import { makeContext, TOKEN_ENV as GITLAB_TOKEN_ENV } from "../../contract/gitlab/helpers.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { startGithubSim, SimState, type GithubSim } from "../../sim/github/server.ts";
import { paymentsProject } from "../../sim/gitlab/fixtures.ts";
import { SIM_TOKEN, startGitlabSim, type GitlabSim } from "../../sim/gitlab/server.ts";
import { materialize } from "../transforms/helpers.ts";

let github: GithubSim | undefined;
let gitlab: GitlabSim | undefined;
afterEach(async () => {
  await github?.close();
  await gitlab?.close();
  github = gitlab = undefined;
  delete process.env[GITLAB_TOKEN_ENV];
});

/** The pipeline transforms over what a collector stored, in the config's zone, as the runner runs them. */
async function pipelineTables(w: Warehouse, config: Config) {
  await writeSeeds(w, config);
  await w.run(`SET TimeZone = '${config.timezone}'`);
  await w.run(`SET VARIABLE tz = '${config.timezone}'`);
  await materialize(w, "metrics.pipeline_time");
  const items = await w.all<{ deployment_id: string; pipeline_minutes: number }>("SELECT deployment_id, pipeline_minutes FROM metrics.pipeline_items ORDER BY deployment_id");
  const month = await w.one<Record<string, unknown>>(
    "SELECT runs, median_minutes, p90_minutes FROM metrics.pipeline_time WHERE grain = 'month' AND period_start = DATE '2026-01-01' AND service = '*'",
  );
  return { items, month };
}

describe("deployment pipeline time from the simulators", () => {
  it("GitHub Actions: a deploying workflow run's updated_at − run_started_at; failed and running runs are not deployments", async () => {
    const state = new SimState();
    const repo = "acme/app";
    const at = (day: number, hour: number, minute = 0) => `2026-01-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00Z`;
    const run = (id: number, day: number, minutes: number, conclusion: string | null, sha: string) =>
      state.repo(repo).runs.push({
        id, workflow_id: 1, name: "Deploy", path: ".github/workflows/deploy.yml", head_branch: "main", head_sha: sha, event: "push",
        status: conclusion ? "completed" : "in_progress", conclusion,
        // queued five minutes before it started: the pipeline time starts at run_started_at
        created_at: at(day, 9, 55), run_started_at: at(day, 10), updated_at: at(day, 10, minutes),
      });
    const s1 = state.commit(repo, { message: "one", date: at(5, 8) });
    run(1, 5, 12, "success", s1);
    const s2 = state.commit(repo, { message: "two", date: at(6, 8) });
    run(2, 6, 30, "success", s2);
    run(3, 7, 4, "failure", s2);
    const s3 = state.commit(repo, { message: "three", date: at(8, 8) });
    run(4, 8, 18, "success", s3);
    run(5, 9, 7, null, s3);
    github = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(github!.url, { app: { github: [{ repo, deployments: { from: "workflow_runs", workflow: "deploy\\.yml$", branch: "main" } }] } });
      const result = await runGithub(w, config);
      expect(result.result.status, result.lines.join("\n")).toBe("success");
      const { items, month } = await pipelineTables(w, config);
      expect(items).toEqual([
        { deployment_id: "github:workflow_run:acme/app:1", pipeline_minutes: 12 },
        { deployment_id: "github:workflow_run:acme/app:2", pipeline_minutes: 30 },
        { deployment_id: "github:workflow_run:acme/app:4", pipeline_minutes: 18 },
      ]);
      // 12, 18, 30 → median 18; p90 (type 7): h = 1.8 → 18 + 0.8 × 12 = 27.6
      expect(month).toEqual({ runs: 3, median_minutes: 18, p90_minutes: expect.closeTo(27.6, 9) });
    });
  });

  it("GitLab: finished_at − the deployment job's pipeline start (started_at when sent, else created_at)", async () => {
    process.env[GITLAB_TOKEN_ENV] = SIM_TOKEN;
    const project = paymentsProject();
    // deployment 105 (finished 12:00:30Z): its pipeline started at 11:15Z; the others send only created_at (20 min before)
    const d105 = project.deployments.find((d) => d.id === 105)!;
    d105.deployable!.pipeline = { ...d105.deployable!.pipeline!, started_at: "2026-01-07T11:15:00.000Z" };
    gitlab = await startGitlabSim({ state: { projects: [project] } });
    await withMemoryWarehouse(async (w) => {
      const ctx = makeContext(w, gitlab!.url);
      const result = await collectSource(gitlabSource, ctx);
      expect(result.status, result.error).toBe("success");
      const { items, month } = await pipelineTables(w, ctx.config);
      // successful production deployments: 101, 103, 105, 106, 108, 109 (20 min each, 105: 11:15 → 12:00:30 = 45.5 min);
      // 102 is staging, 104 failed, 107 cancelled, 110 has no job (no pipeline known)
      const id = (n: number) => `gitlab:deployment:acme/payments:${n}`;
      expect(items).toEqual([101, 103, 105, 106, 108, 109].map((n) => ({ deployment_id: id(n), pipeline_minutes: n === 105 ? 45.5 : 20 })));
      // 20 × 5, 45.5 → median 20; p90: h = 5 × 0.9 = 4.5 → 20 + 0.5 × 25.5 = 32.75
      expect(month).toEqual({ runs: 6, median_minutes: 20, p90_minutes: expect.closeTo(32.75, 9) });
    });
  });
});
