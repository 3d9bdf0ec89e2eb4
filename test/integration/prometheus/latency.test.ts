import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rebuildFromRaw } from "../../../collectors/core/rebuild.ts";
import { collectSource, type SourceResult, type RunContext } from "../../../collectors/core/runner.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { createPrometheusSource } from "../../../collectors/prometheus/index.ts";
import { Config } from "../../../schemas/config.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { Warehouse } from "../../../warehouse/warehouse.ts";
import { backfill, findBinaries, startPrometheus, writeOpenMetrics, type RunningPrometheus, type SeriesSpec } from "./fixture.ts";

const HOUR = 3600;
const DAY = 86_400;
const DATA_START = Date.UTC(2026, 0, 4) / 1000; // Sunday 2026-01-04 00:00Z
const DATA_END = Date.UTC(2026, 1, 12) / 1000; // Thursday 2026-02-12 00:00Z: 39 days
const SAMPLE_STEP = 600; // 10 minutes keeps the backfill to a few seconds
// Samples off the hour grid (like real scrapes), so increase() extrapolates both in our hourly buckets and
// in Prometheus' window-wide answer: agreement is then a real check, not a tautology.
const SAMPLE_OFFSET = 137;
// The regression: POST /payments is slow from Monday 2026-01-19 to Sunday 2026-01-25 (inside the Berlin week of 2026-01-19).
const REGRESSION = [Date.UTC(2026, 0, 19) / 1000, Date.UTC(2026, 0, 25, 20) / 1000] as const;
// GET /payments/:id restarts (all its counters back to 0) on 2026-01-28 12:00Z.
const RESTART = Date.UTC(2026, 0, 28, 12) / 1000 + SAMPLE_OFFSET;
// The ledger adds a 2.5 ms bucket on 2026-01-29 06:00Z (inside the Berlin week of 2026-01-26).
const NEW_BOUND_FROM = Date.UTC(2026, 0, 29, 6) / 1000 + SAMPLE_OFFSET;

