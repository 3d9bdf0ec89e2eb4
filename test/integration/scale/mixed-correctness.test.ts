import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "../../../collectors/demo/index.ts";
import { createGitlabSource } from "../../../collectors/gitlab/index.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { Warehouse } from "../../../warehouse/warehouse.ts";
import { collectOrg, type OrgRun } from "../../sim/scale/collect.ts";
import { firstDay } from "../../sim/scale/org.ts";
import { startScaleSim, type ScaleSim } from "../../sim/scale/server.ts";
import { DROP_FIRST_DEPLOYMENT_CHANGES, expectSameRows } from "./same-rows.ts";

// `npm run sim -- --forge mixed`: some repositories on GitHub, the others on GitLab, one PagerDuty.
// Collected through both forges' real collectors, the organisation's DORA metrics equal the truth's
// (exclusions as in gitlab-prometheus-correctness.test.ts: the first deployment's changes, and
// changes no deployment shipped).

const SEED = 13;
const DORA = ["deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore", "rework_rate"] as const;

let sim: ScaleSim;
let collected: Warehouse;
let truth: Warehouse;
let run: OrgRun;

beforeAll(async () => {
  sim = await startScaleSim({ repos: 2, months: 2, seed: SEED, forge: "mixed" });
  collected = await Warehouse.open(":memory:");
  truth = await Warehouse.open(":memory:");
  run = await collectOrg(collected, sim.config, { since: new Date(`${firstDay(sim.org.demo)}T00:00:00Z`), sources: { gitlab: createGitlabSource({ retry: { baseDelayMs: 50 } }) } });
  await collected.run(DROP_FIRST_DEPLOYMENT_CHANGES);
  await runTransforms(collected, sim.config);
  await loadDemo(truth, sim.org.demo, { seed: SEED });
  await truth.run(DROP_FIRST_DEPLOYMENT_CHANGES);
  await runTransforms(truth, sim.org.demo);
}, 120_000);

afterAll(async () => {
  collected?.close();
  truth?.close();
  await sim?.close();
});

describe("scale simulator, repositories on GitHub and GitLab: collected metrics equal the ground truth", () => {
  it("collects payments-api from GitHub and checkout-web from GitLab", async () => {
    expect(run.enabled).toEqual(["github", "gitlab", "pagerduty"]);
    for (const r of [run.github, run.gitlab, run.pagerduty]) expect(r.status, r.error).toBe("success");
    expect(await collected.all("SELECT service, source, count(*)::INT AS n FROM core.deployments GROUP BY ALL ORDER BY ALL")).toEqual(
      (await truth.all<{ service: string; n: number }>("SELECT service, count(*)::INT AS n FROM core.deployments GROUP BY ALL ORDER BY ALL")).map((r) => ({
        service: r.service,
        source: r.service === "payments-api" ? "github" : "gitlab",
        n: r.n,
      })),
    );
  });

  it("blames each incident on the same deployment the generator caused it with, on either forge", async () => {
    const names = new Map<string, string>();
    for (const [demoId, id] of sim.org.deploymentIds) {
      const service = demoId.split(":")[2]!;
      names.set(`${sim.org.forgeOf.get(service)}:deployment:acme/${service}:${id}`, demoId);
    }
    const links = (w: Warehouse) =>
      w.all<{ created_at: Date; service: string; caused_by_deployment_id: string | null }>(
        `SELECT i.created_at, l.service, l.caused_by_deployment_id FROM metrics.incident_links l JOIN core.incidents i USING (incident_id) ORDER BY i.created_at, l.service`,
      );
    const got = (await links(collected)).map((l) => ({ ...l, caused_by_deployment_id: l.caused_by_deployment_id && (names.get(l.caused_by_deployment_id) ?? l.caused_by_deployment_id) }));
    const want = await links(truth);
    expect(new Set(want.filter((l) => l.caused_by_deployment_id).map((l) => l.service))).toEqual(new Set(["payments-api", "checkout-web"]));
    expect(got).toEqual(want);
  });

  it.each(DORA)("metrics.%s is the same for every grain, period and service", async (table) => {
    const q = `SELECT * FROM metrics.${table} ORDER BY grain, period_start, service`;
    const want = await truth.all<Record<string, unknown>>(q);
    expect(want.length).toBeGreaterThan(100);
    expectSameRows(table, await collected.all<Record<string, unknown>>(q), want);
  });
});
