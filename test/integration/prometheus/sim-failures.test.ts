/**
 * The Prometheus source against the simulator over HTTP: a token the server refuses fails the source
 * naming the variable to check, and a key path whose query keeps failing fails alone while the other
 * key paths are collected.
 */
import { afterEach, describe, expect, it } from "vitest";
import { collectSource } from "../../../collectors/core/runner.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { createPrometheusSource } from "../../../collectors/prometheus/index.ts";
import { Config } from "../../../schemas/config.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { startPrometheusSim, type PrometheusSim, type PrometheusSimFault, type SimSeries } from "../../sim/prometheus/server.ts";

const NOW = new Date(Date.UTC(2026, 2, 4, 0, 30));
const START = Date.UTC(2026, 2, 1, 23) / 1000;
const TOKEN_ENV = "DORA_TEST_PROMETHEUS_TOKEN";
const TOKEN = "prom-sim-token-RECOGNISABLE-5e1d";

/** One histogram per metric: 49+ hourly slots of 10 requests, 8 under 0.1 s. */
function histogram(metric: string): SimSeries[] {
  const slots = 80;
  return [
    { labels: { __name__: `${metric}_bucket`, service: "api", le: "0.1" }, start: START, slotSeconds: 3600, increases: Array(slots).fill(8) as number[] },
    { labels: { __name__: `${metric}_bucket`, service: "api", le: "+Inf" }, start: START, slotSeconds: 3600, increases: Array(slots).fill(10) as number[] },
  ];
}
const SERIES = [...histogram("first_seconds"), ...histogram("second_seconds")];

let sim: PrometheusSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  delete process.env[TOKEN_ENV];
});

async function collect(options: { token?: string; faults?: PrometheusSimFault[] }) {
  sim = await startPrometheusSim({ series: (name) => SERIES.filter((s) => s.labels.__name__ === name), token: TOKEN, faults: options.faults });
  process.env[TOKEN_ENV] = options.token ?? TOKEN;
  const config = Config.parse({
    timezone: "Europe/Berlin",
    plan: { start: "2026-03-02", months: 12 },
    services: {
      api: {
        latency: [
          { route: "GET /first", metric: "first_seconds", selector: '{service="api"}' },
          { route: "GET /second", metric: "second_seconds", selector: '{service="api"}' },
        ],
      },
    },
    sources: { prometheus: { base_url: sim.url, auth: { type: "bearer", token_env: TOKEN_ENV } } },
  });
  const source = createPrometheusSource({ now: () => NOW, sleep: async () => undefined });
  return withMemoryWarehouse(async (w) => {
    const lines: string[] = [];
    const result = await collectSource(source, { config, log: createLogger({ write: (l) => lines.push(l) }), runId: "t", requests: { count: 0 }, warehouse: w });
    const routes = await w.all<{ route: string; n: number }>("SELECT route, count(*)::INTEGER AS n FROM core.latency_buckets GROUP BY route ORDER BY route");
    return { result, routes, lines };
  });
}

describe("prometheus source against the simulator: failures that are failures", () => {
  it("a token the server refuses fails the source, naming the variable, after one request", async () => {
    const { result, routes, lines } = await collect({ token: "revoked-token-0000" });
    expect(result.status).toBe("failure");
    expect(result.error).toMatch(new RegExp(`^prometheus: the API refused the credentials \\(HTTP 401 unauthorized\\); check the token in ${TOKEN_ENV} \\(sources\\.prometheus\\.auth\\)`));
    expect(routes).toEqual([]);
    // Refused: no other key path or stream asks again.
    expect(sim!.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(lines.join("\n")).not.toContain("revoked-token-0000");
  });

  it("a key path whose query keeps failing (four attempts, then again) fails alone: the other key path is collected and the source fails naming it", async () => {
    const { result, routes } = await collect({ faults: [{ query: /first_seconds/, status: 500, errorType: "internal", error: "storage failure", times: 1000 }] });
    expect(result.status).toBe("failure");
    const latency = result.streams.find((s) => s.stream === "prometheus.latency")!;
    expect(latency.failedPartitions.map((f) => f.partition)).toEqual([expect.stringContaining("GET /first")]);
    expect(result.error).toMatch(/prometheus\.latency: \[.*GET \/first.*\].*500/);
    expect(routes.map((r) => r.route)).toEqual(["GET /second"]);
    expect(routes[0]!.n).toBeGreaterThan(0);
  });
});
