import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitlabSource } from "../../../collectors/gitlab/index.ts";
import { loadDemo } from "../../../collectors/demo/index.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { Warehouse } from "../../../warehouse/warehouse.ts";
import { collectOrg, type OrgRun } from "../../sim/scale/collect.ts";
import { firstDay } from "../../sim/scale/org.ts";
import { BUCKET_SECONDS } from "../../sim/scale/prometheus.ts";
import { startScaleSim, type ScaleSim } from "../../sim/scale/server.ts";
import { DROP_FIRST_DEPLOYMENT_CHANGES, expectSameRows, incidentLinks } from "./same-rows.ts";

// Correctness at scale through GitLab and Prometheus, on a small organisation: the metrics computed
// from what the real collectors (gitbeaker over HTTP, our Prometheus client) read off the simulated
// GitLab, PagerDuty and Prometheus equal the metrics computed from the generator's ground truth (the
// same organisation, loaded directly with hourly latency buckets, as the simulator serves them).
//
// Honest exclusions, each on both sides:
// - A service's first production deployment has no earlier one to compare with. GitLab answers it
//   from GET /deployments/:id/merge_requests (one change per merge request, no commit times), the
//   truth has one change per commit: those changes are deleted from both warehouses before the
//   transforms. Everything after the first deployment is compared commit by commit.
// - Custom KPIs and cost per transaction (PromQL ratios and a cost series over daily steps) are not
//   served: the collected config has no kpis / cost_per_transaction, so those are not compared.
// - Changes no deployment shipped yet exist in the truth only (a collector sees changes through
//   deployments); no metric counts them.
// - Latency comparisons are per day, week and month; the generator's one two-hour bucket on the autumn
//   DST night is served as two hours (all requests in the first), which no period sum can tell apart.

const SEED = 11;
const LIMIT = 120;
const WINDOW = 2;
const DORA = ["deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore", "rework_rate", "oncall_load"] as const;

let sim: ScaleSim;
let collected: Warehouse;
let truth: Warehouse;
let run: OrgRun;

beforeAll(async () => {
  sim = await startScaleSim({
    repos: 2,
    months: 2,
    seed: SEED,
    forge: "gitlab",
    prometheus: true,
    // A budget of 120 requests per 2-second window (the collector must wait for the reset several
    // times), one failing deployments page, one PagerDuty 500 and one Prometheus 503: what the
    // collectors see at scale, on a small organisation.
    gitlabRateLimit: { limit: LIMIT, windowSeconds: WINDOW },
    gitlabFaults: [{ path: /\/deployments$/, status: 502, times: 1 }],
    pagerdutyFaults: [{ path: "/incidents", status: 500, times: 1 }],
    prometheusFaults: [{ query: /_bucket/, status: 500, errorType: "internal", error: "simulated internal error", times: 1 }],
  });
  collected = await Warehouse.open(":memory:");
  truth = await Warehouse.open(":memory:");
  run = await collectOrg(collected, sim.config, {
    since: new Date(`${firstDay(sim.org.demo)}T00:00:00Z`),
    sources: { gitlab: createGitlabSource({ retry: { baseDelayMs: 50 } }) },
  });
  await collected.run(DROP_FIRST_DEPLOYMENT_CHANGES);
  await runTransforms(collected, sim.config);

  await loadDemo(truth, sim.org.demo, { seed: SEED, bucketSeconds: BUCKET_SECONDS });
  await truth.run(DROP_FIRST_DEPLOYMENT_CHANGES);
  await runTransforms(truth, sim.org.demo);
}, 300_000);

afterAll(async () => {
  collected?.close();
  truth?.close();
  await sim?.close();
});

