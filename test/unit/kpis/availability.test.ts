import { describe, expect, it } from "vitest";
import type { Row } from "../../../warehouse/warehouse.ts";
import { materialize, testConfig, withTransformWarehouse } from "../transforms/helpers.ts";

// api: target 0.99 (budget 1 %), web: target 0.999. Plan 2026 (baseline Jan–Feb, final Nov–Dec).
const config = testConfig({
  services: {
    api: { availability: { good: 'http_requests_total{service="api",code!~"5.."}', total: 'http_requests_total{service="api"}', target: 0.99 } },
    web: { availability: { good: 'http_requests_total{service="web",code!~"5.."}', total: 'http_requests_total{service="web"}', target: 0.999 } },
  },
});

const T0 = Date.parse("2026-03-02T00:00:00Z"); // Monday 01:00 in Berlin
const MIN = 60_000;

/**
 * api: 24 five-minute buckets (00:00–02:00Z) of 1,000 requests; buckets 12, 13, 14 (01:00–01:15Z)
 * fail completely (good 0): 3,000 bad of 24,000. web: two buckets of 500 with one failure each.
 */
function counts(): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 24; i++) {
    rows.push({ service: "api", bucket_start: new Date(T0 + i * 5 * MIN), bucket_seconds: 300, good: i >= 12 && i <= 14 ? 0 : 1000, total: 1000, source: "test" });
  }
  for (let i = 0; i < 2; i++) rows.push({ service: "web", bucket_start: new Date(T0 + i * 5 * MIN), bucket_seconds: 300, good: 499, total: 500, source: "test" });
  return rows;
}

