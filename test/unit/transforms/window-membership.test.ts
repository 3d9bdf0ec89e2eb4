import { describe, expect, it } from "vitest";
import { deployment, materialize, testConfig, withTransformWarehouse } from "./helpers.ts";

// Windows are read through intermediate.int_window_days, each window on its own. The config refuses
// overlapping windows; they are written straight into seeds.plan_windows here to test the relation
// itself: a day in two windows counts in both, where a CASE would give it to the first one listed.
describe("window membership (intermediate.int_window_days)", () => {
  it("puts a day shared by two windows in both, and the comparison counts its items in each", async () => {
    await withTransformWarehouse(testConfig({ report: { min_sample: 1, as_of: "2027-01-31" } }), async (w) => {
      await w.upsert("core.deployments", [
        deployment("api", "2026-01-10T10:00:00Z"), // baseline only
        deployment("api", "2026-03-05T10:00:00Z"), // both
        deployment("api", "2026-03-06T10:00:00Z"), // both
        deployment("api", "2026-04-20T10:00:00Z"), // final only
        deployment("api", "2026-06-01T10:00:00Z"), // neither
      ]);
      await w.run("DELETE FROM seeds.plan_windows WHERE window_name IN ('baseline', 'final')");
      await w.append("seeds.plan_windows", [
        { window_name: "baseline", from_date: "2026-01-01", to_date: "2026-03-15" },
        { window_name: "final", from_date: "2026-03-01", to_date: "2026-04-30" },
      ]);
      await materialize(w, "intermediate.int_window_days");
      const days = await w.all<{ window_name: string; n: number; first: string; last: string }>(
        "SELECT window_name, count(*)::INTEGER AS n, min(local_date)::VARCHAR AS first, max(local_date)::VARCHAR AS last FROM intermediate.int_window_days GROUP BY ALL ORDER BY 1",
      );
      // 31 + 28 + 15 = 74 days; 31 + 30 = 61 days; 1–15 March in both
      expect(days).toEqual([
        { window_name: "baseline", n: 74, first: "2026-01-01", last: "2026-03-15" },
        { window_name: "final", n: 61, first: "2026-03-01", last: "2026-04-30" },
      ]);
      const shared = await w.one<{ n: number }>(
        "SELECT count(*)::INTEGER AS n FROM intermediate.int_window_days b JOIN intermediate.int_window_days f ON b.local_date = f.local_date AND b.window_name = 'baseline' AND f.window_name = 'final'",
      );
      expect(shared!.n).toBe(15);

      await materialize(w, "metrics.pdp_comparison");
      const r = await w.one<{ n_baseline: number; n_final: number }>(
        "SELECT n_baseline::INTEGER AS n_baseline, n_final::INTEGER AS n_final FROM metrics.pdp_comparison WHERE metric = 'change_failure_rate' AND service = '*'",
      );
      // 10 Jan, 5 and 6 Mar → 3; 5 and 6 Mar, 20 Apr → 3 (a CASE would have given 3 → 1)
      expect(r).toEqual({ n_baseline: 3, n_final: 3 });
    });
  });
});
