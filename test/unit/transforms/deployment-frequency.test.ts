import { describe, expect, it } from "vitest";
import { deployment, materialize, testConfig, withTransformWarehouse } from "./helpers.ts";

interface FreqRow {
  grain: string;
  period_start: string;
  service: string;
  deployments: number;
  deploy_days: number;
  failed_deployments: number;
}

const select = (where: string) =>
  `SELECT grain, period_start::VARCHAR AS period_start, service, deployments, deploy_days, failed_deployments
   FROM metrics.deployment_frequency WHERE ${where} ORDER BY grain, period_start, service`;

describe("metrics.deployment_frequency", () => {
  it("puts Sunday 23:30 Berlin in that week and Monday 00:30 Berlin in the next (UTC would not)", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", [
        // Sunday 2026-01-11 23:30 CET = 22:30 UTC → week of Monday 2026-01-05
        deployment("api", "2026-01-11T22:30:00Z"),
        // Monday 2026-01-12 00:30 CET = Sunday 23:30 UTC → week of Monday 2026-01-12
        deployment("api", "2026-01-11T23:30:00Z"),
      ]);
      await materialize(w, "metrics.deployment_frequency");
      const rows = await w.all<FreqRow>(select("grain = 'week' AND service = 'api' AND period_start BETWEEN '2026-01-05' AND '2026-01-12'"));
      expect(rows.map((r) => [r.period_start, r.deployments])).toEqual([
        ["2026-01-05", 1],
        ["2026-01-12", 1],
      ]);
      const days = await w.all<FreqRow>(select("grain = 'day' AND service = 'api' AND deployments > 0"));
      expect(days.map((r) => r.period_start)).toEqual(["2026-01-11", "2026-01-12"]);
    });
  });

  it("follows the DST change: the week of 2026-03-29 (CET → CEST) ends at 22:00 UTC, not 23:00", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", [
        // Sunday 2026-03-29 01:30 CET (before the switch at 02:00) = 00:30 UTC → day 03-29
        deployment("api", "2026-03-29T00:30:00Z"),
        // Sunday 2026-03-29 23:30 CEST = 21:30 UTC → still week 03-23
        deployment("api", "2026-03-29T21:30:00Z"),
        // Monday 2026-03-30 00:30 CEST = Sunday 22:30 UTC → week 03-30 (a fixed +01:00 would say Sunday 23:30)
        deployment("api", "2026-03-29T22:30:00Z"),
      ]);
      await materialize(w, "metrics.deployment_frequency");
      const weeks = await w.all<FreqRow>(select("grain = 'week' AND service = 'api' AND period_start IN ('2026-03-23', '2026-03-30')"));
      // week 03-23: two deployments on one local day (Sunday) → deploy_days 1
      expect(weeks.map((r) => [r.period_start, r.deployments, r.deploy_days])).toEqual([
        ["2026-03-23", 2, 1],
        ["2026-03-30", 1, 1],
      ]);
    });
  });

  it("counts only successful production deployments, per service and for '*', with empty periods as 0", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", [
        deployment("api", "2026-02-02T10:00:00Z"), // Monday
        deployment("api", "2026-02-04T10:00:00Z"), // Wednesday
        deployment("web", "2026-02-04T12:00:00Z"), // Wednesday, other service
        deployment("api", "2026-02-05T10:00:00Z", { status: "failure" }), // a job failing before it ships
        deployment("api", "2026-02-05T11:00:00Z", { environment: "staging", is_production: false }),
        deployment("api", "2026-02-06T10:00:00Z", { status: "running", finished_at: null }),
      ]);
      await materialize(w, "metrics.deployment_frequency");
      const rows = await w.all<FreqRow>(select("grain = 'week' AND period_start IN ('2026-02-02', '2026-02-09')"));
      expect(rows.map((r) => [r.period_start, r.service, r.deployments, r.deploy_days])).toEqual([
        // '*' week 02-02: 3 deployments on 2 distinct days (Mon, Wed)
        ["2026-02-02", "*", 3, 2],
        ["2026-02-02", "api", 2, 2],
        ["2026-02-02", "web", 1, 1],
        // the following week has no deployments: rows with 0, not missing
        ["2026-02-09", "*", 0, 0],
        ["2026-02-09", "api", 0, 0],
        ["2026-02-09", "web", 0, 0],
      ]);
      // month grain: 31 Jan 23:30 UTC would be 1 Feb in Berlin; here all three are in February
      const month = await w.all<FreqRow>(select("grain = 'month' AND service = '*' AND period_start = '2026-02-01'"));
      expect(month[0]).toMatchObject({ deployments: 3, deploy_days: 2 });
    });
  });

  it("covers the whole plan at every grain even without data", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await materialize(w, "metrics.deployment_frequency");
      const counts = await w.all<{ grain: string; n: number }>(
        "SELECT grain, count(*)::INTEGER AS n FROM metrics.deployment_frequency WHERE service = '*' GROUP BY grain ORDER BY grain",
      );
      // 2026 has 365 days, 12 months, and Mondays from 2025-12-29 to 2026-12-28: 53 weeks
      expect(counts).toEqual([
        { grain: "day", n: 365 },
        { grain: "month", n: 12 },
        { grain: "week", n: 53 },
      ]);
    });
  });
});
