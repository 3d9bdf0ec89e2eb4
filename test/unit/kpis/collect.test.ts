import { describe, expect, it } from "vitest";
import { availabilityTargets, requestCountRows, type PrometheusAvailabilityChunk } from "../../../collectors/prometheus/availability.ts";
import { kpiSampleRows, kpiSeries } from "../../../collectors/prometheus/kpis.ts";
import { Config } from "../../../schemas/config.ts";

const range = (query: string, series: { metric: Record<string, string>; values: [number, string][] }[]) => ({
  query,
  start: 1_767_222_300,
  end: 1_767_222_600,
  step: 300,
  response: { status: "success" as const, data: { resultType: "matrix" as const, result: series } },
});

const config = Config.parse({
  timezone: "Europe/Berlin",
  plan: { start: "2026-01-01" },
  services: { api: { availability: { good: 'req{code!~"5.."}', total: "req" } } },
  sources: { prometheus: { base_url: "http://127.0.0.1:9" } },
  kpis: [
    { name: "orders", promql: "sum(increase(orders_total[$step]))", direction: "higher" },
    { name: "hourly", promql: "max(queue_depth)", direction: "lower", step_seconds: 3600 },
    { name: "bugs", sql: "SELECT DATE '2026-01-01' AS period_start, 1 AS value", direction: "lower" },
  ],
  cost_per_transaction: { cost: "sum(avg_over_time(node_total_hourly_cost[$step])) * 24", transactions: 'req{job="api"}' },
});

describe("prometheus availability and KPI streams (pure parts)", () => {
  it("builds one query per PromQL KPI and for each side of cost per transaction, with $step replaced", () => {
    expect(kpiSeries(config).map(({ name, query, step, where }) => ({ name, query, step, where }))).toEqual([
      { name: "orders", query: "sum(increase(orders_total[24h]))", step: 86400, where: "kpis[0] (orders)" },
      { name: "hourly", query: "max(queue_depth)", step: 3600, where: "kpis[1] (hourly)" },
      { name: "cost:amount", query: "sum(avg_over_time(node_total_hourly_cost[24h])) * 24", step: 86400, where: "cost_per_transaction" },
      { name: "cost:transactions", query: 'sum(increase(req{job="api"}[24h]))', step: 86400, where: "cost_per_transaction" },
    ]);
    expect(availabilityTargets(config)).toMatchObject([{ service: "api", good: 'req{code!~"5.."}', total: "req", step: 300, where: "services.api.availability" }]);
  });

  it("stores counts per bucket: good capped at total, a missing good value is 0 good", () => {
    const chunk: PrometheusAvailabilityChunk = {
      good: range("g", [{ metric: {}, values: [[1_767_222_300, "990"], [1_767_222_600, "1000.4"]] }]),
      total: range("t", [{ metric: {}, values: [[1_767_222_300, "1000"], [1_767_222_600, "1000"], [1_767_222_900, "50"]] }]),
    };
    expect(requestCountRows(chunk, { service: "api", where: "services.api.availability", good: "g" })).toEqual([
      { service: "api", bucket_start: new Date((1_767_222_300 - 300) * 1000), bucket_seconds: 300, good: 990, total: 1000, source: "prometheus" },
      // increase() extrapolates each counter on its own: 1000.4 good of 1000 is read as 1000
      { service: "api", bucket_start: new Date((1_767_222_600 - 300) * 1000), bucket_seconds: 300, good: 1000, total: 1000, source: "prometheus" },
      // every request failed: no good value at this step
      { service: "api", bucket_start: new Date((1_767_222_900 - 300) * 1000), bucket_seconds: 300, good: 0, total: 50, source: "prometheus" },
    ]);
  });

  it("names the config key when the good selector matches nothing while requests are counted", () => {
    const chunk: PrometheusAvailabilityChunk = { good: range("g", []), total: range("t", [{ metric: {}, values: [[1_767_222_300, "10"]] }]) };
    expect(() => requestCountRows(chunk, { service: "api", where: "services.api.availability", good: 'req{code!~"5.."}' })).toThrow(
      /^services\.api\.availability\.good: req\{code!~"5\.\."\} matches no series while the total counts requests/,
    );
  });

  it("sums a KPI's series per step and skips NaN", () => {
    const chunk = { value: range("q", [{ metric: { a: "1" }, values: [[1_767_222_300, "2"], [1_767_222_600, "NaN"]] }, { metric: { a: "2" }, values: [[1_767_222_300, "3"]] }]) };
    expect(kpiSampleRows(chunk, { name: "orders", service: "*" })).toEqual([
      { name: "orders", service: "*", bucket_start: new Date((1_767_222_300 - 300) * 1000), bucket_seconds: 300, value: 5, source: "prometheus" },
    ]);
  });
});
