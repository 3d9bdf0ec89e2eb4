import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../../collectors/prometheus/client.ts";
import { PrometheusEnvelope, PrometheusMatrix } from "../../../schemas/prometheus.ts";
import { startPrometheusSim, type PrometheusSim, type SimSeries } from "../../sim/prometheus/server.ts";

// The Prometheus simulator against Prometheus' own API description (api.md examples, the OpenAPI
// golden file's examples, the error strings of api.go; vendored in test/fixtures/contracts/prometheus
// with source and licence), and its arithmetic on a two-series histogram worked out by hand.

const CONTRACTS = fileURLToPath(new URL("../../fixtures/contracts/prometheus/", import.meta.url));
const example = (file: string) => JSON.parse(readFileSync(`${CONTRACTS}${file}`, "utf8")) as Record<string, unknown>;

const T0 = 1_767_222_000; // 2025-12-31T23:00:00Z, on the hour
const series = (labels: Record<string, string>, increases: number[]): SimSeries => ({ labels, start: T0, slotSeconds: 3600, increases });
const SERIES: SimSeries[] = [
  // http_request_duration_seconds{service="api",route="/pay/{id}"}: three hours, two bounds
  series({ __name__: "h_bucket", service: "api", route: "/pay/{id}", le: "0.1" }, [10, 20, 0]),
  series({ __name__: "h_bucket", service: "api", route: "/pay/{id}", le: "+Inf" }, [12, 25, 0]),
  series({ __name__: "h_count", service: "api", route: "/pay/{id}" }, [12, 25, 0]),
  // another instance of the same route: summed by le
  series({ __name__: "h_bucket", service: "api", route: "/pay/{id}", le: "0.1", instance: "b" }, [1, 1, 1]),
  series({ __name__: "h_bucket", service: "api", route: "/pay/{id}", le: "+Inf", instance: "b" }, [2, 2, 2]),
  series({ __name__: "h_bucket", service: "web", route: "/", le: "+Inf" }, [100, 100, 100]),
  series({ __name__: "req_total", service: "api", code: "200" }, [90, 80, 70]),
  series({ __name__: "req_total", service: "api", code: "503" }, [10, 20, 30]),
];

let sim: PrometheusSim;
beforeAll(async () => {
  sim = await startPrometheusSim({ series: (name) => SERIES.filter((s) => s.labels.__name__ === name) });
});
afterAll(async () => {
  await sim?.close();
});

