import { describe, expect, it } from "vitest";
import { metricMeta } from "../../reports/format.ts";
import { Config } from "../../schemas/config.ts";
import { isMeasured, METRIC_KEYS, METRICS, metricSpec } from "../../schemas/metrics.ts";

const config = (over: Record<string, unknown>) => Config.parse({ plan: { start: "2026-01-01" }, services: { api: {}, web: {} }, ...over });

describe("metric registry (schemas/metrics.ts)", () => {
  it("lets a target name every registered metric and the keyed families, and nothing else", () => {
    const targets = Object.fromEntries(METRIC_KEYS.map((k) => [k, 1]));
    expect(() => config({ targets: { ...targets, "latency_p99:POST /pay": "< 300 ms", "slo:GET /x": 0.99 } })).not.toThrow();
    expect(() => config({ targets: { lead_tme: 10 } })).toThrow(/unknown metric \W+lead_tme/);
    expect(() => config({ targets: { "kpi:queue": 5 } })).toThrow(/unknown metric \W+kpi:queue/);
  });

  it("gives the report the registry's unit kind and direction for every metric", () => {
    for (const key of METRIC_KEYS) {
      const meta = metricMeta(key);
      expect([key, meta.unit, meta.direction]).toEqual([key, METRICS[key].quantity, METRICS[key].direction]);
      expect(meta.label.length, key).toBeGreaterThan(0);
    }
    expect(metricMeta("slo:GET /x")).toMatchObject({ unit: "share", direction: "higher" });
    expect(metricSpec("latency_p99:GET /x")).toMatchObject({ comparison: "days", unit: "seconds" });
    expect(metricSpec("nonsense")).toBeUndefined();
    expect(metricSpec("kpi:")).toBeUndefined();
  });

  it("says which configuration measures a metric, per service", () => {
    const pd = config({
      services: { api: { pagerduty: ["P1"] }, web: {} },
      sources: { pagerduty: { token_env: "PD_TOKEN" } },
    });
    expect(isMeasured("time_to_restore", pd)).toBe(true);
    expect(isMeasured("time_to_restore", pd, "api")).toBe(true);
    // the source is configured, but web's incidents are not pointed at a PagerDuty service
    expect(isMeasured("time_to_restore", pd, "web")).toBe(false);
    expect(isMeasured("lead_time", pd)).toBe(false);
    expect(isMeasured("availability", pd)).toBe(false);

    // a service listing PagerDuty ids without the source configured measures nothing
    expect(isMeasured("time_to_restore", config({ services: { api: { pagerduty: ["P1"] } } }))).toBe(false);

    const git = config({ services: { api: { git: ["/srv/api"] } }, sources: { git: {} } });
    expect(isMeasured("deployment_frequency", git)).toBe(true);
    expect(isMeasured("time_to_acknowledge", git)).toBe(false);
    expect(isMeasured("unknown_metric", git)).toBe(false);
  });
});