describe("scale simulator on GitLab and Prometheus: collected metrics equal the ground truth", () => {
  it("collects GitLab, PagerDuty and Prometheus without errors, through rate-limit waits and a failed page each", () => {
    expect(run.enabled).toEqual(["gitlab", "pagerduty", "prometheus"]);
    expect(run.gitlab.status, run.gitlab.error).toBe("success");
    expect(run.pagerduty.status, run.pagerduty.error).toBe("success");
    expect(run.prometheus.status, run.prometheus.error).toBe("success");
    expect(sim.gitlab.requests.filter((r) => r.status === 502)).toHaveLength(1);
    expect(sim.gitlab.requests.every((r) => r.authorized || r.status === 502)).toBe(true);
    expect(sim.pagerduty.requests.filter((r) => r.status === 500)).toHaveLength(1);
    expect(sim.prometheus!.requests.filter((r) => r.status === 500)).toHaveLength(1);
    expect(sim.github.requests).toHaveLength(0);
    // MRs, their commits and notes, environments, deployments, compares: many per project.
    expect(run.requests.gitlab).toBeGreaterThan(sim.org.counts.repos * 20);
  });

  it("keeps within GitLab's budget: waits for RateLimit-Reset when RateLimit-Remaining reaches 0, so GitLab never refuses", () => {
    const perWindow = new Map<number, number>();
    for (const r of sim.gitlab.requests) perWindow.set(Math.floor(r.time / 1000 / WINDOW), (perWindow.get(Math.floor(r.time / 1000 / WINDOW)) ?? 0) + 1);
    expect(sim.gitlab.requests.length).toBeGreaterThan(3 * LIMIT);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(LIMIT);
    expect(sim.gitlab.requests.filter((r) => r.status === 429)).toHaveLength(0);
  });

  it("pages GitLab lists with x-next-page (more than one page per project at this page size)", () => {
    const pages = sim.gitlab.requests.filter((r) => /\/merge_requests$/.test(r.path) && r.status === 200).map((r) => Number(r.query.page ?? 1));
    expect(Math.max(...pages)).toBeGreaterThan(1);
  });

  it("stores every deployment, production flag, status, rollback and rework flag of the truth", async () => {
    // the flags as the transforms derive them from the stored rows (the demo's truth marks its own)
    const q = `SELECT d.service, d.environment, d.is_production, d.status, coalesce(f.is_rollback, d.is_rollback) AS is_rollback,
                      coalesce(f.is_rework, d.is_rework) AS is_rework, d.started_at, d.finished_at
                 FROM core.deployments d LEFT JOIN intermediate.int_deployment_flags f USING (deployment_id) ORDER BY ALL`;
    const got = await collected.all(q);
    expect(got.length).toBe(sim.org.counts.deployments);
    expect(got).toEqual(await truth.all(q));
  });

  it("stores every shipped change with its times and merge request times", async () => {
    // Commits no deployment shipped yet are in the truth only: a collector sees changes through deployments.
    const q = `SELECT service, authored_at, committed_at, pr_first_commit_at, pr_opened_at, first_review_at, merged_at, pr_id IS NULL AS direct
                 FROM core.changes WHERE deployment_id IS NOT NULL ORDER BY ALL`;
    const want = await truth.all(q);
    expect(want.length).toBeGreaterThan(50);
    expect(await collected.all(q)).toEqual(want);
  });

  it("blames each incident on the same deployment the generator caused it with", async () => {
    const names = new Map<string, string>();
    for (const [demoId, id] of sim.org.deploymentIds) names.set(`gitlab:deployment:acme/${demoId.split(":")[2]}:${id}`, demoId);
    const got = (await incidentLinks(collected)).map((l) => ({ ...l, caused_by_deployment_id: l.caused_by_deployment_id && (names.get(l.caused_by_deployment_id) ?? l.caused_by_deployment_id) }));
    const want = await incidentLinks(truth);
    expect(want.filter((l) => l.caused_by_deployment_id).length).toBeGreaterThan(3);
    expect(got).toEqual(want);
  });

  it.each(DORA)("metrics.%s is the same for every grain, period and service", async (table) => {
    const q = `SELECT * FROM metrics.${table} ORDER BY grain, period_start, service`;
    const got = await collected.all<Record<string, unknown>>(q);
    const want = await truth.all<Record<string, unknown>>(q);
    expect(want.length).toBeGreaterThan(100);
    expectSameRows(table, got, want);
  });

  it.each([
    ["latency_p99", 50],
    ["slo", 50],
    ["latency_windows", 5],
    ["availability", 50],
    ["availability_windows", 2],
    ["availability_burn_episodes", 1],
    ["pipeline_time", 50],
  ] as const)("metrics.%s is the same for every grain, period, service and route", async (table, atLeast) => {
    const q = `SELECT * FROM metrics.${table} ORDER BY ALL`;
    const got = await collected.all<Record<string, unknown>>(q);
    const want = await truth.all<Record<string, unknown>>(q);
    expect(want.length).toBeGreaterThanOrEqual(atLeast);
    expectSameRows(table, got, want);
  });

  it("metrics.pdp_comparison agrees on every metric but the KPIs and cost (not served)", async () => {
    // q_value is adjusted across every measured row of its table (Benjamini–Hochberg), and the truth
    // measures rows these simulators do not serve, so it is compared through the verdict only.
    const q = `SELECT * EXCLUDE (q_value) FROM metrics.pdp_comparison
                WHERE metric NOT LIKE 'kpi:%' AND metric <> 'cost_per_transaction'
                ORDER BY metric, service`;
    const got = await collected.all<Record<string, unknown>>(q);
    const want = await truth.all<Record<string, unknown>>(q);
    expect(want.length).toBeGreaterThanOrEqual(10);
    expectSameRows("pdp_comparison", got, want);
  });
});
