import { describe, expect, it } from "vitest";
import { parseTarget } from "../../../schemas/config.ts";
import { ConfigError, parseConfig } from "../../../schemas/load-config.ts";

const base = `
plan: { start: 2026-01-01 }
services:
  api: {}
`;

function problems(yaml: string): string[] {
  try {
    parseConfig(base + yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("config: kpis, availability, cost and targets", () => {
  it.each([
    [0.15, "lower", { op: "<=", value: 0.15, of: "final_value" }],
    [0.999, "higher", { op: ">=", value: 0.999, of: "final_value" }],
    ["< 0.15", "lower", { op: "<", value: 0.15, of: "final_value" }],
    ["< 15 %", "lower", { op: "<", value: 0.15, of: "final_value" }],
    [">= 99.9 %", "higher", { op: ">=", value: 0.999, of: "final_value" }],
    ["≥ 99.9%", "higher", { op: ">=", value: 0.999, of: "final_value" }],
    ["< 300 ms", "lower", { op: "<", value: 0.3, of: "final_value" }],
    ["-40 %", "lower", { op: "<=", value: -40, of: "change_pct" }],
    ["+20%", "higher", { op: ">=", value: 20, of: "change_pct" }],
    ["< −40 %", "lower", { op: "<", value: -40, of: "change_pct" }],
  ] as const)("reads the target %j (%s is better)", (spec, direction, expected) => {
    expect(parseTarget(spec, direction)).toEqual(expected);
  });

  it("accepts the example's keys and fills defaults", () => {
    const config = parseConfig(`${base.replace("api: {}", `api:
    availability: { good: 'http_requests_total{service="api",code!~"5.."}', total: 'http_requests_total{service="api"}' }`)}
kpis:
  - { name: orders_per_day, promql: 'sum(increase(orders_total[$step]))', direction: higher, target: 1000 }
  - { name: open_bugs, sql: "SELECT day AS period_start, n AS value FROM bugs;", direction: lower, unit: bugs }
cost_per_transaction: { cost: 'sum(sum_over_time(node_total_hourly_cost[$step:1h]))', transactions: http_requests_total, currency: EUR }
targets: { change_failure_rate: "< 15 %", "latency_p99:POST /payments": "< 300 ms", "availability@api": ">= 99.95 %", "kpi:open_bugs": 3 }
`);
    expect(config.services.api!.availability).toEqual({ good: 'http_requests_total{service="api",code!~"5.."}', total: 'http_requests_total{service="api"}', target: 0.999, slo_window_days: 30 });
    expect(config.kpis[0]).toMatchObject({ name: "orders_per_day", service: "*", step_seconds: 86400, unit: "" });
    expect(config.cost_per_transaction).toMatchObject({ currency: "EUR", step_seconds: 86400 });
  });

  it.each([
    ["an unbalanced PromQL", `kpis: [{ name: lag, promql: 'sum(rate(x[5m])', direction: lower }]`, /kpis\[0\]\.promql.*KPI "lag": bad PromQL: "\(" is never closed/],
    ["an unterminated string", `kpis: [{ name: lag, promql: 'x{a="b}', direction: lower }]`, /kpis\[0\]\.promql.*KPI "lag": bad PromQL: unterminated " string/],
    ["a SQL that writes", `kpis: [{ name: wipe, sql: "DELETE FROM core.deployments", direction: lower }]`, /kpis\[0\]\.sql.*KPI "wipe": the SQL must be one SELECT/],
    ["two SQL statements", `kpis: [{ name: two, sql: "SELECT 1; SELECT 2", direction: lower }]`, /kpis\[0\]\.sql.*KPI "two": the SQL must be a single statement/],
    ["both promql and sql", `kpis: [{ name: both, promql: up, sql: "SELECT 1", direction: lower }]`, /KPI "both": give exactly one of promql or sql/],
    ["a duplicate name", `kpis: [{ name: a, promql: up, direction: lower }, { name: a, promql: up, direction: lower }]`, /kpis\[1\]\.name.*KPI "a" is already defined at kpis\[0\]/],
    ["an unknown service", `kpis: [{ name: a, promql: up, direction: lower, service: nope }]`, /kpis\[0\]\.service.*service "nope" is not under services/],
    ["a target for an unknown metric", `targets: { change_failure: 0.1 }`, /targets\.change_failure.*unknown metric "change_failure"/],
    ["a malformed target", `targets: { lead_time: "fast" }`, /targets\.lead_time.*expected a target like/],
    ["a function as a counter selector", `cost_per_transaction: { cost: x, transactions: 'rate(http_requests_total[5m])' }`, /cost_per_transaction\.transactions.*counter selector/],
  ])("refuses %s, naming the KPI or key", (_what, yaml, message) => {
    const found = problems(yaml);
    expect(found.join("\n")).toMatch(message);
  });
});
