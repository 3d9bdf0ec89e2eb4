import { describe, expect, it } from "vitest";
import { parseText } from "../../helpers/metrics-text.ts";
import { doraMetricsText } from "../../../cli/monitoring.ts";
import kpiValues from "../../../transforms/comparison/kpi_values.ts";
import { buildTrailing } from "../../fixtures/monitoring/trailing.ts";
import { materialize, testConfig, withTransformWarehouse } from "../transforms/helpers.ts";

/**
 * KPI samples around the trailing window of the fixture: (2026-02-01T00:00Z, 2026-03-01T00:00Z],
 * read in local days after 02-01 up to 03-01 (Europe/Berlin).
 * queue_lag_minutes ('*'): 01-20 → 100 (before), 02-03 → 5, 02-10 → 9, 02-20 → 4: median of {4, 5, 9} = 5.
 * orders (api): 02-05 → 10, 02-06 → 20, 03-05 → 1000 (after): median of {10, 20} = 15.
 * orders (web): 02-07 → 7: median 7.
 */
const SAMPLES: [string, string, string, number][] = [
  ["queue_lag_minutes", "*", "2026-01-20T11:00:00Z", 100],
  ["queue_lag_minutes", "*", "2026-02-03T11:00:00Z", 5],
  ["queue_lag_minutes", "*", "2026-02-10T11:00:00Z", 9],
  ["queue_lag_minutes", "*", "2026-02-20T11:00:00Z", 4],
  ["orders", "api", "2026-02-05T11:00:00Z", 10],
  ["orders", "api", "2026-02-06T11:00:00Z", 20],
  ["orders", "api", "2026-03-05T11:00:00Z", 1000],
  ["orders", "web", "2026-02-07T11:00:00Z", 7],
];
const BY_HAND: Record<string, number> = {
  'dora_kpi{kpi="queue_lag_minutes",service="*",window="28d"}': 5,
  'dora_kpi{kpi="orders",service="api",window="28d"}': 15,
  'dora_kpi{kpi="orders",service="web",window="28d"}': 7,
};

describe("KPI gauges", () => {
  it("every dora_kpi gauge equals the median of the KPI's observations in metrics.kpi_values over the window, and its metrics.dora_trailing row", async () => {
    const config = testConfig({
      kpis: [
        { name: "queue_lag_minutes", promql: "max(queue_lag_minutes)", direction: "lower", unit: "minutes" },
        { name: "orders", promql: "sum(increase(orders_total[$step]))", direction: "higher" },
      ],
    });
    await withTransformWarehouse(config, async (w) => {
      await w.upsert(
        "core.kpi_samples",
        SAMPLES.map(([name, service, at, value]) => ({ name, service, bucket_start: new Date(at), bucket_seconds: 86400, value, source: "prometheus" })),
      );
      await materialize(w, "intermediate.int_plan_windows");
      await kpiValues.run(w, { config });
      await buildTrailing(w);
      const series = parseText(await doraMetricsText(w));
      const kpiSeries = [...series].filter(([key]) => key.startsWith("dora_kpi{"));
      expect(Object.fromEntries(kpiSeries)).toEqual(BY_HAND);

      // The same figures read from metrics.* independently of the trailing table's SQL.
      const fromValues = await w.all<{ kpi: string; service: string; median: number }>(
        `SELECT kpi, service, median(value) AS median FROM metrics.kpi_values
          WHERE day > DATE '2026-02-01' AND day <= DATE '2026-03-01' GROUP BY kpi, service`,
      );
      const trailing = await w.all<{ measure: string; service: string; value: number }>("SELECT measure, service, value FROM metrics.dora_trailing WHERE measure LIKE 'kpi:%'");
      expect(fromValues).toHaveLength(kpiSeries.length);
      expect(trailing).toHaveLength(kpiSeries.length);
      for (const r of fromValues) {
        const key = `dora_kpi{kpi="${r.kpi}",service="${r.service}",window="28d"}`;
        expect(series.get(key), key).toBe(r.median);
        expect(trailing.find((t) => t.measure === `kpi:${r.kpi}` && t.service === r.service)?.value, key).toBe(r.median);
      }
    });
  });
});