async function get(path: string, params: Record<string, string>) {
  const response = await fetch(`${sim.url}${path}?${new URLSearchParams(params).toString()}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const BUCKETS = 'sum by (le) (increase(h_bucket{service="api",route="/pay/{id}"}[1h]))';

describe("Prometheus simulator", () => {
  it("sums increases by le per step: the hour ending at t is the slot before t; steps past the data have no sample", async () => {
    const r = await get("/api/v1/query_range", { query: BUCKETS, start: String(T0 + 3600), end: String(T0 + 5 * 3600), step: "3600" });
    expect(r.status).toBe(200);
    // le 0.1: 10+1, 20+1, 0+1; +Inf: 12+2, 25+2, 0+2; at T0+4h and T0+5h no slot lies inside the window
    expect(r.body).toEqual({
      status: "success",
      data: {
        resultType: "matrix",
        result: [
          { metric: { le: "+Inf" }, values: [[T0 + 3600, "14"], [T0 + 7200, "27"], [T0 + 10800, "2"]] },
          { metric: { le: "0.1" }, values: [[T0 + 3600, "11"], [T0 + 7200, "21"], [T0 + 10800, "1"]] },
        ],
      },
    });
  });

  it("counts a slot partly inside the window pro rata, and matches != and !~ like PromQL", async () => {
    const r = await get("/api/v1/query_range", { query: 'sum(increase(req_total{service="api",code!~"5.."}[30m]))', start: String(T0 + 5400), end: String(T0 + 5400), step: "60" });
    // (T0 + 1.5h − 30m, T0 + 1.5h] is the first half of the second hour: 80 / 2
    expect((r.body.data as PrometheusMatrix).result).toEqual([{ metric: {}, values: [[T0 + 5400, "40"]] }]);
    const bad = await get("/api/v1/query_range", { query: 'sum(increase(req_total{code!="200"}[1h]))', start: String(T0 + 3600), end: String(T0 + 3600), step: "1h" });
    expect((bad.body.data as PrometheusMatrix).result).toEqual([{ metric: {}, values: [[T0 + 3600, "10"]] }]);
  });

  it("answers our client's range query with an envelope its schema accepts", async () => {
    const client = new PrometheusClient({ baseUrl: sim.url });
    const q = await client.queryRange({ query: BUCKETS, start: T0 + 3600, end: T0 + 3 * 3600, step: 3600 });
    expect(q.response.data.result.map((s) => s.metric.le)).toEqual(["+Inf", "0.1"]);
  });

  it.each([
    [{ start: String(T0 + 10), end: String(T0), step: "60" }, "error.400.bad_data.end_before_start.constructed.json", 'invalid parameter "end": end timestamp must not be before start time'],
    [{ start: String(T0), end: String(T0 + 60), step: "0" }, "error.400.bad_data.nonpositive_step.constructed.json", 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer'],
    [{ start: String(T0), end: String(T0 + 11_001 * 60), step: "60" }, "error.400.bad_data.too_many_points.constructed.json", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"],
  ])("refuses %j with Prometheus' 400 bad_data", async (params, file, message) => {
    const r = await get("/api/v1/query_range", { query: BUCKETS, ...params });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ status: "error", errorType: "bad_data", error: message });
    expect(r.body).toEqual(example(file));
  });

  it("accepts exactly 11,000 steps between start and end (api.go checks (end − start) / step > 11,000)", async () => {
    const r = await get("/api/v1/query_range", { query: BUCKETS, start: String(T0), end: String(T0 + 11_000 * 60), step: "60" });
    expect(r.status).toBe(200);
  });

  it("refuses PromQL it does not evaluate with a parse error our client reads as bad_data", async () => {
    const client = new PrometheusClient({ baseUrl: sim.url, retries: 0 });
    await expect(client.queryRange({ query: "histogram_quantile(0.99, h_bucket)", start: T0, end: T0 + 3600, step: 3600 })).rejects.toMatchObject({ kind: "bad_data", status: 400 });
  });

  it("has the key sets of the official matrix example and the OpenAPI golden file's examples", async () => {
    const r = await get("/api/v1/query_range", { query: BUCKETS, start: String(T0 + 3600), end: String(T0 + 3600), step: "3600" });
    for (const file of ["query_range.success.matrix.docs-example.json", "query-range.example.200.matrixResult.json"]) {
      const official = example(file);
      expect(Object.keys(r.body).sort(), file).toEqual(Object.keys(official).sort());
      const data = official.data as PrometheusMatrix;
      expect(Object.keys(r.body.data as object).sort()).toEqual(Object.keys(data).sort());
      expect(Object.keys((r.body.data as PrometheusMatrix).result[0]!).sort()).toEqual(Object.keys(data.result[0]!).sort());
      // [unix seconds as a number, value as a string]
      const [t, v] = data.result[0]!.values[0]!;
      const [ours, ourValue] = (r.body.data as PrometheusMatrix).result[0]!.values[0]!;
      expect([typeof ours, typeof ourValue]).toEqual([typeof t, typeof v]);
    }
    expect(PrometheusEnvelope.safeParse(r.body).success).toBe(true);
    // The golden file's Error schema: exactly status, errorType, error.
    const e = await get("/api/v1/query_range", { query: BUCKETS, start: String(T0), end: String(T0), step: "-1" });
    expect(Object.keys(e.body).sort()).toEqual(Object.keys(example("query-range.example.default.tsdbNotReady.json")).sort());
  });

  it("answers the probe `dora check` sends, and buildinfo", async () => {
    const found = await get("/api/v1/query", { query: 'count(last_over_time(h_bucket{service="api"}[1d]))', time: String(T0 + 3 * 3600) });
    expect(found.body).toEqual({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [T0 + 3 * 3600, "4"] }] } });
    const info = await get("/api/v1/status/buildinfo", {});
    expect((info.body.data as { version: string }).version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
