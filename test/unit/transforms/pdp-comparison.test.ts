import { describe, expect, it } from "vitest";
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
      expect(r).toMatchObject({ unit: "hours", direction: "lower", baseline_value: 52, final_value: 4, better: true, n_baseline: 5, n_final: 5, interval_of: "change_pct", tier_year: 2024 });
      expect(r!.change_pct).toBeCloseTo(-92.3077, 3);
      expect(r!.p_value).toBeCloseTo(0.012186, 5);
      // the DORA cards are one family for the false discovery rate: with p of the other cards
      // (deployments 5 → 5 per covered week, failure and rework rate 0/5 → 0/5, deploy days) all larger,
      // lead time ranks first of m tested cards: q = 0.012186 · m / 1, which is ≥ 0.05 from m = 5 on
      const tested = await w.all<{ p: number }>("SELECT p_value AS p FROM metrics.pdp_comparison WHERE service = '*' AND fdr_family = 'dora' AND p_value IS NOT NULL");
      expect(r!.q_value).toBeCloseTo(Math.min(1, 0.012186 * tested.length), 5);
      expect(r!.verdict).toBe(0.012186 * tested.length < 0.05 ? "improved" : "no clear change");
      // resampled medians stay within 48…70 and 2…6: the change lies within 2/70 − 1 … 6/48 − 1 = −97 % … −87.5 %
      expect(r!.ci_low as number).toBeGreaterThanOrEqual(-97.2);
      expect(r!.ci_high as number).toBeLessThanOrEqual(-87.5);
      // 2024 tiers: 52 h ≤ one week → high; 4 h < one day → elite
      expect(r).toMatchObject({ tier_baseline: "high", tier_final: "elite" });
      expect(r).toMatchObject({ baseline_days_covered: 48, final_days_covered: 61, window_days: 61, interval_kind: expect.stringMatching(/bootstrap interval of the % change of the median/) });
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
      // the first deployment on 9 Nov: the baseline has no day with data (no rate, not 0); the final
      // window has data for 9 Nov … 31 Dec = 53 of 61 days: 5 / (53/7) = 0.6604 per week
      expect(freq).toMatchObject({ baseline_value: null, n_baseline: 0, n_final: 5, change_pct: null, better: null, ci_low: null, ci_high: null, p_value: null, verdict: "insufficient data", tier_baseline: null });
      expect(freq).toMatchObject({ baseline_days_covered: 0, final_days_covered: 53, window_days: 61, window_kind: "final", status: "measured" });
      expect(freq!.final_value).toBeCloseTo(5 / (53 / 7), 10);
      const cfr = await row(w, "change_failure_rate");
      // no deployments → no rate at all (not 0 %)
      expect(cfr).toMatchObject({ baseline_value: null, final_value: 0, verdict: "insufficient data", ci_low: null });
      expect(cfr!.q_value).toBeNull();
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

  it("compares p99 and SLO attainment of a key path over days, not requests", async () => {
    // 10 baseline days (12–21 Jan) and 10 final days (9–18 Nov), one hour of 1000 requests each.
    // baseline buckets 0.1: 500, 0.3: 950, 0.5: 990, 1: 1000: p99 rank 990 lands on 0.5 → 0.3 + 0.2·40/40 = 0.5 s;
    // final 0.1: 600, 0.3: 990, 0.5: 1000: rank 990 → 0.1 + 0.2·390/390 = 0.3 s. Every day alike, so every
    // resample of days gives the same sums: the interval is exactly −40 % and no resample crosses 0.
    // SLO (threshold 0.3 s): 950/1000 → 990/1000, the difference +4 points, exactly.
    const cfg = testConfig({
      report: { min_sample: 3 },
      services: { api: { latency: [{ route: "POST /pay", metric: "http_request_duration_seconds", slo: { threshold_seconds: 0.3, target: 0.99 } }] }, web: {} },
    });
    const hour = (day: string, b: Record<string, number>) =>
      Object.entries(b).map(([le, count]) => ({ service: "api", route: "POST /pay", bucket_start: `${day}T10:00:00Z`, bucket_seconds: 3600, le: le === "+Inf" ? Infinity : Number(le), count, source: "prometheus" }));
    const days = (from: string, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
    await withMemoryWarehouse(async (w) => {
      await w.upsert("core.latency_buckets", [
        ...days("2026-01-12", 10).flatMap((d) => hour(d, { "0.1": 500, "0.3": 950, "0.5": 990, "1": 1000, "+Inf": 1000 })),
        ...days("2026-11-09", 10).flatMap((d) => hour(d, { "0.1": 600, "0.3": 990, "0.5": 1000, "1": 1000, "+Inf": 1000 })),
      ]);
      await runTransforms(w, cfg);
      const p99 = await row(w, "latency_p99:POST /pay", "api");
      expect(p99).toMatchObject({ unit: "seconds", n_baseline: 10, n_final: 10, better: true, interval_of: "change_pct", verdict: "improved", fdr_family: "key_paths" });
      expect(p99!.baseline_value).toBeCloseTo(0.5, 12);
      expect(p99!.final_value).toBeCloseTo(0.3, 12);
      expect(p99!.ci_low).toBeCloseTo(-40, 9);
      expect(p99!.ci_high).toBeCloseTo(-40, 9);
      expect(p99!.interval_kind).toMatch(/day-level bootstrap interval of the % change of p99/);
      const slo = await row(w, "slo:POST /pay", "api");
      expect(slo).toMatchObject({ unit: "share", direction: "higher", baseline_value: 0.95, final_value: 0.99, interval_of: "difference", verdict: "improved" });
      expect(slo!.ci_low).toBeCloseTo(0.04, 12);
      expect(slo!.ci_high).toBeCloseTo(0.04, 12);
      // two tests in the key-path table, both p = 0 → q = 0
      expect(slo!.q_value).toBe(0);
    });
  });

  it("does not call a change in SLO attainment clear when the days vary more than the change", async () => {
    // baseline days alternate 95 % and 99 % within 0.3 s (100 000 requests a day), final days 96 % and 99.4 %:
    // +0.7 points. Taken as 1 000 000 independent requests a window, z = 0.007/√(0.9735·0.0265·2e−6) = 30.8;
    // over 10 days the day-to-day spread (sd 2 points) swamps it: the interval of the difference holds 0.
    const cfg = testConfig({
      report: { min_sample: 3 },
      services: { api: { latency: [{ route: "GET /x", metric: "m", slo: { threshold_seconds: 0.3, target: 0.99 } }] }, web: {} },
    });
    const hour = (day: string, good: number) =>
      Object.entries({ "0.3": good, "1": 100_000, "+Inf": 100_000 }).map(([le, count]) => ({ service: "api", route: "GET /x", bucket_start: `${day}T10:00:00Z`, bucket_seconds: 3600, le: le === "+Inf" ? Infinity : Number(le), count, source: "prometheus" }));
    const day = (from: string, i: number) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
    await withMemoryWarehouse(async (w) => {
      await w.upsert("core.latency_buckets", [
        ...Array.from({ length: 10 }, (_, i) => hour(day("2026-01-12", i), i % 2 ? 95_000 : 99_000)).flat(),
        ...Array.from({ length: 10 }, (_, i) => hour(day("2026-11-09", i), i % 2 ? 96_000 : 99_400)).flat(),
      ]);
      await runTransforms(w, cfg);
      const slo = await row(w, "slo:GET /x", "api");
      expect(slo!.baseline_value).toBeCloseTo(0.97, 12);
      expect(slo!.final_value).toBeCloseTo(0.977, 12);
      expect(slo!.ci_low as number).toBeLessThan(0);
      expect(slo!.ci_high as number).toBeGreaterThan(0.007);
      expect(slo!.verdict).toBe("no clear change");
    });
  });

  it("gives the change failure rate Newcombe's interval of the difference", async () => {
    // 10 deployments in each window, none failed: the interval of the difference is Newcombe's, not the
    // Wilson interval of the final rate (reference values of the formula: stats-verdicts.test.ts)
    await withMemoryWarehouse(async (w) => {
      await load(w, shipped("b", "2026-01-12", [5, 5, 5, 5, 5, 5, 5, 5, 5, 5]), shipped("f", "2026-11-09", [5, 5, 5, 5, 5, 5, 5, 5, 5, 5]));
      await runTransforms(w, config);
      const cfr = await row(w, "change_failure_rate");
      // 0/10 → 0/10: difference 0; Wilson 0/10 = 0 … 0.2775, so low = −√(0 + 0.2775²) = −0.2775, high = +0.2775
      expect(cfr).toMatchObject({ baseline_value: 0, final_value: 0, interval_of: "difference", verdict: "no clear change" });
      expect(cfr!.ci_low).toBeCloseTo(-0.2775, 4);
      expect(cfr!.ci_high).toBeCloseTo(0.2775, 4);
      expect(cfr!.interval_kind).toMatch(/Newcombe hybrid score interval of the difference/);
    });
  });
});
