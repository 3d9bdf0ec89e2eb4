import { describe, expect, it } from "vitest";
import kpiValues from "../../../transforms/comparison/kpi_values.ts";
import type { Config } from "../../../schemas/config.ts";
import { deployment, materialize, testConfig, withTransformWarehouse } from "../transforms/helpers.ts";

const kpiConfig = (kpis: unknown[]): Config => testConfig({ kpis });
const DEPLOYS_PER_DAY = "SELECT date_trunc('day', finished_at) AS period_start, count(*) AS value, service FROM core.deployments GROUP BY ALL";

async function build(config: Config, setup: (w: Parameters<Parameters<typeof withTransformWarehouse>[1]>[0]) => Promise<void> = async () => {}) {
  return withTransformWarehouse(config, async (w) => {
    await setup(w);
    await materialize(w, "intermediate.int_plan_windows");
    await kpiValues.run(w, { config });
    return w.all<Record<string, unknown>>("SELECT kpi, service, kind, day::VARCHAR AS day, value, window_name FROM metrics.kpi_values ORDER BY kpi, service, day");
  });
}

describe("custom KPIs (metrics.kpi_values)", () => {
  it("runs a SQL KPI over the warehouse: a TIMESTAMPTZ period is read as a local day", async () => {
    const rows = await build(kpiConfig([{ name: "deploys", sql: DEPLOYS_PER_DAY, direction: "higher" }]), async (w) => {
      await w.upsert("core.deployments", [
        // 23:30Z on 01-12 is 00:30 on 01-13 in Berlin: the Berlin day counts
        deployment("api", "2026-01-12T23:30:00Z", { deployment_id: "a" }),
        deployment("api", "2026-01-13T10:00:00Z", { deployment_id: "b" }),
        deployment("web", "2026-11-03T10:00:00Z", { deployment_id: "c" }),
      ]);
    });
    expect(rows).toEqual([
      { kpi: "deploys", service: "api", kind: "sql", day: "2026-01-13", value: 2, window_name: "baseline" },
      { kpi: "deploys", service: "web", kind: "sql", day: "2026-11-03", value: 1, window_name: "final" },
    ]);
  });

  it("reads a PromQL KPI's collected samples from core.kpi_samples", async () => {
    const config = kpiConfig([{ name: "queue", promql: "sum(queue_depth)", direction: "lower", unit: "jobs" }]);
    const rows = await build(config, async (w) => {
      await w.upsert("core.kpi_samples", [
        { name: "queue", service: "*", bucket_start: new Date("2026-01-04T23:00:00Z"), bucket_seconds: 86400, value: 12, source: "prometheus" }, // Berlin 2026-01-05
        { name: "other", service: "*", bucket_start: new Date("2026-01-04T23:00:00Z"), bucket_seconds: 86400, value: 99, source: "prometheus" }, // not configured
      ]);
    });
    expect(rows).toEqual([{ kpi: "queue", service: "*", kind: "promql", day: "2026-01-05", value: 12, window_name: "baseline" }]);
  });

  it.each([
    ["a typo", "SELECT period_start, value FROM core.deploymentz", /^kpis\[1\] \(broken\)\.sql: the query does not run: .*deploymentz/],
    ["a second statement", "SELECT now() AS period_start, 1 AS value; DELETE FROM core.deployments", /^kpis\[1\] \(broken\)\.sql: the query does not run/],
    ["a write", "DELETE FROM core.deployments", /^kpis\[1\] \(broken\)\.sql: the query does not run/],
    ["missing columns", "SELECT 1 AS x, 2 AS y", /^kpis\[1\] \(broken\)\.sql: the query must return columns period_start and value .*returns: x, y/],
    ["a text value", "SELECT DATE '2026-01-05' AS period_start, 'high' AS value", /^kpis\[1\] \(broken\)\.sql: value must be a number, got VARCHAR/],
    ["a failure while running", "SELECT DATE '2026-01-05' AS period_start, 'x'::INTEGER AS value", /^kpis\[1\] \(broken\)\.sql: the query (failed|does not run): .*Could not convert/],
  ])("names the KPI when its SQL is bad: %s", async (_what, sql, message) => {
    // the config check is bypassed on purpose (it refuses some of these at load time already)
    const config = kpiConfig([{ name: "ok", sql: DEPLOYS_PER_DAY, direction: "higher" }]);
    config.kpis.push({ ...config.kpis[0]!, name: "broken", sql });
    await withTransformWarehouse(config, async (w) => {
      await w.upsert("core.deployments", [deployment("api", "2026-01-12T10:00:00Z", { deployment_id: "a" })]);
      await materialize(w, "intermediate.int_plan_windows");
      await expect(kpiValues.run(w, { config })).rejects.toThrow(message);
      // nothing was changed by the bad query
      expect((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.deployments"))!.n).toBe(1);
    });
  });

  it("builds kpi_periods: median, mean and p90 per week", async () => {
    const config = kpiConfig([{ name: "queue", promql: "sum(queue_depth)", direction: "lower", unit: "jobs" }]);
    await withTransformWarehouse(config, async (w) => {
      // Berlin days 2026-01-05 … 01-07 (one week): values 10, 20, 60
      await w.upsert(
        "core.kpi_samples",
        [10, 20, 60].map((value, i) => ({ name: "queue", service: "*", bucket_start: new Date(Date.UTC(2026, 0, 4 + i, 23)), bucket_seconds: 86400, value, source: "t" })),
      );
      await materialize(w, "intermediate.int_plan_windows");
      await kpiValues.run(w, { config });
      await materialize(w, "metrics.kpi_periods");
      // median 20, mean 30, p90: h = 2 × 0.9 = 1.8 → 20 + 0.8 × 40 = 52
      expect(await w.all("SELECT kpi, label, unit, direction, observations, median_value, mean_value, p90_value FROM metrics.kpi_periods WHERE grain = 'week'")).toEqual([
        { kpi: "queue", label: "queue", unit: "jobs", direction: "lower", observations: 3, median_value: 20, mean_value: 30, p90_value: expect.closeTo(52, 9) },
      ]);
    });
  });
});
