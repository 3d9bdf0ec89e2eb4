// User path: a config → `dora run` (collect from the GitLab simulator over HTTP, transform, report)
// → numbers checked by hand against the fixture in test/sim/gitlab/fixtures.ts.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { withTempDir } from "../helpers/db.ts";
import { paymentsProject, sha } from "../sim/gitlab/fixtures.ts";
import { SIM_TOKEN, startGitlabSim, type GitlabSim } from "../sim/gitlab/server.ts";

let sim: GitlabSim;
beforeAll(async () => {
  sim = await startGitlabSim({ state: { projects: [paymentsProject()] } });
});
afterAll(async () => sim.close());

const config = (url: string) => `
timezone: Europe/Berlin
warehouse: warehouse.duckdb
plan:
  start: 2026-01-01
  months: 2
  baseline: { from: 2026-01-05, to: 2026-01-07 }
  final: { from: 2026-01-08, to: 2026-01-09 }
  milestones:
    - { date: 2026-01-07, label: "Canary <b>releases</b>" }
services:
  payments:
    gitlab: [acme/payments]
sources:
  gitlab: { token_env: DORA_E2E_GITLAB_TOKEN, base_url: "${url}" }
report:
  min_sample: 1
`;

describe("config → collect (GitLab simulator) → transform → report", () => {
  it("gives the hand-computed deployment frequency, change failure rate, rework rate and lead times", async () => {
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, "dora.config.yaml"), config(sim.url));
      // Asynchronous: the simulator lives in this process and must keep answering while dora runs.
      const r = await promisify(execFile)(process.execPath, [resolve("bin/dora.js"), "run", "--no-pdf"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, CI: "true", DORA_E2E_GITLAB_TOKEN: SIM_TOKEN },
      });
      expect(r.stdout).toMatch(/gitlab\s+success/);
      expect(existsSync(join(dir, "report", "index.html"))).toBe(true);
      // Config strings reach the report as text, never as markup.
      const html = readFileSync(join(dir, "report", "index.html"), "utf8");
      expect(html).toContain("Canary &lt;b&gt;releases&lt;/b&gt;");
      expect(html).not.toContain("<b>releases</b>");

      const w = await Warehouse.open(join(dir, "warehouse.duckdb"), { readOnly: true });
      try {
        // Successful production deployments (fixture): 101 Jan 5, 103 Jan 6, 105 Jan 7, 106 + 108 Jan 8,
        // 109 + 110 Jan 9. Not counted: 102 (staging), 104 (failed), 107 (canceled). All before 13:00
        // Berlin, so UTC and local days agree; 2026-01-05 is a Monday: all in one ISO week.
        const days = await w.all<{ d: string; n: number }>(
          "SELECT strftime(period_start, '%m-%d') AS d, deployments::INTEGER AS n FROM metrics.deployment_frequency WHERE grain = 'day' AND service = 'payments' AND deployments > 0 ORDER BY 1",
        );
        expect(days).toEqual([
          { d: "01-05", n: 1 },
          { d: "01-06", n: 1 },
          { d: "01-07", n: 1 },
          { d: "01-08", n: 2 },
          { d: "01-09", n: 2 },
        ]);
        // Failed: 105 (the next, 106, rolls back to m1) and 108 (the next, 109, rolls back to c2).
        // 103 is not blamed by the hotfix 105: 105 finished 26 h later, beyond the 24 h window.
        // CFR = 2 / 7; rework = 1 (105 shipped the hotfix-labelled !2) / 7.
        const cfr = await w.one<{ deployments: number; failed: number; rate: number }>(
          "SELECT deployments::INTEGER AS deployments, failed_deployments::INTEGER AS failed, rate FROM metrics.change_failure_rate WHERE grain = 'week' AND service = 'payments' AND period_start = DATE '2026-01-05'",
        );
        expect(cfr).toEqual({ deployments: 7, failed: 2, rate: 2 / 7 });
        const rework = await w.one<{ rate: number }>(
          "SELECT rate FROM metrics.rework_rate WHERE grain = 'week' AND service = 'payments' AND period_start = DATE '2026-01-05'",
        );
        expect(rework?.rate).toBeCloseTo(1 / 7, 10);

        // Lead time, one row per change unit. 103 (Jan 6 10:00Z) ships c1, c2 and m1, all of !1, whose first
        // commit c1 was authored Jan 1 08:00+01:00 = 07:00Z: 5 d 3 h = 123 h, once for the MR (not once per
        // commit). 105 (finished_at Jan 7 12:00:30Z) ships s2, the squash of !2 whose first commit x1 was
        // authored Jan 6 09:00+01:00 = 08:00Z: 28 h 0.5 min, and c3, no MR, committed Jan 7 10:00Z:
        // 2 h 0.5 min. Week median of [2.008, 28.008, 123] = 28.008.
        const items = await w.all<{ shas: string; h: number }>(
          `SELECT (SELECT string_agg(c.commit_sha, ',' ORDER BY c.commit_sha) FROM core.changes c WHERE coalesce(c.pr_id, c.change_id) = l.change_id) AS shas,
                  round(l.lead_time_hours, 4) AS h
             FROM metrics.lead_time_items l ORDER BY h`,
        );
        expect(items).toEqual([
          { shas: sha("c3"), h: 2.0083 },
          { shas: sha("s2"), h: 28.0083 },
          { shas: [sha("c1"), sha("c2"), sha("m1")].sort().join(","), h: 123 },
        ]);
        const week = await w.one<{ changes: number; median_hours: number }>(
          "SELECT changes::INTEGER AS changes, round(median_hours, 4) AS median_hours FROM metrics.lead_time WHERE grain = 'week' AND service = 'payments' AND period_start = DATE '2026-01-05'",
        );
        expect(week).toEqual({ changes: 3, median_hours: 28.0083 });
        // the per-commit view keeps the five commits
        const perCommit = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM metrics.lead_time_commit_items");
        expect(perCommit!.n).toBe(5);
        // !1's stages: coding = opened Jan 2 09:00 − first commit Jan 1 07:00 = 26 h; pickup = bob's review
        // Jan 3 10:00 − opened = 25 h; review = merged Jan 5 15:00 − review = 53 h; deploy = Jan 6 10:00 − merged = 19 h.
        const stages = await w.one<{ coding: number; pickup: number; review: number; deploy: number }>(
          `SELECT coding_hours AS coding, pickup_hours AS pickup, review_hours AS review, deploy_hours AS deploy
             FROM metrics.lead_time_items l JOIN core.changes c ON c.pr_id = l.change_id WHERE c.commit_sha = '${sha("c1")}'`,
        );
        expect(stages).toEqual({ coding: 26, pickup: 25, review: 53, deploy: 19 });

        // Before vs after: baseline Jan 5–7 has 101, 103, 105 (105 failed) → 1/3; final Jan 8–9 has
        // 106, 108, 109, 110 (108 failed) → 1/4.
        const cmp = await w.one<{ baseline_value: number; final_value: number; n_baseline: number; n_final: number }>(
          "SELECT baseline_value, final_value, n_baseline::INTEGER AS n_baseline, n_final::INTEGER AS n_final FROM metrics.pdp_comparison WHERE metric = 'change_failure_rate' AND service = 'payments'",
        );
        expect(cmp).toEqual({ baseline_value: 1 / 3, final_value: 1 / 4, n_baseline: 3, n_final: 4 });
      } finally {
        w.close();
      }
    });
  });
});
