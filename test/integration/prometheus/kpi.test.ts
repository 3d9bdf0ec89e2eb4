import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectSource, type SourceResult, type RunContext } from "../../../collectors/core/runner.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { createPrometheusSource } from "../../../collectors/prometheus/index.ts";
import { Config } from "../../../schemas/config.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { Warehouse } from "../../../warehouse/warehouse.ts";
import { backfill, findBinaries, startPrometheus, type RunningPrometheus } from "./fixture.ts";

const MINUTE = 60;
const DATA_START = Date.UTC(2026, 0, 5) / 1000; // Monday 2026-01-05 00:00Z (01:00 in Berlin)
const DATA_END = Date.UTC(2026, 0, 8) / 1000; // Thursday 2026-01-08 00:00Z: three days of samples, one a minute
// The planted outage: from 10:00Z to 10:30Z on 2026-01-06, 20 % of the api's requests fail (samples 10:01 … 10:30).
const OUTAGE = [Date.UTC(2026, 0, 6, 10) / 1000, Date.UTC(2026, 0, 6, 10, 30) / 1000] as const;

/**
 * Counters written as OpenMetrics, a sample a minute on the minute: http_requests_total of the api
 * (600 a minute: code 200, and code 500 during the outage: 120 of the 600), orders_total (2 a minute)
 * and two nodes' hourly cost gauges (1.0 and 1.5 EUR/h). Samples on the 5-minute grid make each
 * 5-minute increase exact (Prometheus 2.x reads [t − 5m, t] with both ends, so no extrapolation).
 */
function writeCounters(file: string): number {
  const lines: string[] = ["# TYPE http_requests counter", "# HELP http_requests Requests."];
  const ok: string[] = [];
  const failed: string[] = [];
  const orders: string[] = [];
  const cost: string[] = [];
  let good = 0;
  let bad = 0;
  let order = 0;
  for (let t = DATA_START; t <= DATA_END; t += MINUTE) {
    if (t > DATA_START) {
      const inOutage = t > OUTAGE[0] && t <= OUTAGE[1];
      good += inOutage ? 480 : 600;
      bad += inOutage ? 120 : 0;
      order += 2;
    }
    ok.push(`http_requests_total{service="api",code="200"} ${good} ${t}`);
    failed.push(`http_requests_total{service="api",code="500"} ${bad} ${t}`);
    orders.push(`orders_total ${order} ${t}`);
    cost.push(`node_total_hourly_cost{node="a"} 1.0 ${t}`, `node_total_hourly_cost{node="b"} 1.5 ${t}`);
  }
  lines.push(...ok, ...failed, "# TYPE orders counter", ...orders, "# TYPE node_total_hourly_cost gauge", ...cost, "# EOF");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return ok.length * 4 + cost.length;
}

const binaries = findBinaries("prometheus", "promtool");
const inCi = process.env.CI === "true";

