import { describe, expect, it } from "vitest";
import { deployment, materialize, testConfig, withTransformWarehouse } from "../transforms/helpers.ts";

const config = testConfig();
const minutesBefore = (iso: string, minutes: number) => new Date(Date.parse(iso) - minutes * 60_000).toISOString();

describe("deployment pipeline time", () => {
  it("takes finished_at − pipeline_started_at of successful production deployments, with median and p90 per week", async () => {
    await withTransformWarehouse(config, async (w) => {
      const d = (id: string, finished: string, minutes: number | null, extra: Record<string, unknown> = {}) =>
        deployment("api", finished, { deployment_id: id, pipeline_started_at: minutes === null ? null : minutesBefore(finished, minutes), ...extra });
      await w.upsert("core.deployments", [
        d("a", "2026-01-12T10:00:00Z", 30),
        d("b", "2026-01-13T10:00:00Z", 50),
        d("c", "2026-01-14T10:00:00Z", 10),
        d("failed", "2026-01-14T11:00:00Z", 5, { status: "failure" }), // not a deployment
        d("staging", "2026-01-14T12:00:00Z", 5, { environment: "staging", is_production: false }), // not production
        d("unknown", "2026-01-15T10:00:00Z", null), // run start unknown: not counted
        d("clock-skew", "2026-01-15T11:00:00Z", -3), // started after it finished: kept, not valid
      ]);
      await materialize(w, "metrics.pipeline_time");
      const items = await w.all("SELECT deployment_id, pipeline_minutes, is_valid, window_name FROM metrics.pipeline_items ORDER BY deployment_id");
      expect(items).toEqual([
        { deployment_id: "a", pipeline_minutes: 30, is_valid: true, window_name: "baseline" },
        { deployment_id: "b", pipeline_minutes: 50, is_valid: true, window_name: "baseline" },
        { deployment_id: "c", pipeline_minutes: 10, is_valid: true, window_name: "baseline" },
        { deployment_id: "clock-skew", pipeline_minutes: -3, is_valid: false, window_name: "baseline" },
      ]);
      // week of Monday 2026-01-12: 10, 30, 50 → median 30; p90 (type 7): h = 2 × 0.9 = 1.8 → 30 + 0.8 × (50 − 30) = 46; mean 30
      const week = await w.all(
        "SELECT service, runs, median_minutes, p90_minutes, mean_minutes FROM metrics.pipeline_time WHERE grain = 'week' AND period_start = DATE '2026-01-12' ORDER BY service",
      );
      expect(week).toEqual([
        { service: "*", runs: 3, median_minutes: 30, p90_minutes: expect.closeTo(46, 9), mean_minutes: 30 },
        { service: "api", runs: 3, median_minutes: 30, p90_minutes: expect.closeTo(46, 9), mean_minutes: 30 },
        { service: "web", runs: 0, median_minutes: null, p90_minutes: null, mean_minutes: null },
      ]);
    });
  });
});