/** Deterministic noise in [0, 1) from a time and a salt. */
const noise = (t: number, salt: number) => {
  const x = Math.sin(t * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
};
const daily = (t: number, base: number, salt: number) => base * (1 + 0.5 * Math.sin((2 * Math.PI * (t % DAY)) / DAY) + 0.3 * noise(t, salt));

const HTTP_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DB_BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const SERIES: SeriesSpec[] = [
  {
    metric: "http_request_duration_seconds",
    labels: { service: "payments-api", route: "/payments" },
    bounds: HTTP_BOUNDS,
    rate: (t) => daily(t, 300, 1),
    // Normal: p99 in (0.25, 0.5] ≈ 0.49 s. Regression week: p99 in (1, 2.5] ≈ 1.6 s.
    cdf: (t) =>
      t > REGRESSION[0] && t <= REGRESSION[1] ? [0.1, 0.4, 0.8, 0.95, 0.985, 0.998, 1] : [0.3, 0.7, 0.95, 0.992, 0.998, 0.9995, 1],
  },
  {
    metric: "http_request_duration_seconds",
    labels: { service: "payments-api", route: "/payments/:id" },
    bounds: HTTP_BOUNDS,
    rate: (t) => daily(t, 900, 2),
    cdf: (t) => [0.6 + 0.1 * noise(t, 3), 0.93, 0.99, 0.997, 0.999, 1, 1],
    resets: [RESTART],
  },
  // Two instances of one DB query: `sum by (le)` adds them.
  ...["ledger-0", "ledger-1"].map(
    (instance, i): SeriesSpec => ({
      metric: "db_query_duration_seconds",
      labels: { service: "ledger", query: "insert_ledger_entries", instance },
      bounds: DB_BOUNDS,
      rate: (t) => daily(t, 120 + 60 * i, 4 + i),
      cdf: (t) => [0.2, 0.35, 0.55 + 0.1 * noise(t, 6 + i), 0.8, 0.97, 0.995, 0.9995],
      boundsFrom: { "0.0025": NEW_BOUND_FROM },
    }),
  ),
];

const KEY_PATHS = {
  "payments-api": {
    latency: [
      {
        route: "POST /payments",
        metric: "http_request_duration_seconds",
        selector: '{service="payments-api",route="/payments"}',
        slo: { threshold_seconds: 0.5, target: 0.99 },
      },
      {
        route: "GET /payments/:id",
        metric: "http_request_duration_seconds",
        selector: '{service="payments-api", route="/payments/:id"}',
        slo: { threshold_seconds: 0.1, target: 0.9 },
      },
    ],
  },
  ledger: {
    latency: [
      {
        route: "INSERT ledger_entries",
        metric: "db_query_duration_seconds",
        selector: 'service="ledger",query="insert_ledger_entries"',
        slo: { threshold_seconds: 0.03, target: 0.99 },
      },
    ],
  },
};

const binaries = findBinaries("prometheus", "promtool");
const inCi = process.env.CI === "true";
if (!binaries && !inCi) {
  console.warn("prometheus/promtool not found on PATH: skipping the Prometheus integration test (apt-get install prometheus)");
}

describe.skipIf(!binaries && !inCi)("Prometheus latency collection against a real server", () => {
  let dir: string;
  let server: RunningPrometheus | undefined;
  let warehouse: Warehouse;
  let config: Config;
  let first: SourceResult;
  let requests: { count: number };
  const warnings: string[] = [];
  const figures: Record<string, number> = {};

  const context = (): RunContext => ({
    config,
    log: createLogger({ level: "warn", write: (line) => warnings.push(line) }),
    runId: `it-${Date.now()}`,
    requests,
    warehouse,
  });
  const source = createPrometheusSource({ now: () => new Date((DATA_END + HOUR) * 1000) });

  beforeAll(async () => {
    if (!binaries) throw new Error("CI=true but prometheus/promtool are not on PATH: install the Debian package prometheus");
    dir = mkdtempSync(join(tmpdir(), "dora-prometheus-it-"));
    const samples = writeOpenMetrics(join(dir, "latency.om"), SERIES, DATA_START + SAMPLE_OFFSET, DATA_END + SAMPLE_OFFSET, SAMPLE_STEP);
    let started = Date.now();
    backfill(binaries.promtool, join(dir, "latency.om"), join(dir, "data"));
    figures.samples = samples;
    figures.backfill_ms = Date.now() - started;
    server = await startPrometheus(binaries.prometheus, dir, join(dir, "data"));

    config = Config.parse({
      timezone: "Europe/Berlin",
      plan: { start: "2026-01-05", months: 2, baseline: { from: "2026-01-05", to: "2026-01-18" }, final: { from: "2026-01-26", to: "2026-02-08" } },
      services: KEY_PATHS,
      // 500 points a request: each key path's 38 days of hours take two chunks.
      sources: { prometheus: { base_url: server.url, max_points: 500 } },
    });
    warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    requests = { count: 0 };
    started = Date.now();
    first = await collectSource(source, context());
    figures.collect_ms = Date.now() - started;

    // Only the latency transforms, through the real runner (seeds, session zone).
    const transforms = join(dirname(fileURLToPath(import.meta.url)), "../../../transforms");
    const root = join(dir, "transforms");
    for (const f of [
      "staging/stg_latency_buckets.sql",
          "intermediate/int_latency_bound_days.sql",
      "intermediate/int_latency_daily.sql",
      "intermediate/int_latency_window_buckets.sql",
      "intermediate/int_latency_stats.sql",
      "metrics/latency_p99.sql",
      "metrics/slo.sql",
      "metrics/latency_windows.sql",
    ]) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      symlinkSync(join(transforms, f), join(root, f));
    }
    started = Date.now();
    await runTransforms(warehouse, config, { root });
    figures.transform_ms = Date.now() - started;
  });

  afterAll(async () => {
    warehouse?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.info(`prometheus integration figures: ${JSON.stringify(figures)}`);
  });

  /** Prometheus' own answer for [from, to): histogram_quantile over increase() of the whole window, at its end. */
  async function prometheusQuantile(q: number, metric: string, selector: string, from: Date, to: Date): Promise<number> {
    const seconds = (to.getTime() - from.getTime()) / 1000;
    const query = `histogram_quantile(${q}, sum by (le) (increase(${metric}_bucket${selector}[${seconds}s])))`;
    return instant(query, to);
  }

  async function instant(query: string, at: Date): Promise<number> {
    const res = await fetch(`${server!.url}/api/v1/query?${new URLSearchParams({ query, time: String(at.getTime() / 1000) })}`);
    const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
    expect(body.status).toBe("success");
    expect(body.data.result).toHaveLength(1);
    return Number(body.data.result[0]!.value[1]);
  }

  /** Local midnight in Berlin of a date (winter: UTC+1). */
  const berlinMidnight = (day: string) => new Date(Date.parse(`${day}T00:00:00+01:00`));
  const selectorOf = (route: string) => {
    const kp = Object.values(KEY_PATHS).flatMap((s) => s.latency).find((k) => k.route === route)!;
    return { metric: kp.metric, selector: kp.selector.startsWith("{") ? kp.selector : `{${kp.selector}}` };
  };

  it("collects every hour of every key path in chunks under the point limit, and counts its requests", async () => {
    expect(first.status).toBe("success");
    expect(first.error).toBeUndefined();
    // 2026-01-04T23:00Z (plan start, Berlin midnight) to 2026-02-12T00:00Z: 913 hours, × 3 key paths.
    const hours = await warehouse.all<{ route: string; hours: number; first: Date; last: Date }>(
      "SELECT route, count(DISTINCT bucket_start)::INTEGER AS hours, min(bucket_start) AS first, max(bucket_start) AS last FROM core.latency_buckets GROUP BY route ORDER BY route",
    );
    expect(hours.map((h) => [h.route, h.hours])).toEqual([
      ["GET /payments/:id", 913],
      ["INSERT ledger_entries", 913],
      ["POST /payments", 913],
    ]);
    expect(hours[0]!.first.toISOString()).toBe("2026-01-04T23:00:00.000Z");
    expect(hours[0]!.last.toISOString()).toBe("2026-02-11T23:00:00.000Z");
    // Two chunks (500 + 413 points) per key path; no +Inf gaps, so no _count queries.
    expect(first.requests).toBe(6);
    const pages = await warehouse.all<{ n: number }>("SELECT count(*)::INTEGER AS n FROM raw.pages WHERE stream = 'prometheus.latency'");
    expect(pages[0]!.n).toBe(6);
    const cursor = await warehouse.one<{ cursor: string }>("SELECT cursor FROM sync.cursors WHERE stream = 'prometheus.latency' AND partition LIKE 'payments-api:POST /payments#%'");
    expect(cursor?.cursor).toBe("2026-02-12T00:00:00.000Z");
    // Every hour has +Inf, stored as Infinity.
    const inf = await warehouse.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.latency_buckets WHERE le = 'infinity'::DOUBLE");
    expect(inf!.n).toBe(913 * 3);
  });

  it.each([
    ["POST /payments", "2026-01-05", "2026-01-12"],
    ["POST /payments", "2026-01-12", "2026-01-19"],
    ["POST /payments", "2026-01-19", "2026-01-26"],
    ["POST /payments", "2026-01-26", "2026-02-02"],
    ["GET /payments/:id", "2026-01-26", "2026-02-02"], // the week with the restart
    ["GET /payments/:id", "2026-02-02", "2026-02-09"],
    ["INSERT ledger_entries", "2026-01-12", "2026-01-19"], // before the 2.5 ms bucket existed
    ["INSERT ledger_entries", "2026-02-02", "2026-02-09"], // after: the finer layout
  ])("%s week of %s: p50/p95/p99 agree with Prometheus' histogram_quantile within 1 %%", async (route, from, to) => {
    const ours = await warehouse.one<{ p50_seconds: number; p95_seconds: number; p99_seconds: number }>(
      "SELECT p50_seconds, p95_seconds, p99_seconds FROM metrics.latency_p99 WHERE grain = 'week' AND route = ? AND period_start = ?::DATE",
      [route, from],
    );
    expect(ours).toBeDefined();
    const { metric, selector } = selectorOf(route);
    for (const [q, value] of [
      [0.5, ours!.p50_seconds],
      [0.95, ours!.p95_seconds],
      [0.99, ours!.p99_seconds],
    ] as const) {
      const theirs = await prometheusQuantile(q, metric, selector, berlinMidnight(from), berlinMidnight(to));
      expect(Number.isFinite(theirs)).toBe(true);
      const diff = Math.abs(value - theirs) / theirs;
      figures.max_relative_difference = Math.max(figures.max_relative_difference ?? 0, diff);
      expect(diff).toBeLessThan(0.01);
    }
  });

  it("shows the regression week of POST /payments, and only there", async () => {
    const weeks = await warehouse.all<{ route: string; week: string; p99: number }>(
      "SELECT route, strftime(period_start, '%Y-%m-%d') AS week, p99_seconds AS p99 FROM metrics.latency_p99 WHERE grain = 'week' AND period_start BETWEEN '2026-01-05' AND '2026-02-02' ORDER BY route, week",
    );
    const payments = weeks.filter((w) => w.route === "POST /payments");
    expect(payments.map((w) => w.week)).toEqual(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"]);
    const regression = payments.find((w) => w.week === "2026-01-19")!;
    for (const w of payments.filter((x) => x.week !== "2026-01-19")) {
      expect(w.p99).toBeGreaterThan(0.25);
      expect(w.p99).toBeLessThan(0.5);
      expect(regression.p99).toBeGreaterThan(2 * w.p99);
    }
    expect(regression.p99).toBeGreaterThan(1);
    // The other key paths have no regression: their weekly p99s stay within 20 % of each other.
    for (const route of ["GET /payments/:id", "INSERT ledger_entries"]) {
      const p99s = weeks.filter((w) => w.route === route).map((w) => w.p99);
      expect(Math.max(...p99s) / Math.min(...p99s)).toBeLessThan(1.2);
    }
    // The SLO (99 % ≤ 500 ms) is met every week but the regression week.
    const slo = await warehouse.all<{ week: string; met: boolean; attainment: number; threshold_is_bucket_bound: boolean }>(
      "SELECT strftime(period_start, '%Y-%m-%d') AS week, met, attainment, threshold_is_bucket_bound FROM metrics.slo WHERE grain = 'week' AND route = 'POST /payments' AND period_start BETWEEN '2026-01-05' AND '2026-02-02' ORDER BY week",
    );
    expect(slo.map((s) => [s.week, s.met])).toEqual([
      ["2026-01-05", true],
      ["2026-01-12", true],
      ["2026-01-19", false],
      ["2026-01-26", true],
      ["2026-02-02", true],
    ]);
    expect(slo[2]!.attainment).toBeLessThan(0.97);
    expect(slo.every((s) => s.threshold_is_bucket_bound)).toBe(true);
  });

  it("handles the bucket added mid-week: stored from its first hour, left out of the week it was added in", async () => {
    const first = await warehouse.one<{ t: Date }>("SELECT min(bucket_start) AS t FROM core.latency_buckets WHERE route = 'INSERT ledger_entries' AND le = 0.0025");
    // The first sample of the new series is at 06:02:17Z; the first hour whose increase it enters is (06:00, 07:00].
    expect(first!.t.toISOString()).toBe("2026-01-29T06:00:00.000Z");
    const weeks = await warehouse.all<{ week: string; finite_bounds: number; bounds_dropped: number; p99: number }>(
      "SELECT strftime(period_start, '%Y-%m-%d') AS week, finite_bounds, bounds_dropped, p99_seconds AS p99 FROM metrics.latency_p99 WHERE grain = 'week' AND route = 'INSERT ledger_entries' AND period_start BETWEEN '2026-01-19' AND '2026-02-02' ORDER BY week",
    );
    expect(weeks.map((w) => [w.week, w.finite_bounds, w.bounds_dropped])).toEqual([
      ["2026-01-19", 6, 0],
      ["2026-01-26", 6, 1],
      ["2026-02-02", 7, 0],
    ]);
    // The p99 lies far above the new bucket: unchanged by the layout change.
    expect(Math.max(...weeks.map((w) => w.p99)) / Math.min(...weeks.map((w) => w.p99))).toBeLessThan(1.2);
  });

  it("agrees with Prometheus on the baseline and final windows, for p99 and for SLO attainment", async () => {
    for (const [window, from, to] of [
      ["baseline", "2026-01-05", "2026-01-19"],
      ["final", "2026-01-26", "2026-02-09"],
    ] as const) {
      for (const route of ["POST /payments", "GET /payments/:id", "INSERT ledger_entries"]) {
        const ours = await warehouse.one<{ p99_seconds: number; attainment: number; requests: number; threshold_is_bucket_bound: boolean; error_budget_spent: number }>(
          "SELECT p99_seconds, attainment, requests, threshold_is_bucket_bound, error_budget_spent FROM metrics.latency_windows WHERE window_name = ? AND route = ?",
          [window, route],
        );
        const { metric, selector } = selectorOf(route);
        const theirs = await prometheusQuantile(0.99, metric, selector, berlinMidnight(from), berlinMidnight(to));
        const diff = Math.abs(ours!.p99_seconds - theirs) / theirs;
        figures.max_relative_difference = Math.max(figures.max_relative_difference ?? 0, diff);
        expect(diff).toBeLessThan(0.01);
        const seconds = (berlinMidnight(to).getTime() - berlinMidnight(from).getTime()) / 1000;
        const total = await instant(`sum(increase(${metric}_count${selector}[${seconds}s]))`, berlinMidnight(to));
        const requestsDiff = Math.abs(ours!.requests - total) / total;
        figures.max_requests_difference = Math.max(figures.max_requests_difference ?? 0, requestsDiff);
        expect(requestsDiff).toBeLessThan(0.01);
        if (route === "POST /payments") {
          // 500 ms is a bucket bound: attainment is Prometheus' own ratio at le="0.5".
          const good = await instant(`sum(increase(${metric}_bucket{service="payments-api",route="/payments",le="0.5"}[${seconds}s]))`, berlinMidnight(to));
          expect(ours!.threshold_is_bucket_bound).toBe(true);
          expect(Math.abs(ours!.attainment - good / total)).toBeLessThan(1e-3);
          expect(ours!.error_budget_spent).toBeCloseTo((1 - ours!.attainment) / 0.01, 9);
        }
        if (route === "INSERT ledger_entries") expect(ours!.threshold_is_bucket_bound).toBe(false); // 30 ms lies inside (25 ms, 50 ms]
      }
    }
  });

  it("a second run reads from the cursor and changes nothing", async () => {
    const before = await warehouse.all("SELECT service, route, bucket_start, le, count FROM core.latency_buckets ORDER BY ALL");
    requests.count = 0;
    const again = await collectSource(source, context());
    expect(again.status).toBe("success");
    // From the cursor minus the 3 h overlap: one small chunk per key path.
    expect(again.requests).toBe(3);
    // 3 hours × (2 HTTP key paths × 8 bounds + 1 DB key path × 8 bounds), +Inf included.
    expect(again.rows).toBe(3 * (2 * (HTTP_BOUNDS.length + 1) + (DB_BOUNDS.length + 1)));
    const after = await warehouse.all("SELECT service, route, bucket_start, le, count FROM core.latency_buckets ORDER BY ALL");
    expect(after).toEqual(before);
  });

  it("dora rebuild --clean reproduces core.latency_buckets (two runs' pages) exactly, with no request", async () => {
    const snapshot = () => warehouse.all("SELECT * EXCLUDE (collected_at) FROM core.latency_buckets ORDER BY ALL");
    const before = await snapshot();
    expect(before.length).toBeGreaterThan(1000);
    requests.count = 0;
    const ctx = context();
    await rebuildFromRaw(warehouse, config, [source], ctx.log, { clean: true });
    expect(requests.count).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it("`dora doctor`: reads the server's version and says which key path has no recent series", async () => {
    // The backfilled data ends in February 2026: no key path has series in the last day of the real clock.
    await expect(source.check!(context())).rejects.toThrow(
      /: version 2\.\d+\.\d+[^,]*, but check the metric and selector of services\.payments-api\.latency\[0\]: no http_request_duration_seconds_bucket\{service="payments-api",route="\/payments"\} series in the last day/,
    );
  });

  it("names the query and the config key when Prometheus rejects it as bad_data", async () => {
    const broken = Config.parse({
      ...config,
      services: { ledger: { latency: [{ route: "INSERT ledger_entries", metric: "db_query_duration_seconds", selector: '{service="ledger",query=~"("}' }] } },
    });
    const result = await collectSource(source, { ...context(), config: broken, warehouse });
    expect(result.status).toBe("failure");
    expect(result.error).toMatch(/bad_data/);
    expect(result.error).toContain('sum by (le) (increase(db_query_duration_seconds_bucket{service="ledger",query=~"("}[1h]))');
    expect(result.error).toContain("services.ledger.latency[0]");
  });
});
