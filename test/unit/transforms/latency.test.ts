import { mkdtempSync, rmSync, symlinkSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Config } from "../../../schemas/config.ts";
import { plan } from "../../../transforms/run.ts";
import { writeSeeds } from "../../../warehouse/seeds.ts";
import type { Row, Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";

// The latency transforms alone, in the runner's dependency order (transforms/run.ts plan()).
const TRANSFORMS = join(dirname(fileURLToPath(import.meta.url)), "../../../transforms");
const FILES = [
  "staging/stg_latency_buckets.sql",
  "intermediate/int_latency_bound_days.sql",
  "intermediate/int_latency_daily.sql",
  "intermediate/int_latency_window_buckets.sql",
  "intermediate/int_latency_stats.sql",
  "metrics/latency_p99.sql",
  "metrics/slo.sql",
  "metrics/latency_windows.sql",
];
let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "dora-latency-transforms-"));
  for (const f of FILES) {
    mkdirSync(join(root, dirname(f)), { recursive: true });
    symlinkSync(join(TRANSFORMS, f), join(root, f));
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = Config.parse({
  timezone: "Europe/Berlin",
  plan: { start: "2026-01-01", months: 12 },
  report: { as_of: "2027-01-31" },
  services: {
    api: {
      latency: [
        { route: "GET /a", metric: "http_request_duration_seconds", slo: { threshold_seconds: 0.3, target: 0.99 } },
        { route: "GET /b", metric: "http_request_duration_seconds", slo: { threshold_seconds: 0.5, target: 0.9 } },
        { route: "GET /c", metric: "http_request_duration_seconds" },
      ],
    },
  },
});

/** core.latency_buckets rows of one hour: { le: cumulative count }. */
function hour(route: string, bucketStart: string, buckets: Record<string, number>, service = "api"): Row[] {
  return Object.entries(buckets).map(([le, count]) => ({
    service,
    route,
    bucket_start: bucketStart,
    bucket_seconds: 3600,
    le: le === "+Inf" ? Infinity : Number(le),
    count,
    source: "prometheus",
  }));
}

async function run(rows: Row[], fn: (w: Warehouse) => Promise<void>, cfg: Config = config) {
  await withMemoryWarehouse(async (w) => {
    await w.upsert("core.latency_buckets", rows);
    await writeSeeds(w, cfg);
    await w.run(`SET TimeZone = '${cfg.timezone}'`);
    await w.run(`SET VARIABLE tz = '${cfg.timezone}'`);
    for (const step of await plan(root)) {
      await w.run(`CREATE OR REPLACE TABLE ${step.relation} AS\n${readFileSync(step.file, "utf8").trim().replace(/;\s*$/, "")}`);
    }
    await w.run("SET TimeZone = 'UTC'");
    await fn(w);
  });
}

interface P99Row {
  grain: string;
  period_start: string;
  route: string;
  requests: number;
  p50_seconds: number | null;
  p95_seconds: number | null;
  p99_seconds: number | null;
  bounds_dropped: number;
}
const p99 = (w: Warehouse, grain: string, route: string) =>
  w.all<P99Row>(
    "SELECT grain, strftime(period_start, '%Y-%m-%d') AS period_start, route, requests, p50_seconds, p95_seconds, p99_seconds, bounds_dropped FROM metrics.latency_p99 WHERE grain = ? AND route = ? ORDER BY period_start",
    [grain, route],
  );

describe("latency transforms (histogram_quantile semantics)", () => {
  it("orders the latency relations staging → intermediate → metrics", async () => {
    expect((await plan(root)).map((s) => s.relation)).toEqual([
      "staging.stg_latency_buckets",
      "intermediate.int_latency_bound_days",
      "intermediate.int_latency_daily",
      "intermediate.int_latency_window_buckets",
      "intermediate.int_latency_stats",
      "metrics.latency_p99",
      "metrics.latency_windows",
      "metrics.slo",
    ]);
  });

  it("interpolates in the first bucket from 0, and linearly inside later buckets", async () => {
    // 100 requests: 80 ≤ 0.1 s, 90 ≤ 0.5 s, 100 ≤ 1 s.
    // p50: rank 50 in (0, 0.1] → 0.1 × 50/80 = 0.0625; p95: rank 95 in (0.5, 1] → 0.5 + 0.5 × 5/10 = 0.75;
    // p99: 0.5 + 0.5 × 9/10 = 0.95.
    await run(hour("GET /a", "2026-03-10T10:00:00Z", { "0.1": 80, "0.5": 90, "1": 100, "+Inf": 100 }), async (w) => {
      const [day] = await p99(w, "day", "GET /a");
      expect(day).toMatchObject({ period_start: "2026-03-10", requests: 100 });
      expect(day!.p50_seconds).toBeCloseTo(0.0625, 12);
      expect(day!.p95_seconds).toBeCloseTo(0.75, 12);
      expect(day!.p99_seconds).toBeCloseTo(0.95, 12);
    });
  });

  it("returns the highest finite bound when the quantile lands in the +Inf bucket", async () => {
    // 100 requests, only 20 ≤ 0.5 s: p50, p95, p99 all rank beyond 0.5 s → 0.5 (Prometheus does the same).
    await run(hour("GET /a", "2026-03-10T10:00:00Z", { "0.1": 10, "0.5": 20, "+Inf": 100 }), async (w) => {
      const [day] = await p99(w, "day", "GET /a");
      expect([day!.p50_seconds, day!.p95_seconds, day!.p99_seconds]).toEqual([0.5, 0.5, 0.5]);
    });
  });

  it("returns the first bound when it is ≤ 0 and holds the rank", async () => {
    // 60 of 100 requests ≤ 0: p50 → 0 (no interpolation below a non-positive first bound).
    await run(hour("GET /c", "2026-03-10T10:00:00Z", { "0": 60, "1": 100, "+Inf": 100 }), async (w) => {
      const [day] = await p99(w, "day", "GET /c");
      expect(day!.p50_seconds).toBe(0);
      // p99: rank 99 in (0, 1] → 0 + 1 × (99 − 60)/40 = 0.975
      expect(day!.p99_seconds).toBeCloseTo(0.975, 12);
    });
  });

  it.each([
    ["hours with zero requests", hour("GET /a", "2026-03-10T10:00:00Z", { "0.1": 0, "0.5": 0, "+Inf": 0 })],
    ["hours without a +Inf bucket (no total)", hour("GET /a", "2026-03-10T10:00:00Z", { "0.1": 5, "0.5": 9 })],
    ["only a +Inf bucket", hour("GET /a", "2026-03-10T10:00:00Z", { "+Inf": 9 })],
  ])("gives NULL quantiles and attainment for an empty window: %s", async (_name, rows) => {
    await run(rows, async (w) => {
      const days = await p99(w, "day", "GET /a");
      for (const d of days) expect([d.p50_seconds, d.p95_seconds, d.p99_seconds]).toEqual([null, null, null]);
      const slo = await w.all<{ attainment: number | null; error_budget_spent: number | null; met: boolean | null }>(
        "SELECT attainment, error_budget_spent, met FROM metrics.slo WHERE route = 'GET /a'",
      );
      for (const s of slo) expect(s).toEqual({ attainment: null, error_budget_spent: null, met: null });
      // A plan window without data still has its row: requests 0, values NULL.
      const windows = await w.all<{ window_name: string; requests: number; p99_seconds: number | null }>(
        "SELECT window_name, requests, p99_seconds FROM metrics.latency_windows WHERE route = 'GET /a' ORDER BY window_name",
      );
      expect(windows.map((r) => r.window_name)).toEqual(["baseline", "final", "plan"]);
      expect(windows.find((r) => r.window_name === "final")).toEqual({ window_name: "final", requests: 0, p99_seconds: null });
    });
  });

  it("makes counts monotonic like histogram_quantile (per-series counter resets under sum by (le))", async () => {
    // After a reset one instance's increase() can leave le=0.5 (38) below le=0.1 (40): running max → 40.
    // p95: rank 57 in (0.5, 1] → 0.5 + 0.5 × (57 − 40)/(60 − 40) = 0.925 (without the fix it would be 0.5 + 0.5 × 19/22).
    await run(hour("GET /a", "2026-03-10T10:00:00Z", { "0.1": 40, "0.5": 38, "1": 60, "+Inf": 60 }), async (w) => {
      const [day] = await p99(w, "day", "GET /a");
      expect(day!.p95_seconds).toBeCloseTo(0.925, 12);
      expect(day!.p50_seconds).toBeCloseTo(0.075, 12); // rank 30 in (0, 0.1] → 0.1 × 30/40
    });
  });

  it("sums buckets across hours, never averaging hourly quantiles", async () => {
    // Hour 1: 100 fast requests, all ≤ 0.1 s (p99 = 0.099). Hour 2: 10 slow ones, all in (0.5, 1] (p99 = 0.995).
    // Day: 110 requests; p99 rank 108.9 in (0.5, 1] → 0.5 + 0.5 × (108.9 − 100)/10 = 0.945 (the average of p99s would be 0.547).
    const rows = [
      ...hour("GET /a", "2026-03-10T08:00:00Z", { "0.1": 100, "0.5": 100, "1": 100, "+Inf": 100 }),
      ...hour("GET /a", "2026-03-10T09:00:00Z", { "0.1": 0, "0.5": 0, "1": 10, "+Inf": 10 }),
    ];
    await run(rows, async (w) => {
      const [day] = await p99(w, "day", "GET /a");
      expect(day!.requests).toBe(110);
      expect(day!.p99_seconds).toBeCloseTo(0.945, 12);
    });
  });

  it("keeps only the bounds every hour reported when the bucket layout changed inside a window", async () => {
    // Hour 1 (old layout): ≤0.1: 20, ≤0.5: 80, total 100. Hour 2 (0.25 added): ≤0.1: 10, ≤0.25: 50, ≤0.5: 90, total 100.
    // Day: 0.25 dropped → ≤0.1: 30, ≤0.5: 170, total 200; p50 rank 100 → 0.1 + 0.4 × 70/140 = 0.3.
    // The hour-2-only day keeps 0.25: ≤0.1: 10, ≤0.25: 50 → p50 rank 50 → 0.25.
    const rows = [
      ...hour("GET /a", "2026-03-10T08:00:00Z", { "0.1": 20, "0.5": 80, "+Inf": 100 }),
      ...hour("GET /a", "2026-03-10T09:00:00Z", { "0.1": 10, "0.25": 50, "0.5": 90, "+Inf": 100 }),
      ...hour("GET /a", "2026-03-11T09:00:00Z", { "0.1": 10, "0.25": 50, "0.5": 90, "+Inf": 100 }),
    ];
    await run(rows, async (w) => {
      const days = await p99(w, "day", "GET /a");
      expect(days.map((d) => [d.period_start, d.bounds_dropped])).toEqual([
        ["2026-03-10", 1],
        ["2026-03-11", 0],
      ]);
      expect(days[0]!.p50_seconds).toBeCloseTo(0.3, 12);
      expect(days[1]!.p50_seconds).toBeCloseTo(0.25, 12);
    });
  });

  it("puts hours into local days and ISO weeks of the configured zone", async () => {
    // 2026-03-08T22:00Z = Sunday 23:00 in Berlin (week of 2026-03-02); 23:00Z = Monday 00:00 (week of 2026-03-09).
    const rows = [
      ...hour("GET /a", "2026-03-08T22:00:00Z", { "0.1": 1, "+Inf": 1 }),
      ...hour("GET /a", "2026-03-08T23:00:00Z", { "0.1": 2, "+Inf": 2 }),
    ];
    await run(rows, async (w) => {
      expect((await p99(w, "day", "GET /a")).map((d) => [d.period_start, d.requests])).toEqual([
        ["2026-03-08", 1],
        ["2026-03-09", 2],
      ]);
      expect((await p99(w, "week", "GET /a")).map((d) => [d.period_start, d.requests])).toEqual([
        ["2026-03-02", 1],
        ["2026-03-09", 2],
      ]);
      expect((await p99(w, "month", "GET /a")).map((d) => [d.period_start, d.requests])).toEqual([["2026-03-01", 3]]);
    });
  });

  it("computes SLO attainment at the threshold: interpolated between bounds, exact on a bound", async () => {
    // /a: T = 0.3 s is not a bound: good = 80 + (90 − 80) × (0.3 − 0.1)/(0.5 − 0.1) = 85 of 100 → 0.85;
    //     budget spent = (1 − 0.85)/(1 − 0.99) = 15.
    // /b: T = 0.5 s is a bound: good = 90 of 100 → 0.9 ≥ 0.9 → met; budget spent = 0.1/0.1 = 1.
    const buckets = { "0.1": 80, "0.5": 90, "1": 100, "+Inf": 100 };
    await run([...hour("GET /a", "2026-03-10T10:00:00Z", buckets), ...hour("GET /b", "2026-03-10T10:00:00Z", buckets)], async (w) => {
      const rows = await w.all<Record<string, unknown>>(
        "SELECT route, threshold_seconds, threshold_is_bucket_bound, target, requests, good_requests, attainment, met, error_budget_spent FROM metrics.slo WHERE grain = 'day' ORDER BY route",
      );
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ route: "GET /a", threshold_seconds: 0.3, threshold_is_bucket_bound: false, target: 0.99, requests: 100, met: false });
      expect(rows[0]!.good_requests as number).toBeCloseTo(85, 9);
      expect(rows[0]!.attainment as number).toBeCloseTo(0.85, 12);
      expect(rows[0]!.error_budget_spent as number).toBeCloseTo(15, 9);
      expect(rows[1]).toMatchObject({ route: "GET /b", threshold_is_bucket_bound: true, good_requests: 90, attainment: 0.9, met: true });
      expect(rows[1]!.error_budget_spent as number).toBeCloseTo(1, 12);
    });
  });

  it("counts only the highest finite bound as good when the threshold lies above it", async () => {
    // T = 0.3 s above the highest finite bound 0.2: good = 70 (unknown above 0.2) of 100.
    await run(hour("GET /a", "2026-03-10T10:00:00Z", { "0.1": 50, "0.2": 70, "+Inf": 100 }), async (w) => {
      const row = await w.one<{ good_requests: number; threshold_is_bucket_bound: boolean }>(
        "SELECT good_requests, threshold_is_bucket_bound FROM metrics.slo WHERE grain = 'day' AND route = 'GET /a'",
      );
      expect(row).toEqual({ good_requests: 70, threshold_is_bucket_bound: false });
    });
  });

  it("reports baseline, final and plan windows from their summed buckets, with error budget spent", async () => {
    // Baseline (2026-01-01..2026-02-28): two hours, 200 requests, 198 ≤ 0.3 s → attainment 0.99, budget spent 1.
    // Final (2026-11-01..2026-12-31): one hour, 100 requests, 95 ≤ 0.3 s → 0.95, budget spent 5.
    // Plan: 300 requests, 293 good → 0.97667, budget spent 2.3333.
    const rows = [
      ...hour("GET /a", "2026-01-05T10:00:00Z", { "0.3": 99, "1": 100, "+Inf": 100 }),
      ...hour("GET /a", "2026-02-05T10:00:00Z", { "0.3": 99, "1": 100, "+Inf": 100 }),
      ...hour("GET /a", "2026-11-05T10:00:00Z", { "0.3": 95, "1": 100, "+Inf": 100 }),
    ];
    await run(rows, async (w) => {
      const out = await w.all<{ window_name: string; requests: number; good_requests: number; attainment: number; error_budget_spent: number; p99_seconds: number }>(
        "SELECT window_name, requests, good_requests, attainment, error_budget_spent, p99_seconds FROM metrics.latency_windows WHERE route = 'GET /a' ORDER BY window_name",
      );
      expect(out.map((r) => [r.window_name, r.requests, r.good_requests])).toEqual([
        ["baseline", 200, 198],
        ["final", 100, 95],
        ["plan", 300, 293],
      ]);
      expect(out[0]!.error_budget_spent).toBeCloseTo(1, 9);
      expect(out[1]!.error_budget_spent).toBeCloseTo(5, 9);
      expect(out[2]!.attainment).toBeCloseTo(293 / 300, 12);
      expect(out[2]!.error_budget_spent).toBeCloseTo((1 - 293 / 300) / 0.01, 9);
      // Baseline p99: rank 198 = the count at 0.3 → 0.3 exactly; final: rank 99 in (0.3, 1] → 0.3 + 0.7 × 4/5 = 0.86.
      expect(out[0]!.p99_seconds).toBeCloseTo(0.3, 12);
      expect(out[1]!.p99_seconds).toBeCloseTo(0.86, 12);
    });
  });
});

