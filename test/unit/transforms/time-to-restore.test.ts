import { describe, expect, it } from "vitest";
import { runChecks } from "../../../transforms/run.ts";
import { deployment, incident, materialize, testConfig, withTransformWarehouse } from "./helpers.ts";

// Week of Monday 2026-02-02, Europe/Berlin (UTC+1); working hours 09:00–18:00 Monday–Friday, ack target 5 min.
const DEPLOYMENTS = [deployment("api", "2026-02-02T08:00:00Z", { deployment_id: "d1" })];
const INCIDENTS = [
  // Mon 11:00 local, in hours; linked to d1 (2 h before); acked in 3 min; resolved after 2 h (recovery 4 h after d1)
  incident("i1", "api", "2026-02-02T10:00:00Z", { acknowledged_at: "2026-02-02T10:03:00Z", resolved_at: "2026-02-02T12:00:00Z" }),
  // Tue 21:00 local, after hours; d1 is 36 h before: not linked; acked in 10 min; resolved after 6 h
  incident("i2", "api", "2026-02-03T20:00:00Z", { acknowledged_at: "2026-02-03T20:10:00Z", resolved_at: "2026-02-04T02:00:00Z" }),
  // Sat 11:00 local: weekend, after hours; still open, never acknowledged
  incident("i3", "api", "2026-02-07T10:00:00Z"),
  // Wed 09:30 local (08:30 UTC, which would be after hours in UTC); acked in 1 min; resolved *before* created (bad data)
  incident("i4", "api", "2026-02-04T08:30:00Z", { acknowledged_at: "2026-02-04T08:31:00Z", resolved_at: "2026-02-04T08:00:00Z" }),
];

describe("metrics.restore_items, metrics.time_to_restore and metrics.oncall_load", () => {
  it("reports an open incident without averaging it in, and keeps resolved-before-created out of the statistics", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", DEPLOYMENTS);
      await w.upsert("core.incidents", INCIDENTS);
      await materialize(w, "metrics.time_to_restore");
      const items = await w.all("SELECT incident_id, restore_hours, recovery_hours, ack_minutes, link_kind, is_open, window_name FROM metrics.restore_items ORDER BY 1");
      expect(items).toEqual([
        { incident_id: "i1", restore_hours: 2, recovery_hours: 4, ack_minutes: 3, link_kind: "heuristic", is_open: false, window_name: "baseline" },
        { incident_id: "i2", restore_hours: 6, recovery_hours: null, ack_minutes: 10, link_kind: "none", is_open: false, window_name: "baseline" },
        { incident_id: "i3", restore_hours: null, recovery_hours: null, ack_minutes: null, link_kind: "none", is_open: true, window_name: "baseline" },
        // 08:00 − 08:30 = −0.5 h; d1 is 48.5 h before, outside the 24 h window
        { incident_id: "i4", restore_hours: -0.5, recovery_hours: null, ack_minutes: 1, link_kind: "none", is_open: false, window_name: "baseline" },
      ]);

      const week = await w.one<Record<string, number>>(
        "SELECT * EXCLUDE (grain, period_start, service) FROM metrics.time_to_restore WHERE grain = 'week' AND period_start = '2026-02-02' AND service = 'api'",
      );
      // resolved with restore ≥ 0: i1 2 h, i2 6 h → median = mean = 4, p90 = 2 + 0.9 · 4 = 5.6; i3 open, i4 excluded;
      // recovery: only i1 is linked → 4 h; MTTA over 3, 10, 1 min → 3
      expect(week).toMatchObject({ incidents: 2, open_incidents: 1, median_hours: 4, mean_hours: 4, recovery_incidents: 1, recovery_median_hours: 4, mtta_median_minutes: 3 });
      expect(week!.p90_hours).toBeCloseTo(5.6, 10);

      await materialize(w, "metrics.lead_time_items");
      await runChecks(w);
      const dq = await w.all("SELECT check_name, failing_rows, total_rows FROM metrics.data_quality WHERE check_name IN ('incidents_resolved_before_created', 'incidents_without_deployment') ORDER BY 1");
      expect(dq).toEqual([
        { check_name: "incidents_resolved_before_created", failing_rows: 1, total_rows: 4 },
        { check_name: "incidents_without_deployment", failing_rows: 3, total_rows: 4 },
      ]);
    });
  });

  it("counts pages after hours in the configured zone and acknowledgements within the target", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", DEPLOYMENTS);
      await w.upsert("core.incidents", INCIDENTS);
      await materialize(w, "metrics.oncall_load");
      const week = await w.one("SELECT * EXCLUDE (grain, period_start) FROM metrics.oncall_load WHERE grain = 'week' AND period_start = '2026-02-02' AND service = '*'");
      // 4 pages; after hours: i2 (Tue 21:00), i3 (Saturday) → 2/4; acked within 5 min: i1 (3), i4 (1) → 2/4; MTTA median of 3, 10, 1 = 3
      expect(week).toEqual({ service: "*", pages: 4, after_hours_pages: 2, after_hours_share: 0.5, mtta_median_minutes: 3, acked_within_target_share: 0.5 });
      const quiet = await w.one("SELECT pages, after_hours_share FROM metrics.oncall_load WHERE grain = 'week' AND period_start = '2026-02-09' AND service = 'api'");
      expect(quiet).toEqual({ pages: 0, after_hours_share: null });
    });
  });
});
