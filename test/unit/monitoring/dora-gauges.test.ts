import { describe, expect, it } from "vitest";
import { parseText } from "../../helpers/metrics-text.ts";
import { DORA_GAUGES, doraMetricsText } from "../../../cli/monitoring.ts";
import { AS_OF, EXPECTED, buildTrailing } from "../../fixtures/monitoring/trailing.ts";
import { testConfig, withTransformWarehouse } from "../transforms/helpers.ts";

describe("metrics.dora_trailing and the DORA gauges", () => {
  it("trailing-28-day figures per service and overall, worked out by hand", () =>
    withTransformWarehouse(testConfig(), async (w) => {
      await buildTrailing(w);
      const rows = await w.all<{ measure: string; service: string; value: number; as_of: Date }>("SELECT measure, service, value, as_of FROM metrics.dora_trailing");
      for (const [service, measures] of Object.entries(EXPECTED)) {
        for (const [measure, value] of Object.entries(measures)) {
          const row = rows.find((r) => r.service === service && r.measure === measure);
          expect(row?.value, `${measure} ${service}`).toBeCloseTo(value, 9);
        }
      }
      expect(new Set(rows.map((r) => r.as_of.toISOString()))).toEqual(new Set([new Date(AS_OF).toISOString()]));
    }));

  it("gauges carry the values of metrics.dora_trailing (hours as seconds), with service, window and quantile labels", () =>
    withTransformWarehouse(testConfig(), async (w) => {
      await buildTrailing(w);
      const text = await doraMetricsText(w);
      const series = parseText(text);
      const rows = await w.all<{ measure: string; service: string; value: number }>("SELECT measure, service, value FROM metrics.dora_trailing WHERE value IS NOT NULL");
      expect(rows.length).toBe(21);
      for (const r of rows) {
        const g = DORA_GAUGES.find((x) => x.measure === r.measure)!;
        const key = `${g.name}{service="${r.service}",window="28d"${g.labels ? `,${g.labels}` : ""}}`;
        expect(series.get(key), key).toBe(r.value * (g.scale ?? 1));
      }
      expect(series.size).toBe(rows.length);
      expect(series.get('dora_lead_time_seconds{service="api",window="28d",quantile="0.9"}')).toBeCloseTo(21.8 * 3600, 6);
      expect(series.get('dora_change_failure_ratio{service="*",window="28d"}')).toBe(0.2);
      // Every family is declared once, as a gauge.
      for (const name of new Set(DORA_GAUGES.map((g) => g.name))) {
        expect(text.split("\n").filter((l) => l === `# TYPE ${name} gauge`)).toHaveLength(1);
        expect(name).toMatch(/^dora_[a-z_]+$/);
        expect(name).not.toMatch(/_total$/);
      }
    }));

  it("no table yet (transforms never ran): no DORA gauges, not zeros", () =>
    withTransformWarehouse(testConfig(), async (w) => {
      expect(await doraMetricsText(w)).toBe("");
    }));
});