describe("latency transforms: a changed step", () => {
  it("uses, per hour, only the bucket width collected last, so 5-minute and hourly rows never add up twice", async () => {
    // 10:00–11:00Z was first collected at 5-minute steps (12 × 2 = 24 requests), then again hourly (30 requests):
    // the hourly row replaces the 10:00 5-minute row (same key), the 10:05…10:55 rows stay in the table.
    // 12:00Z exists only hourly (7 requests). Day: 30 + 7 = 37 (not 30 + 22 + 7 = 59).
    const old = new Date("2026-03-10T00:00:00Z");
    const newer = new Date("2026-03-11T00:00:00Z");
    const rows: Row[] = [
      ...Array.from({ length: 12 }, (_, i) =>
        hour("GET /a", new Date(Date.parse("2026-03-10T10:00:00Z") + i * 300_000).toISOString(), { "0.1": 2, "+Inf": 2 }).map((r) => ({
          ...r,
          bucket_seconds: 300,
          collected_at: old,
        })),
      ).flat(),
      ...hour("GET /a", "2026-03-10T10:00:00Z", { "0.1": 30, "+Inf": 30 }).map((r) => ({ ...r, collected_at: newer })),
      ...hour("GET /a", "2026-03-10T12:00:00Z", { "0.1": 7, "+Inf": 7 }).map((r) => ({ ...r, collected_at: newer })),
    ];
    // The hourly row at 10:00 replaces the 5-minute one (same key), as the collector's upsert would.
    const byKey = new Map(rows.map((r) => [`${Date.parse(String(r.bucket_start))}|${String(r.le)}`, r]));
    await run([...byKey.values()], async (w) => {
      const [day] = await p99(w, "day", "GET /a");
      expect(day!.requests).toBe(37);
    });
  });
  it("keeps daily periods of different lengths that only touch (a 23-hour DST day), whatever their collection time", async () => {
    // Berlin 2026-03-28 (24 h), 2026-03-29 (23 h: clocks go forward), 2026-03-30 (24 h): 5 + 6 + 7 requests.
    const rows: Row[] = [
      ...hour("GET /a", "2026-03-27T23:00:00Z", { "0.1": 5, "+Inf": 5 }).map((r) => ({ ...r, bucket_seconds: 86_400, collected_at: new Date("2026-04-01T00:00:00Z") })),
      ...hour("GET /a", "2026-03-28T23:00:00Z", { "0.1": 6, "+Inf": 6 }).map((r) => ({ ...r, bucket_seconds: 82_800, collected_at: new Date("2026-04-01T00:00:01Z") })),
      ...hour("GET /a", "2026-03-29T22:00:00Z", { "0.1": 7, "+Inf": 7 }).map((r) => ({ ...r, bucket_seconds: 86_400, collected_at: new Date("2026-04-01T00:00:02Z") })),
    ];
    await run(rows, async (w) => {
      expect((await p99(w, "day", "GET /a")).map((d) => [d.period_start, d.requests])).toEqual([
        ["2026-03-28", 5],
        ["2026-03-29", 6],
        ["2026-03-30", 7],
      ]);
      expect((await p99(w, "month", "GET /a"))[0]!.requests).toBe(18);
    });
  });
});
