import { describe, expect, it } from "vitest";
import { demoConfig, generateDemo, loadDemo } from "../../../collectors/demo/index.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";

describe("the demo organisation carries the plan's KPIs", () => {
  it("generates request counts that fail during high-urgency incidents, and daily cost and CI samples", () => {
    const config = demoConfig({ services: 2, months: 6 });
    const rows = generateDemo(config, { seed: 7 });
    const counts = rows["core.request_counts"];
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((r) => r.good >= 0 && r.good <= r.total && [3600, 7200].includes(r.bucket_seconds))).toBe(true);
    // every hour that overlaps a high-urgency incident of its service has failed requests
    const incident = rows["core.incidents"].find((i) => i.urgency === "high" && i.resolved_at && i.service === counts[0]!.service)!;
    const during = counts.filter(
      (r) => r.service === incident.service && r.bucket_start.getTime() < incident.resolved_at!.getTime() && r.bucket_start.getTime() + r.bucket_seconds * 1000 > incident.created_at.getTime(),
    );
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((r) => r.good < r.total)).toBe(true);
    const names = new Set(rows["core.kpi_samples"].map((r) => r.name));
    expect([...names].sort()).toEqual(["cost:amount", "cost:transactions", "flaky_test_share"]);
    // cost:transactions of a day = the day's requests of every service
    const first = rows["core.kpi_samples"].find((r) => r.name === "cost:transactions")!;
    const end = first.bucket_start.getTime() + first.bucket_seconds * 1000;
    const sum = counts.filter((r) => r.bucket_start >= first.bucket_start && r.bucket_start.getTime() < end).reduce((a, r) => a + r.total, 0);
    expect(first.value).toBe(sum);
  });

  it("yields comparison rows with targets for availability, pipeline time, cost and both custom KPIs", async () => {
    const config = demoConfig(); // the default demo, as `dora demo` builds it
    await withMemoryWarehouse(async (w) => {
      await loadDemo(w, config);
      await runTransforms(w, config);
      const rows = await w.all<{ metric: string; verdict: string; target_met: boolean | null; target: number | null }>(
        `SELECT metric, verdict, target_met, target FROM metrics.pdp_comparison
         WHERE service = '*' AND metric IN ('availability', 'pipeline_time', 'pipeline_time_p90', 'cost_per_transaction', 'kpi:flaky_test_share', 'kpi:merged_prs_per_day', 'change_failure_rate')
         ORDER BY metric`,
      );
      expect(rows.map((r) => r.metric)).toEqual([
        "availability",
        "change_failure_rate",
        "cost_per_transaction",
        "kpi:flaky_test_share",
        "kpi:merged_prs_per_day",
        "pipeline_time",
        "pipeline_time_p90",
      ]);
      // the story: every one of these improves over the plan, and the plan's targets are met
      expect(rows.filter((r) => r.verdict !== "improved")).toEqual([]);
      expect(rows.filter((r) => r.target !== null).map((r) => [r.metric, r.target_met])).toEqual([
        ["availability", true],
        ["change_failure_rate", true],
        ["cost_per_transaction", true],
        ["kpi:flaky_test_share", true],
        ["pipeline_time", true],
      ]);
      // burn-rate episodes exist for the timeline, each inside the data and ending after it started
      const bad = await w.one<{ n: number; total: number }>(
        "SELECT count(*) FILTER (WHERE ended_at <= started_at)::INTEGER AS n, count(*)::INTEGER AS total FROM metrics.availability_burn_episodes",
      );
      expect(bad!.n).toBe(0);
      expect(bad!.total).toBeGreaterThan(10);
    });
  });
});
