import { describe, expect, it } from "vitest";
import { runChecks } from "../../../transforms/run.ts";
import { deployment, materialize, testConfig, withTransformWarehouse } from "./helpers.ts";

const change = (id: string, extra: Record<string, unknown>) => ({ change_id: id, source: "demo", service: "api", ...extra });

describe("metrics.lead_time_items and metrics.lead_time", () => {
  it("measures a squash-merged PR from its first commit, counts a zero lead time as an observation, keeps negative values out of the statistics, and skips undeployed commits", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", [deployment("api", "2026-02-04T12:00:00Z", { deployment_id: "d1" })]);
      await w.upsert("core.changes", [
        // squash merge: the commit is dated at the merge; the PR's first commit is two days earlier
        change("squash", {
          deployment_id: "d1",
          commit_sha: "aaaaaaa1",
          committed_at: "2026-02-03T12:00:00Z",
          pr_first_commit_at: "2026-02-01T12:00:00Z",
          pr_opened_at: "2026-02-02T00:00:00Z",
          first_review_at: "2026-02-02T06:00:00Z",
          merged_at: "2026-02-03T12:00:00Z",
        }),
        // a direct commit, no PR
        change("direct", { deployment_id: "d1", commit_sha: "bbbbbbb2", committed_at: "2026-02-04T06:00:00Z" }),
        // a lightweight release tag on its own commit: deployed the moment it was committed (lead time 0)
        change("tagged", { deployment_id: "d1", commit_sha: "eeeeeee5", committed_at: "2026-02-04T12:00:00Z" }),
        // dated an hour after the deployment that shipped it (clock skew)
        change("skewed", { deployment_id: "d1", commit_sha: "ccccccc3", committed_at: "2026-02-04T13:00:00Z" }),
        // never deployed
        change("pending", { deployment_id: null, commit_sha: "ddddddd4", committed_at: "2026-02-05T09:00:00Z" }),
      ]);
      await materialize(w, "metrics.lead_time");
      await materialize(w, "metrics.lead_time_items");
      const items = await w.all<Record<string, unknown>>(
        "SELECT change_id, lead_time_hours, coding_hours, pickup_hours, review_hours, deploy_hours, window_name FROM metrics.lead_time_items ORDER BY change_id",
      );
      expect(items).toEqual([
        // 2026-02-04 12:00 − 2026-02-04 06:00 = 6 h; stages unknown without a PR
        { change_id: "direct", lead_time_hours: 6, coding_hours: null, pickup_hours: null, review_hours: null, deploy_hours: null, window_name: "baseline" },
        { change_id: "skewed", lead_time_hours: -1, coding_hours: null, pickup_hours: null, review_hours: null, deploy_hours: null, window_name: "baseline" },
        // 02-04 12:00 − 02-01 12:00 = 72 h (not 24 h from the squash commit): coding 12, pickup 6, review 30, deploy 24
        { change_id: "squash", lead_time_hours: 72, coding_hours: 12, pickup_hours: 6, review_hours: 30, deploy_hours: 24, window_name: "baseline" },
        { change_id: "tagged", lead_time_hours: 0, coding_hours: null, pickup_hours: null, review_hours: null, deploy_hours: null, window_name: "baseline" },
      ]);

      const week = await w.one<Record<string, unknown>>(
        "SELECT * EXCLUDE (grain, period_start) FROM metrics.lead_time WHERE grain = 'week' AND period_start = '2026-02-02' AND service = 'api'",
      );
      // lead times 0, 6 and 72: median 6, mean 26; p90 = 6 + 0.8 · 66 = 58.8; the −1 h change is counted apart
      expect(week).toMatchObject({ changes: 3, median_hours: 6, mean_hours: 26, coding_median_hours: 12, pickup_median_hours: 6, review_median_hours: 30, deploy_median_hours: 24, negative_changes: 1 });
      expect(week!.p90_hours).toBeCloseTo(58.8, 10);
      const all = await w.one<{ changes: number }>("SELECT changes FROM metrics.lead_time WHERE grain = 'month' AND period_start = '2026-02-01' AND service = '*'");
      expect(all!.changes).toBe(3);

      await materialize(w, "metrics.incident_links");
      await runChecks(w);
      const dq = await w.all<{ check_name: string; failing_rows: number; total_rows: number }>(
        "SELECT check_name, failing_rows, total_rows FROM metrics.data_quality WHERE check_name IN ('negative_lead_times', 'changes_never_deployed', 'deployments_without_changes') ORDER BY 1",
      );
      expect(dq).toEqual([
        { check_name: "changes_never_deployed", failing_rows: 1, total_rows: 5 },
        { check_name: "deployments_without_changes", failing_rows: 0, total_rows: 1 },
        // only the negative one: a zero lead time is no data-quality alarm
        { check_name: "negative_lead_times", failing_rows: 1, total_rows: 4 },
      ]);
    });
  });

  it("credits a change to the week its deployment finished in the configured zone", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      // deployed Monday 2026-02-09 00:30 CET = Sunday 23:30 UTC
      await w.upsert("core.deployments", [deployment("api", "2026-02-08T23:30:00Z", { deployment_id: "d1" })]);
      await w.upsert("core.changes", [change("c", { deployment_id: "d1", committed_at: "2026-02-08T21:30:00Z" })]);
      await materialize(w, "metrics.lead_time");
      const rows = await w.all<{ period_start: string; median_hours: number }>(
        "SELECT period_start::VARCHAR AS period_start, median_hours FROM metrics.lead_time WHERE grain = 'week' AND service = 'api' AND changes > 0",
      );
      expect(rows).toEqual([{ period_start: "2026-02-09", median_hours: 2 }]);
    });
  });
});