describe.skipIf(!binaries && !inCi)("availability, burn rates, cost and PromQL KPIs against a real Prometheus", () => {
  let dir: string;
  let server: RunningPrometheus | undefined;
  let warehouse: Warehouse;
  let config: Config;
  let result: SourceResult;
  const logs: string[] = [];
  const source = createPrometheusSource({ now: () => new Date(DATA_END * 1000) });
  const context = (c: Config, w: Warehouse): RunContext => ({
    config: c,
    log: createLogger({ level: "warn", write: (line) => logs.push(line) }),
    runId: `it-kpi-${Date.now()}`,
    requests: { count: 0 },
    warehouse: w,
  });
  const configWith = (extra: Record<string, unknown>) =>
    Config.parse({
      timezone: "Europe/Berlin",
      plan: { start: "2026-01-05", months: 2, baseline: { from: "2026-01-05", to: "2026-01-18" }, final: { from: "2026-02-16", to: "2026-03-01" } },
      services: {
        api: { availability: { good: 'http_requests_total{service="api",code!~"5.."}', total: 'http_requests_total{service="api"}', target: 0.999 } },
      },
      sources: { prometheus: { base_url: server!.url, max_points: 400 } },
      ...extra,
    });

  beforeAll(async () => {
    if (!binaries) throw new Error("CI=true but prometheus/promtool are not on PATH: install the Debian package prometheus");
    dir = mkdtempSync(join(tmpdir(), "dora-prometheus-kpi-"));
    writeCounters(join(dir, "counters.om"));
    backfill(binaries.promtool, join(dir, "counters.om"), join(dir, "data"));
    server = await startPrometheus(binaries.prometheus, dir, join(dir, "data"));
    config = configWith({
      kpis: [
        { name: "orders", label: "Orders per day", promql: "sum(increase(orders_total[$step]))", unit: "orders/day", direction: "higher" },
        {
          name: "errors_per_day",
          sql: "SELECT date_trunc('day', bucket_start) AS period_start, sum(total - good) AS value, service FROM core.request_counts GROUP BY ALL",
          unit: "requests",
          direction: "lower",
        },
      ],
      cost_per_transaction: { cost: "sum(avg_over_time(node_total_hourly_cost[$step])) * 24", transactions: 'http_requests_total{service="api"}', currency: "EUR" },
    });
    warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    result = await collectSource(source, context(config, warehouse));
    await runTransforms(warehouse, config);
  });

  afterAll(async () => {
    warehouse?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("stores 5-minute good and total counts, exactly, with the outage's 3,600 failed requests", async () => {
    expect(result.status, `${result.error} ${logs.join("\n")}`).toBe("success");
    const all = await warehouse.one<Record<string, unknown>>(
      `SELECT count(*)::INTEGER AS buckets, min(bucket_start) AS first, max(bucket_start) AS last, sum(total) AS total, sum(total - good) AS bad,
              count(*) FILTER (WHERE bucket_seconds <> 300)::INTEGER AS other_widths
       FROM core.request_counts WHERE service = 'api'`,
    );
    // buckets end on the 5-minute grid from 00:05Z on 01-05 (the first with two samples) to 23:55Z on 01-07
    // (the last settled step before 'now' = 01-08 00:00Z): 71 h 50 min / 5 min + 1 = 863 buckets of 3,000 requests
    expect(all).toEqual({
      buckets: 863,
      first: new Date("2026-01-05T00:00:00Z"),
      last: new Date("2026-01-07T23:50:00Z"),
      total: 863 * 3000,
      bad: 3600, // 30 minutes × 120
      other_widths: 0,
    });
  });

  it("computes availability and the error budget spent per local day and per plan window", async () => {
    // Berlin day 2026-01-06 = 01-05 23:00Z … 01-06 23:00Z: 288 buckets × 3,000 = 864,000 requests, 3,600 failed
    // → 860,400 / 864,000 = 0.99583; budget (1 − 0.999) × 864,000 = 864 requests, spent 3,600 / 864 = 4.1667
    const day = await warehouse.one<Record<string, unknown>>(
      "SELECT total_requests, bad_requests, availability, met, error_budget_spent FROM metrics.availability WHERE grain = 'day' AND period_start = DATE '2026-01-06' AND service = 'api'",
    );
    expect(day).toEqual({ total_requests: 864_000, bad_requests: 3600, availability: 860_400 / 864_000, met: false, error_budget_spent: expect.closeTo(3600 / 864, 9) });
    // baseline window (01-05 … 01-18) holds all 863 buckets: budget 0.001 × 2,589,000 = 2,589; spent 3,600 / 2,589 = 1.3905
    const baseline = await warehouse.one<Record<string, unknown>>(
      "SELECT total_requests, bad_requests, error_budget_requests, error_budget_spent, burn_episodes, page_episodes FROM metrics.availability_windows WHERE service = 'api' AND window_name = 'baseline'",
    );
    expect(baseline).toEqual({
      total_requests: 2_589_000,
      bad_requests: 3600,
      error_budget_requests: expect.closeTo(2589, 6),
      error_budget_spent: expect.closeTo(3600 / 2589, 9),
      burn_episodes: 4,
      page_episodes: 2,
    });
  });

  it("finds the burn-rate episodes of the planted outage, computed by hand", async () => {
    const episodes = await warehouse.all<Record<string, unknown>>(
      `SELECT pair, strftime(started_at AT TIME ZONE 'UTC', '%d %H:%M') AS started, strftime(ended_at AT TIME ZONE 'UTC', '%d %H:%M') AS ended,
              round(peak_burn_rate, 4) AS peak, evaluations::INTEGER AS evaluations, is_open, window_name
       FROM metrics.availability_burn_episodes WHERE service = 'api' ORDER BY long_window_seconds`,
    );
    // burn = (bad/total)/0.001; each outage bucket (10:05 … 10:30 ends) holds 600 bad of 3,000 (burn 200).
    // 14.4× 1h/5m: at 10:05 the hour holds 600 of 36,000 → 16.7 and the bucket 200: fires; at 10:30 3,600/36,000 → 100
    //   (peak); the 10:35 bucket is clean → ends 10:35. Evaluations 10:05 … 10:30 = 6.
    // 6× 6h/30m: 6 h = 216,000 requests; at 10:10 1,200 → 5.6 (no), at 10:15 1,800 → 8.33 with the 30 min window at 100:
    //   fires; the 30 min window holds the 10:30 bucket until 10:55 (33.3); at 11:00 it is clean → ends 11:00.
    //   Peak 3,600/216,000 → 16.6667. Evaluations 10:15 … 10:55 = 9.
    // 3× 1d/2h: 1 d = 864,000; needs > 2,592 bad → 10:25 (3,000 → 3.47); the 2 h window holds outage buckets until
    //   12:25; at 12:30 clean → ends 12:30. Peak 3,600/864,000 → 4.1667. Evaluations 10:25 … 12:25 = 25.
    // 1× 3d/6h: the 3 d window holds everything since 00:05Z on 01-05: at 10:10 410 buckets (1,230,000) → 1,200 bad → 0.976
    //   (no); at 10:15 1,800 / 1,233,000 → 1.46: fires; the 6 h window holds the 10:30 bucket until 16:25 → ends 16:30.
    //   Peak at 10:30 (34 h 30 min of buckets = 414): 3,600 / (414 × 3,000) / 0.001 = 2.8986. Evaluations 10:15 … 16:25 = 75.
    expect(episodes).toEqual([
      { pair: "14.4x 1h/5m", started: "06 10:05", ended: "06 10:35", peak: 100, evaluations: 6, is_open: false, window_name: "baseline" },
      { pair: "6x 6h/30m", started: "06 10:15", ended: "06 11:00", peak: 16.6667, evaluations: 9, is_open: false, window_name: "baseline" },
      { pair: "3x 1d/2h", started: "06 10:25", ended: "06 12:30", peak: 4.1667, evaluations: 25, is_open: false, window_name: "baseline" },
      { pair: "1x 3d/6h", started: "06 10:15", ended: "06 16:30", peak: 2.8986, evaluations: 75, is_open: false, window_name: "baseline" },
    ]);
  });

  it("collects a PromQL KPI per Berlin day and runs a SQL KPI over the warehouse", async () => {
    const values = await warehouse.all<Record<string, unknown>>(
      "SELECT kpi, service, kind, day::VARCHAR AS day, value FROM metrics.kpi_values WHERE day IN (DATE '2026-01-06', DATE '2026-01-07') ORDER BY kpi, day",
    );
    // orders: 2 a minute × 1,440 minutes of a full Berlin day; errors: the 3,600 of the outage on 01-06, none on 01-07
    expect(values).toEqual([
      { kpi: "errors_per_day", service: "api", kind: "sql", day: "2026-01-06", value: 3600 },
      { kpi: "errors_per_day", service: "api", kind: "sql", day: "2026-01-07", value: 0 },
      { kpi: "orders", service: "*", kind: "promql", day: "2026-01-06", value: 2880 },
      { kpi: "orders", service: "*", kind: "promql", day: "2026-01-07", value: 2880 },
    ]);
  });

  it("divides the cost series by the transactions per day", async () => {
    // cost: (1.0 + 1.5) EUR/h averaged over the day × 24 = 60 EUR; transactions 864,000 → 6.944e-5 EUR each
    const day = await warehouse.one<Record<string, unknown>>(
      "SELECT currency, cost, transactions, cost_per_transaction FROM metrics.cost_per_transaction WHERE grain = 'day' AND period_start = DATE '2026-01-06'",
    );
    expect(day).toEqual({ currency: "EUR", cost: expect.closeTo(60, 9), transactions: 864_000, cost_per_transaction: expect.closeTo(60 / 864_000, 12) });
  });

  it("a second run reads from the cursors and changes nothing", async () => {
    const before = await warehouse.all("SELECT * EXCLUDE (collected_at) FROM core.request_counts ORDER BY bucket_start");
    const again = await collectSource(source, context(config, warehouse));
    expect(again.status).toBe("success");
    expect(await warehouse.all("SELECT * EXCLUDE (collected_at) FROM core.request_counts ORDER BY bucket_start")).toEqual(before);
  });

  it("a PromQL KPI Prometheus refuses fails its stream with a message naming the KPI; the other data is kept", async () => {
    const broken = configWith({ kpis: [{ name: "fine", promql: "sum(orders_total)", direction: "higher" }, { name: "broken", promql: "sum(rate(orders_total[5m])) bye (x)", direction: "lower" }] });
    const w = await Warehouse.open(":memory:");
    try {
      const r = await collectSource(source, context(broken, w));
      expect(r.status).toBe("failure");
      const kpis = r.streams.find((s) => s.stream === "prometheus.kpis")!;
      expect(kpis.error).toMatch(/kpis\[1\] \(broken\): .*bad_data.*\n?.*check kpis\[1\] \(broken\)\.promql in the config/s);
      // the availability stream and the KPI before the broken one were stored
      expect((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.request_counts"))!.n).toBe(863);
      expect((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.kpi_samples WHERE name = 'fine'"))!.n).toBeGreaterThan(0);
    } finally {
      w.close();
    }
  });
});
