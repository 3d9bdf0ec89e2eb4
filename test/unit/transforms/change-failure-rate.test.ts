import { describe, expect, it } from "vitest";
import { deployment, incident, materialize, testConfig, withTransformWarehouse } from "./helpers.ts";

// Week of Monday 2026-02-02, service api (times UTC; all inside the same Berlin week).
const DEPLOYMENTS = [
  deployment("api", "2026-02-02T10:00:00Z", { deployment_id: "d1" }), // two incidents → failed once
  deployment("api", "2026-02-03T10:00:00Z", { deployment_id: "d2" }), // rolled back by d3 → failed
  deployment("api", "2026-02-03T11:00:00Z", { deployment_id: "d3", is_rollback: true }), // hot-fixed by d4 22 h later → failed
  deployment("api", "2026-02-04T09:00:00Z", { deployment_id: "d4", is_rework: true }),
  deployment("api", "2026-02-05T10:00:00Z", { deployment_id: "d5" }),
  deployment("api", "2026-02-05T12:00:00Z", { deployment_id: "d6", status: "failure" }), // never shipped: not a deployment
];
const INCIDENTS = [
  incident("i1", "api", "2026-02-02T12:00:00Z", { caused_by_deployment_id: "d1", link_kind: "explicit", urgency: "high" }),
  incident("i2", "api", "2026-02-02T13:00:00Z", { caused_by_deployment_id: "d1", link_kind: "explicit", urgency: "high" }),
];

describe("metrics.deployment_items and metrics.change_failure_rate", () => {
  it("counts failed deployments, not incidents: incident, rollback and hotfix each fail their deployment once", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", DEPLOYMENTS);
      await w.upsert("core.incidents", INCIDENTS);
      await materialize(w, "metrics.change_failure_rate");
      await materialize(w, "metrics.deployment_items");
      const items = await w.all("SELECT deployment_id, is_failed, failed_reason, is_rework FROM metrics.deployment_items ORDER BY deployment_id");
      expect(items).toEqual([
        { deployment_id: "d1", is_failed: true, failed_reason: "incident", is_rework: false },
        { deployment_id: "d2", is_failed: true, failed_reason: "rollback", is_rework: false },
        { deployment_id: "d3", is_failed: true, failed_reason: "rework", is_rework: false },
        { deployment_id: "d4", is_failed: false, failed_reason: null, is_rework: true },
        { deployment_id: "d5", is_failed: false, failed_reason: null, is_rework: false },
      ]);
      // 3 failed of 5 → 0.6; Wilson 95 %: centre (0.6 + 0.38415)/1.76829 = 0.55655 ± 0.32583 → 0.23072 … 0.88238
      const week = await w.one<Record<string, number>>(
        "SELECT deployments, failed_deployments, rate, ci_low, ci_high FROM metrics.change_failure_rate WHERE grain = 'week' AND period_start = '2026-02-02' AND service = 'api'",
      );
      expect(week).toMatchObject({ deployments: 5, failed_deployments: 3, rate: 0.6 });
      expect(week!.ci_low).toBeCloseTo(0.230724, 5);
      expect(week!.ci_high).toBeCloseTo(0.882379, 5);
      // rework rate: 1 rework deployment (d4) of 5
      const rework = await (async () => {
        await materialize(w, "metrics.rework_rate");
        return w.one("SELECT deployments, rework_deployments, rate FROM metrics.rework_rate WHERE grain = 'week' AND period_start = '2026-02-02' AND service = '*'");
      })();
      expect(rework).toEqual({ deployments: 5, rework_deployments: 1, rate: 0.2 });
    });
  });

  it("reports a period without deployments as 0 deployments and no rate (no division by zero)", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", DEPLOYMENTS);
      await materialize(w, "metrics.change_failure_rate");
      const empty = await w.one("SELECT deployments, failed_deployments, rate, ci_low, ci_high FROM metrics.change_failure_rate WHERE grain = 'week' AND period_start = '2026-02-09' AND service = 'api'");
      expect(empty).toEqual({ deployments: 0, failed_deployments: 0, rate: null, ci_low: null, ci_high: null });
    });
  });

  it("does not call a hotfix more than incident_window_hours later a failure of the deployment before it", async () => {
    await withTransformWarehouse(testConfig({ failures: { incident_window_hours: 12 } }), async (w) => {
      // d3 → d4 is 22 h: outside a 12 h window
      await w.upsert("core.deployments", DEPLOYMENTS);
      await materialize(w, "metrics.deployment_items");
      expect(await w.one("SELECT is_failed, failed_reason FROM metrics.deployment_items WHERE deployment_id = 'd3'")).toEqual({ is_failed: false, failed_reason: null });
    });
  });

  it("counts only the configured urgencies as failures", async () => {
    await withTransformWarehouse(testConfig({ failures: { urgencies: ["high"] } }), async (w) => {
      await w.upsert("core.deployments", DEPLOYMENTS);
      await w.upsert("core.incidents", [incident("i3", "api", "2026-02-05T11:00:00Z", { caused_by_deployment_id: "d5", link_kind: "explicit", urgency: "low" }), ...INCIDENTS]);
      await materialize(w, "metrics.deployment_items");
      const rows = await w.all("SELECT deployment_id, is_failed FROM metrics.deployment_items WHERE deployment_id IN ('d1', 'd5') ORDER BY 1");
      expect(rows).toEqual([
        { deployment_id: "d1", is_failed: true },
        { deployment_id: "d5", is_failed: false },
      ]);
    });
  });
});
