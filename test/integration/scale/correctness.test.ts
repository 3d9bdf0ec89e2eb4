import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "../../../collectors/demo/index.ts";
import { addMonths } from "../../../schemas/config.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { Warehouse } from "../../../warehouse/warehouse.ts";
import { startScaleSim, type ScaleSim } from "../../sim/scale/server.ts";
import { collectOrg, type OrgRun } from "../../sim/scale/collect.ts";
import { createGithubSource } from "../../../collectors/github/index.ts";
import { DROP_FIRST_DEPLOYMENT_CHANGES, expectSameRows, incidentLinks } from "./same-rows.ts";

// Correctness at scale, on a small organisation: the metrics computed from what the real collectors
// read off the simulated GitHub and PagerDuty equal the metrics computed from the generator's ground
// truth (the same organisation, loaded directly).

const SEED = 7;
const DORA = ["deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore", "rework_rate", "oncall_load"] as const;

let sim: ScaleSim;
let collected: Warehouse;
let truth: Warehouse;
let run: OrgRun;
let rerun: OrgRun;

beforeAll(async () => {
  sim = await startScaleSim({
    repos: 2,
    months: 2,
    seed: SEED,
    // A tight hourly budget (the collector must wait for the reset once) and one failing page per API:
    // what the collectors see at scale, on a small organisation.
    githubRateLimit: { limit: 6, windowSeconds: 3 },
    githubFaults: [{ path: /\/deployments$/, status: 502, times: 1 }],
    pagerdutyFaults: [{ path: "/incidents", status: 500, times: 1 }],
  });
  collected = await Warehouse.open(":memory:");
  truth = await Warehouse.open(":memory:");
  // One repository per read of stored rows: attribution crosses a chunk boundary (the other scale
  // tests read both repositories in one chunk).
  const sources = { github: createGithubSource({ storedReadsChunk: 1 }) };
  // Backfill from the first day of the generated history (two months before the plan).
  run = await collectOrg(collected, sim.config, { since: new Date(`${addMonths(sim.org.demo.plan.start, -3)}T00:00:00Z`), sources });
  // A second run (nothing new): attribution and re-flagging read the stored rows back, one repository
  // per chunk; every comparison below is made after it.
  rerun = await collectOrg(collected, sim.config, { sources });
  await runTransforms(collected, sim.config);

  await loadDemo(truth, sim.org.demo, { seed: SEED });
  // The one legitimate difference: a service's first production deployment has no earlier one to
  // compare with, so GitHub cannot say which commits it shipped (collectors/github/commits.ts leaves
  // them unattributed). Those changes are dropped from the truth too; nothing else is.
  await truth.run(DROP_FIRST_DEPLOYMENT_CHANGES);
  await runTransforms(truth, sim.org.demo);
}, 120_000);

afterAll(async () => {
  collected?.close();
  truth?.close();
  await sim?.close();
});

describe("scale simulator: collected metrics equal the ground truth", () => {
  it("collects both sources without errors, reading every page, through a rate-limit wait and a failed page each", () => {
    expect(run.github.status, run.github.error).toBe("success");
    expect(run.pagerduty.status, run.pagerduty.error).toBe("success");
    expect(sim.github.requests.filter((r) => r.status === 502)).toHaveLength(1);
    expect(sim.github.requests.filter((r) => r.status === 403).length).toBeGreaterThan(0);
    expect(sim.pagerduty.requests.filter((r) => r.status === 500)).toHaveLength(1);
    expect(run.requests.github).toBeGreaterThan(sim.org.counts.repos * 3);
    expect(run.requests.pagerduty).toBeGreaterThan(0);
    expect(rerun.github.status, rerun.github.error).toBe("success");
    expect(rerun.pagerduty.status, rerun.pagerduty.error).toBe("success");
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

  it("stores every incident with its times and urgency", async () => {
    const q = "SELECT service, urgency, created_at, acknowledged_at, resolved_at, status FROM core.incidents ORDER BY ALL";
    expect(await collected.all(q)).toEqual(await truth.all(q));
  });

  it("blames each incident on the same deployment the generator caused it with", async () => {
    const names = new Map<string, string>();
    for (const [demoId, ghId] of sim.org.deploymentIds) names.set(`github:deployment:acme/${demoId.split(":")[2]}:${ghId}`, demoId);
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

  it("metrics.pdp_comparison agrees on the DORA metrics", async () => {
    // The truth warehouse also holds latency, availability and KPI rows (from the generator's other
    // tables, not served by these simulators); only the metrics both sides can compute are compared.
    // q_value is adjusted across every measured row of its table (Benjamini–Hochberg), and the truth
    // measures rows these simulators do not serve, so it is compared through the verdict only.
    const q = `SELECT * EXCLUDE (q_value) FROM metrics.pdp_comparison
                WHERE metric IN ('deployment_frequency', 'lead_time', 'change_failure_rate', 'time_to_restore', 'rework_rate')
                ORDER BY metric, service`;
    const got = await collected.all<Record<string, unknown>>(q);
    const want = await truth.all<Record<string, unknown>>(q);
    expect(want.length).toBeGreaterThanOrEqual(10);
    expectSameRows("pdp_comparison", got, want);
  });
});
