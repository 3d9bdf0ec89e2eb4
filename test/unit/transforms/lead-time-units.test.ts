import { describe, expect, it } from "vitest";
import type { Row } from "../../../warehouse/warehouse.ts";
import { deployment, materialize, testConfig, withTransformWarehouse } from "./helpers.ts";

// One pull request, #7: four commits authored 02-01 09:00, 10:00, 11:00, 12:00 UTC; opened 02-01 13:00,
// first review 02-02 09:00, merged 02-02 15:00, in production at 02-03 15:00. Its lead time is
// 02-03 15:00 − 02-01 09:00 = 54 h: coding 4, pickup 20, review 6, deploy 24.
const PR = { pr_id: "github:pr:acme/api:7", pr_first_commit_at: "2026-02-01T09:00:00Z", pr_opened_at: "2026-02-01T13:00:00Z", first_review_at: "2026-02-02T09:00:00Z", merged_at: "2026-02-02T15:00:00Z" };
const authored = ["2026-02-01T09:00:00Z", "2026-02-01T10:00:00Z", "2026-02-01T11:00:00Z", "2026-02-01T12:00:00Z"];

const commit = (sha: string, extra: Row): Row => ({ change_id: `github:change:acme/api:${sha}`, source: "github", service: "api", repo: "acme/api", deployment_id: "d1", commit_sha: sha, ...extra });

/** The rows a forge collector writes for PR #7 under each merge strategy (and one direct commit beside it). */
const strategies: Record<string, Row[]> = {
  // the four branch commits keep their dates; the merge commit is made at the merge
  merge: [
    ...authored.map((t, i) => commit(`b${i}`, { ...PR, authored_at: t, committed_at: t })),
    commit("m0", { ...PR, authored_at: PR.merged_at, committed_at: PR.merged_at }),
  ],
  // one new commit at the merge; the forge still knows the PR's first commit
  squash: [commit("s0", { ...PR, authored_at: PR.merged_at, committed_at: PR.merged_at })],
  // four new commits with the authors' dates, committed at the merge
  rebase: authored.map((t, i) => commit(`r${i}`, { ...PR, authored_at: t, committed_at: PR.merged_at })),
};

describe("lead time counts change units: a merged PR once, whatever its merge strategy", () => {
  it.each(Object.keys(strategies))("%s merge: one 54 h row for the PR, stages add up to it, one 3 h row for the direct commit", async (strategy) => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", [deployment("api", "2026-02-03T15:00:00Z", { deployment_id: "d1" })]);
      await w.upsert("core.changes", [
        ...strategies[strategy]!,
        // a commit pushed straight to main at 02-03 12:00: 3 h to production
        commit("direct", { authored_at: "2026-02-03T11:00:00Z", committed_at: "2026-02-03T12:00:00Z" }),
      ]);
      await materialize(w, "metrics.lead_time");
      await materialize(w, "metrics.lead_time_commit_items");
      const items = await w.all<Row>(
        `SELECT change_id, pr_id, deployment_id, lead_time_hours, coding_hours, pickup_hours, review_hours, deploy_hours, window_name
         FROM metrics.lead_time_items ORDER BY lead_time_hours`,
      );
      expect(items).toEqual([
        { change_id: "github:change:acme/api:direct", pr_id: null, deployment_id: "d1", lead_time_hours: 3, coding_hours: null, pickup_hours: null, review_hours: null, deploy_hours: null, window_name: "baseline" },
        { change_id: PR.pr_id, pr_id: PR.pr_id, deployment_id: "d1", lead_time_hours: 54, coding_hours: 4, pickup_hours: 20, review_hours: 6, deploy_hours: 24, window_name: "baseline" },
      ]);
      // the headline sees two changes (median of 3 and 54 = 28.5), not five or six observations of 54 h
      const week = await w.one<Row>("SELECT changes, median_hours FROM metrics.lead_time WHERE grain = 'week' AND period_start = '2026-02-02' AND service = 'api'");
      expect(week).toEqual({ changes: 2, median_hours: 28.5 });
      // the per-commit view keeps one row per commit
      const commits = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM metrics.lead_time_commit_items");
      expect(commits!.n).toBe(strategies[strategy]!.length + 1);
    });
  });

  it("a PR whose commits shipped in two deployments ends at the first one", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", [
        deployment("api", "2026-02-03T15:00:00Z", { deployment_id: "d1" }),
        deployment("api", "2026-02-04T15:00:00Z", { deployment_id: "d2" }),
      ]);
      await w.upsert("core.changes", [
        commit("a", { ...PR, deployment_id: "d2", authored_at: authored[0], committed_at: authored[0] }),
        commit("b", { ...PR, deployment_id: "d1", authored_at: authored[1], committed_at: authored[1] }),
      ]);
      await materialize(w, "metrics.lead_time_items");
      const items = await w.all<Row>("SELECT change_id, deployment_id, lead_time_hours FROM metrics.lead_time_items");
      expect(items).toEqual([{ change_id: PR.pr_id, deployment_id: "d1", lead_time_hours: 54 }]);
    });
  });
});
