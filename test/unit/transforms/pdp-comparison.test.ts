import { describe, expect, it } from "vitest";
import { sentence } from "../../../reports/format.ts";
import type { ComparisonRow } from "../../../schemas/metrics.ts";
import comparison from "../../../transforms/comparison/pdp_comparison.ts";
import { runTransforms } from "../../../transforms/run.ts";
import type { Row, Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { deployment, testConfig } from "./helpers.ts";

// Plan 2026: baseline = Jan–Feb, final = Nov–Dec (the defaults). min_sample 3 keeps the data small.
const config = testConfig({ report: { min_sample: 3, tier_year: 2024 } });

/** One deployment per lead time, each shipping one commit made `hours` before it. */
function shipped(prefix: string, day: string, leadHours: number[]): { deployments: Row[]; changes: Row[] } {
  const deployments: Row[] = [];
  const changes: Row[] = [];
  leadHours.forEach((hours, i) => {
    const finished = new Date(`${day}T12:00:00Z`);
    finished.setUTCDate(finished.getUTCDate() + i);
    const id = `${prefix}${i}`;
    deployments.push(deployment("api", finished.toISOString(), { deployment_id: id }));
    changes.push({ change_id: `c-${id}`, source: "demo", service: "api", deployment_id: id, committed_at: new Date(finished.getTime() - hours * 3_600_000).toISOString() });
  });
  return { deployments, changes };
}

async function load(w: Warehouse, ...parts: { deployments: Row[]; changes: Row[] }[]) {
  await w.upsert("core.deployments", parts.flatMap((p) => p.deployments));
  await w.upsert("core.changes", parts.flatMap((p) => p.changes));
}

/** The report's sentence for a stored row (the wording lives in reports/, the numbers here). */
const words = (r: Record<string, unknown>, minSample?: number) => sentence(r as unknown as ComparisonRow, undefined, minSample).replace(/\u00a0/g, " ");

const row = (w: Warehouse, metric: string, service = "*") =>
  w.one<Record<string, unknown>>("SELECT * FROM metrics.pdp_comparison WHERE metric = ? AND service = ?", [metric, service]);

describe("metrics.pdp_comparison", () => {
  it("reports a clear drop in median lead time with its interval, test, tiers and sentence", async () => {
    await withMemoryWarehouse(async (w) => {
      // baseline lead times 48 50 52 60 70 h (median 52), final 2 3 4 5 6 h (median 4)
      await load(w, shipped("b", "2026-01-12", [48, 50, 52, 60, 70]), shipped("f", "2026-11-09", [2, 3, 4, 5, 6]));
      await runTransforms(w, config);
      const r = await row(w, "lead_time");
      // change 4/52 − 1 = −92.3 %; the samples do not overlap: U = 0, z = (12.5 − 0.5)/√22.917 = 2.5067, p = 0.012186 (scipy)
      expect(r).toMatchObject({ unit: "hours", direction: "lower", baseline_value: 52, final_value: 4, better: true, n_baseline: 5, n_final: 5, interval_of: "change_pct", verdict: "improved", tier_year: 2024 });
      expect(r!.change_pct).toBeCloseTo(-92.3077, 3);
      expect(r!.p_value).toBeCloseTo(0.012186, 5);
      // resampled medians stay within 48…70 and 2…6: the change lies within 2/70 − 1 … 6/48 − 1 = −97 % … −87.5 %
      expect(r!.ci_low as number).toBeGreaterThanOrEqual(-97.2);
      expect(r!.ci_high as number).toBeLessThanOrEqual(-87.5);
      // 2024 tiers: 52 h ≤ one week → high; 4 h < one day → elite
      expect(r).toMatchObject({ tier_baseline: "high", tier_final: "elite" });
      expect(words(r!)).toMatch(/^Median lead time fell from 52 h to 4\.0 h, −92 % \(95 % CI −9\d % to −(8|9)\d %\)\.$/);
    });
  });

  it("is deterministic: the same data gives the same bootstrap interval on every run", async () => {
    const once = () =>
      withMemoryWarehouse(async (w) => {
        await load(w, shipped("b", "2026-01-12", [30, 41, 12, 55, 20, 33]), shipped("f", "2026-11-09", [25, 9, 14, 40, 11, 18, 22]));
        await runTransforms(w, config);
        return row(w, "lead_time");
      });
    const [a, b] = [await once(), await once()];
    expect(a!.ci_low).not.toBeNull();
    expect([b!.ci_low, b!.ci_high]).toEqual([a!.ci_low, a!.ci_high]);
  });

  it("says insufficient data, with no misleading numbers, for a window with zero deployments", async () => {
    await withMemoryWarehouse(async (w) => {
      await load(w, shipped("f", "2026-11-09", [2, 3, 4, 5, 6]));
      await runTransforms(w, config);
      const freq = await row(w, "deployment_frequency");
      // baseline: 0 deployments in 59 days; final: 5 in 61 days = 5 / (61/7) = 0.5738 per week
      expect(freq).toMatchObject({ baseline_value: 0, n_baseline: 0, n_final: 5, change_pct: null, better: null, ci_low: null, ci_high: null, p_value: null, verdict: "insufficient data", tier_baseline: null });
      expect(freq!.final_value).toBeCloseTo(5 / (61 / 7), 10);
      const cfr = await row(w, "change_failure_rate");
      // no deployments → no rate at all (not 0 %)
      expect(cfr).toMatchObject({ baseline_value: null, final_value: 0, verdict: "insufficient data", ci_low: null });
      expect(words(cfr!, 3)).toBe(
        "Change failure rate: insufficient data to compare (0 deployments in the baseline window, 5 in the final window; at least 3 needed in each).",
      );
    });
  });

  it("has a row per metric for every service and for '*'", async () => {
    await withMemoryWarehouse(async (w) => {
      await runTransforms(w, config);
      const rows = await w.all<{ metric: string; n: number }>("SELECT metric, count(*)::INTEGER AS n FROM metrics.pdp_comparison GROUP BY metric ORDER BY metric");
      // services api and web from the config, plus '*'
      expect(rows.map((r) => r.metric)).toEqual([
        "after_hours_share",
        "change_failure_rate",
        "deploy_days_per_week",
        "deployment_frequency",
        "failed_deployment_recovery",
        "lead_time",
        "pages_per_week",
        "rework_rate",
        "time_to_acknowledge",
        "time_to_restore",
      ]);
      expect(new Set(rows.map((r) => r.n))).toEqual(new Set([3]));
    });
  });

  it("adds latency_p99 and slo rows from metrics.latency_windows when it exists", async () => {
    await withMemoryWarehouse(async (w) => {
      await runTransforms(w, config);
      await w.run(`CREATE OR REPLACE TABLE metrics.latency_windows AS SELECT * FROM (VALUES
        ('api', 'POST /pay', 'baseline', 1000, 0.1, 0.3, 0.5, 0.3, 0.99, 950, 0.95),
        ('api', 'POST /pay', 'final',    1000, 0.1, 0.2, 0.3, 0.3, 0.99, 990, 0.99)
      ) t(service, route, window_name, requests, p50_seconds, p95_seconds, p99_seconds, threshold_seconds, target, good_requests, attainment)`);
      await comparison.run(w, { config });
      const p99 = await row(w, "latency_p99:POST /pay", "api");
      // 0.3/0.5 − 1 = −40 %: no sampling interval from histograms, but well past the 5 % materiality line
      expect(p99).toMatchObject({ unit: "seconds", baseline_value: 0.5, final_value: 0.3, better: true, ci_low: null, p_value: null, verdict: "improved" });
      expect(p99!.change_pct).toBeCloseTo(-40, 10);
      const slo = await row(w, "slo:POST /pay", "api");
      // 950/1000 → 990/1000: pooled 0.97, z = 0.04/√(0.97·0.03·0.002) = 5.2437 → p ≈ 1.6e-7
      expect(slo).toMatchObject({ unit: "share", direction: "higher", baseline_value: 0.95, final_value: 0.99, interval_of: "final_value", verdict: "improved" });
      expect(slo!.p_value as number).toBeLessThan(1e-6);
    });
  });
});
