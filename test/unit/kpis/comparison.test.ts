import { describe, expect, it } from "vitest";
import { rowMeta, sentence, targetText } from "../../../reports/format.ts";
import type { ComparisonRow } from "../../../schemas/metrics.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { deployment, testConfig } from "../transforms/helpers.ts";

// Plan 2026: baseline Jan–Feb (59 days), final Nov–Dec (61 days). min_sample 3 keeps the data small.
const config = testConfig({
  report: { min_sample: 3 },
  services: {
    api: { availability: { good: 'req{code!~"5.."}', total: "req", target: 0.999 } },
    web: {},
  },
  kpis: [
    { name: "queue", label: "Median queue depth", promql: "sum(queue_depth)", unit: "jobs", direction: "lower", target: "< 5" },
    { name: "no_data", sql: "SELECT DATE '2026-06-01' AS period_start, 1 AS value", direction: "higher" },
  ],
  targets: { change_failure_rate: "< 15 %", pipeline_time: "-40 %", "pipeline_time@api": "-70 %" },
});

const day = (iso: string, i: number) => new Date(Date.parse(iso) + i * 86_400_000).toISOString();

describe("pdp_comparison: plan KPIs and targets", () => {
  it("compares pipeline time, availability and a custom KPI, and says whether each target was met", async () => {
    await withMemoryWarehouse(async (w) => {
      // pipeline minutes: baseline 30 32 34 36 38 (median 34), final 10 12 14 16 18 (median 14)
      const deployments = [30, 32, 34, 36, 38].map((m, i) => {
        const finished = day("2026-01-12T10:00:00Z", i);
        return deployment("api", finished, { deployment_id: `b${i}`, pipeline_started_at: new Date(Date.parse(finished) - m * 60_000).toISOString() });
      });
      deployments.push(
        ...[10, 12, 14, 16, 18].map((m, i) => {
          const finished = day("2026-11-09T10:00:00Z", i);
          return deployment("api", finished, { deployment_id: `f${i}`, pipeline_started_at: new Date(Date.parse(finished) - m * 60_000).toISOString() });
        }),
      );
      await w.upsert("core.deployments", deployments);
      // availability, four days a window: baseline 99,800 good of 100,000 a day; final 99,950 of 100,000
      await w.upsert("core.request_counts", [
        ...[0, 1, 2, 3].map((i) => ({ service: "api", bucket_start: new Date(day("2026-01-20T10:00:00Z", i)), bucket_seconds: 300, good: 99_800, total: 100_000 })),
        ...[0, 1, 2, 3].map((i) => ({ service: "api", bucket_start: new Date(day("2026-11-20T10:00:00Z", i)), bucket_seconds: 300, good: 99_950, total: 100_000 })),
      ]);
      // queue depth: baseline 9 10 11, final 6 7 8 (Berlin days)
      await w.upsert(
        "core.kpi_samples",
        [
          ...[9, 10, 11].map((value, i) => ({ bucket_start: new Date(day("2026-01-04T23:00:00Z", i)), value })),
          ...[6, 7, 8].map((value, i) => ({ bucket_start: new Date(day("2026-11-01T23:00:00Z", i)), value })),
        ].map((r) => ({ name: "queue", service: "*", bucket_seconds: 86400, source: "t", ...r })),
      );
      await runTransforms(w, config);
      const rows = await w.all<Record<string, unknown>>(
        `SELECT metric, service, unit, direction, baseline_value, final_value, round(change_pct, 4) AS change_pct, ci_low, n_baseline::INTEGER AS n_baseline, n_final::INTEGER AS n_final, verdict, target, target_op, target_of, target_met, ci_high, interval_of
         FROM metrics.pdp_comparison
         WHERE metric IN ('pipeline_time', 'pipeline_time_p90', 'availability', 'error_budget_spent', 'kpi:queue', 'kpi:no_data', 'change_failure_rate')
           AND service IN ('*', 'api') ORDER BY metric, service`,
      );
      const by = (metric: string, service = "*") => rows.find((r) => r.metric === metric && r.service === service)!;
      // the report's wording of a stored row (sentences live in reports/, the numbers here)
      const words = (metric: string, service = "*", label?: string) => {
        const r = by(metric, service) as unknown as ComparisonRow;
        const meta = rowMeta(r, label);
        return [sentence(r, meta, 3), targetText(r, meta)?.text].filter(Boolean).join(" ").replace(/\u00a0/g, " ");
      };

      // 14/34 − 1 = −58.82 %; the samples do not overlap (U = 0, p = 0.0122) and the interval lies below 0
      expect(by("pipeline_time")).toMatchObject({ unit: "minutes", direction: "lower", baseline_value: 34, final_value: 14, change_pct: -58.8235, verdict: "improved" });
      // "-40 %" for every service; "-70 %" for api wins there: −58.8 ≤ −40 met, ≤ −70 not met
      expect(by("pipeline_time")).toMatchObject({ target: -40, target_op: "<=", target_of: "change_pct", target_met: true });
      expect(by("pipeline_time", "api")).toMatchObject({ target: -70, target_op: "<=", target_of: "change_pct", target_met: false });
      expect(words("pipeline_time", "api")).toMatch(/Target change ≤ −70 %: not met$/);
      // p90 (type 7, n = 5: h = 3.6): baseline 36 + 0.6 × 2 = 37.2, final 16 + 0.6 × 2 = 17.2
      expect(by("pipeline_time_p90")).toMatchObject({ baseline_value: expect.closeTo(37.2, 9), final_value: expect.closeTo(17.2, 9), verdict: "improved", target: null, target_met: null });

      // availability 0.998 → 0.9995, its target the service's 0.999 (≥, as higher is better). The day is
      // the unit: n = 4 days a window; every day alike, so every resample of days gives +0.15 points
      // exactly (the interval collapses, and no resample reaches 0: bootstrap p = 0)
      expect(by("availability", "api")).toMatchObject({ unit: "share", direction: "higher", baseline_value: 0.998, final_value: 0.9995, n_baseline: 4, n_final: 4, verdict: "improved", target: 0.999, target_op: ">=", target_met: true });
      expect(by("availability", "api")).toMatchObject({ interval_of: "difference", ci_low: expect.closeTo(0.0015, 12), ci_high: expect.closeTo(0.0015, 12) });
      expect(words("availability", "api")).toMatch(/^Availability rose from 99\.80 % to 99\.95 %, \+0\.15 pp \(95 % CI of the difference \+0\.15 pp to \+0\.15 pp\)\. 4 days → 4 days\. Target ≥ 99\.9 %: met$/);
      // budget: baseline 200 bad of 100 allowed → 2.0; final 50 of 100 → 0.5; −75 %; the interval is of the difference (−1.5)
      expect(by("error_budget_spent", "api")).toMatchObject({ baseline_value: expect.closeTo(2, 9), final_value: expect.closeTo(0.5, 9), change_pct: -75, verdict: "improved", ci_low: expect.closeTo(-1.5, 9) });

      // custom KPI: median 10 → 7; target "< 5" not met
      expect(by("kpi:queue")).toMatchObject({ unit: "jobs", direction: "lower", baseline_value: 10, final_value: 7, change_pct: -30, target: 5, target_op: "<", target_of: "final_value", target_met: false });
      expect(words("kpi:queue", "*", "Median queue depth")).toMatch(/^Median queue depth fell from 10 jobs to 7 jobs, −30 %.*Target < 5 jobs: not met$/);
      // a KPI without observations in either window still gets a row saying so
      expect(by("kpi:no_data")).toMatchObject({ verdict: "insufficient data", n_baseline: 0, n_final: 0, target_met: null });

      // a DORA metric with a plan target: no failed deployment in the final window → 0 < 15 %
      expect(by("change_failure_rate")).toMatchObject({ final_value: 0, target: 0.15, target_op: "<", target_of: "final_value", target_met: true });
    });
  });
});