describe("availability from request counts", () => {
  it("sums counts per local period: availability, target met and error budget spent", async () => {
    await withTransformWarehouse(config, async (w) => {
      await w.upsert("core.request_counts", counts());
      await materialize(w, "metrics.availability");
      const day = await w.all<Record<string, unknown>>(
        "SELECT service, good_requests, total_requests, bad_requests, availability, target, met, error_budget_spent FROM metrics.availability WHERE grain = 'day' AND period_start = DATE '2026-03-02' ORDER BY service",
      );
      // '*': good 21,000 + 998 = 21,998 of 25,000; no '*' target configured → met and budget NULL
      // api: 21,000 / 24,000 = 0.875; budget (1 − 0.99) × 24,000 = 240 requests, 3,000 bad → 12.5 budgets spent
      // web: 998 / 1,000 = 0.998 < 0.999; budget 0.001 × 1,000 = 1 request, 2 bad → 2.0
      expect(day).toEqual([
        { service: "*", good_requests: 21998, total_requests: 25000, bad_requests: 3002, availability: 21998 / 25000, target: null, met: null, error_budget_spent: null },
        { service: "api", good_requests: 21000, total_requests: 24000, bad_requests: 3000, availability: 0.875, target: 0.99, met: false, error_budget_spent: expect.closeTo(12.5, 9) },
        { service: "web", good_requests: 998, total_requests: 1000, bad_requests: 2, availability: 0.998, target: 0.999, met: false, error_budget_spent: expect.closeTo(2, 9) },
      ]);
      // a day without requests reads 0 requests and NULL availability, never a gap
      const empty = await w.one("SELECT total_requests, availability FROM metrics.availability WHERE grain = 'day' AND period_start = DATE '2026-03-03' AND service = 'api'");
      expect(empty).toEqual({ total_requests: 0, availability: null });
    });
  });

  it("finds the SRE workbook's burn-rate episodes of a planted 15-minute outage, by hand", async () => {
    await withTransformWarehouse(config, async (w) => {
      await w.upsert("core.request_counts", counts());
      await materialize(w, "metrics.availability_burn_episodes");
      const episodes = await w.all<Record<string, unknown>>(
        `SELECT service, pair, severity, strftime(started_at AT TIME ZONE 'UTC', '%H:%M') AS started, strftime(ended_at AT TIME ZONE 'UTC', '%H:%M') AS ended,
                duration_minutes, round(peak_burn_rate, 6) AS peak, evaluations, is_open, window_name
         FROM metrics.availability_burn_episodes ORDER BY service, long_window_seconds`,
      );
      // Burn = (bad/total)/(1 − 0.99). Evaluations at each bucket end; bucket j ends at (j+1)·5 min.
      // 14.4× 1h/5m: the 1 h window at j = 12 holds 1,000 bad of 12,000 → 8.33 (no); j = 13: 2,000/12,000 → 16.7 and
      //   the 5 min bucket 100 → fires (01:10); j = 14: 25 → fires; j = 15: 5 min burn 0 → ends 01:20. Peak 25.
      // 6× 6h/30m: the 6 h window holds everything since 00:00. j = 12: 1,000/13,000 → 7.69 and the 30 min window
      //   (buckets 7–12) 1,000/6,000 → 16.7: fires (01:05). Until j = 19 the 30 min window still holds bucket 14
      //   (16.7) and the long one 3,000/20,000 → 15; j = 20 (buckets 15–20) is clean → ends 01:45.
      //   Peak = j = 14: 3,000/15,000 → 20.
      // 3× 1d/2h and 1× 3d/6h: both windows hold everything since 00:00; from j = 12 (7.69) to the last bucket
      //   (3,000/24,000 → 12.5) they fire: open at the end of the data (02:00, 55 min so far), peak 20.
      // web: 2/1,000 / 0.001 = 2 → only the 1× pair fires (both windows 2 > 1), from its first bucket, and it is
      //   open at web's last bucket; peak 2 (1/500 / 0.001).
      expect(episodes).toEqual([
        { service: "api", pair: "14.4x 1h/5m", severity: "page", started: "01:10", ended: "01:20", duration_minutes: 10, peak: 25, evaluations: 2, is_open: false, window_name: null },
        { service: "api", pair: "6x 6h/30m", severity: "page", started: "01:05", ended: "01:45", duration_minutes: 40, peak: 20, evaluations: 8, is_open: false, window_name: null },
        { service: "api", pair: "3x 1d/2h", severity: "ticket", started: "01:05", ended: null, duration_minutes: 55, peak: 20, evaluations: 12, is_open: true, window_name: null },
        { service: "api", pair: "1x 3d/6h", severity: "ticket", started: "01:05", ended: null, duration_minutes: 55, peak: 20, evaluations: 12, is_open: true, window_name: null },
        { service: "web", pair: "1x 3d/6h", severity: "ticket", started: "00:05", ended: null, duration_minutes: 5, peak: 2, evaluations: 2, is_open: true, window_name: null },
      ]);
    });
  });

  it("gives each plan window its availability, budget and episodes", async () => {
    await withTransformWarehouse(config, async (w) => {
      // the same outage moved into the final window (Monday 2026-11-02)
      const shift = Date.parse("2026-11-02T00:00:00Z") - T0;
      await w.upsert(
        "core.request_counts",
        counts().map((r) => ({ ...r, bucket_start: new Date((r.bucket_start as Date).getTime() + shift) })),
      );
      await materialize(w, "metrics.availability_windows");
      const rows = await w.all<Record<string, unknown>>(
        "SELECT service, window_name, total_requests, availability, error_budget_requests, error_budget_spent, burn_episodes, page_episodes FROM metrics.availability_windows WHERE service = 'api' ORDER BY window_name",
      );
      // final = plan here: 24,000 requests, budget 240, spent 12.5; 4 episodes, 2 of them pages
      const api = { service: "api", total_requests: 24000, availability: 0.875, error_budget_requests: expect.closeTo(240, 9), error_budget_spent: expect.closeTo(12.5, 9), burn_episodes: 4, page_episodes: 2 };
      expect(rows).toEqual([
        { ...api, window_name: "final" },
        { ...api, window_name: "plan" },
      ]);
      // all services: their budgets together. api allows 0.01 × 24,000 = 240 bad, web 0.001 × 1,000 = 1: 241 of
      // 25,000 requests → target 1 − 241/25,000 = 0.99036; bad 3,000 + 2 = 3,002 → 3,002 / 241 = 12.456 budgets.
      // Episodes: api's 4 (2 pages) and web's 1 ticket → 5, 2 pages.
      const all = await w.all<Record<string, unknown>>(
        "SELECT window_name, total_requests, target, error_budget_requests, error_budget_spent, met, burn_episodes, page_episodes FROM metrics.availability_windows WHERE service = '*' ORDER BY window_name",
      );
      const star = { total_requests: 25000, target: expect.closeTo(1 - 241 / 25000, 12), error_budget_requests: expect.closeTo(241, 9), error_budget_spent: expect.closeTo(3002 / 241, 9), met: false, burn_episodes: 5, page_episodes: 2 };
      expect(all).toEqual([
        { ...star, window_name: "final" },
        { ...star, window_name: "plan" },
      ]);
    });
  });
});
