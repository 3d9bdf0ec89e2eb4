import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectSource } from "../../../collectors/core/runner.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import type { CollectContext } from "../../../collectors/core/stream.ts";
import { gitSource } from "../../../collectors/git/index.ts";
import { Config } from "../../../schemas/config.ts";
import { runTransforms } from "../../../transforms/run.ts";
import type { Row, Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse, withTempDir } from "../../helpers/db.ts";
import { gitRepo, type GitRepo } from "../../helpers/git-repo.ts";

function ctxFor(w: Warehouse, services: Record<string, unknown>, git: Record<string, unknown> = {}, lines: string[] = []): CollectContext {
  return {
    config: Config.parse({ timezone: "Europe/Berlin", plan: { start: "2026-01-01", months: 6 }, services, sources: { git } }),
    log: createLogger({ write: (l) => lines.push(l) }),
    runId: "git-histories",
    requests: { count: 0 },
    state: new Map(),
    warehouse: w,
  };
}

async function collectAndTransform(w: Warehouse, ctx: CollectContext) {
  const lines: string[] = [];
  const result = await collectSource(gitSource, { ...ctx, log: createLogger({ write: (l) => lines.push(l) }) });
  expect(result.status, lines.join("\n")).toBe("success");
  await runTransforms(w, ctx.config);
}

// PR #7: four commits authored 01-12 09:00–12:00 (+01:00), merged 01-13 15:00; v1.1.0 tagged 01-14 15:00.
const BRANCH = ["2026-01-12T09:00:00+01:00", "2026-01-12T10:00:00+01:00", "2026-01-12T11:00:00+01:00", "2026-01-12T12:00:00+01:00"];
const MERGED = "2026-01-13T15:00:00+01:00";
const RELEASE = "2026-01-14T15:00:00+01:00";

function base(repo: GitRepo) {
  repo.commit("init", { at: "2026-01-05T09:00:00+01:00" });
  repo.annotatedTag("v1.0.0", { at: "2026-01-05T10:00:00+01:00" });
}

/** The same PR reaching main by a merge commit, or squashed (an interactive-rebase squash keeps the first commit's author time). */
const strategies: Record<string, (repo: GitRepo) => void> = {
  merge(repo) {
    base(repo);
    repo.git(["checkout", "-q", "-b", "feature"]);
    BRANCH.forEach((t, i) => repo.commit(`feature part ${i}`, { at: t }));
    repo.git(["checkout", "-q", "main"]);
    repo.commit("docs: typo", { at: "2026-01-14T09:00:00+01:00" });
    repo.merge("feature", "Merge pull request #7 from dev/feature", { at: MERGED });
  },
  squash(repo) {
    base(repo);
    repo.commit("Add the feature (#7)", { at: MERGED, authoredAt: BRANCH[0] });
    repo.commit("docs: typo", { at: "2026-01-14T09:00:00+01:00" });
  },
};

describe("local git: a merged PR is one lead-time unit whatever its merge strategy", () => {
  it("merge commit and squash give the same lead-time rows; a commit without a PR is its own unit", () =>
    withTempDir(async (tmp) => {
      const results: Record<string, Row[]> = {};
      for (const [name, build] of Object.entries(strategies)) {
        const repo = gitRepo(join(tmp, name));
        build(repo);
        repo.annotatedTag("v1.1.0", { at: RELEASE });
        await withMemoryWarehouse(async (w) => {
          await collectAndTransform(w, ctxFor(w, { shop: { git: [repo.dir] } }));
          results[name] = await w.all<Row>(
            `SELECT pr_id IS NOT NULL AS is_pr, commits, start_at::VARCHAR AS start_at, deployed_at::VARCHAR AS deployed_at, lead_time_hours, deploy_hours
             FROM metrics.lead_time_items ORDER BY lead_time_hours`,
          );
          const unitCommits = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM metrics.lead_time_commit_items");
          // merge: 4 branch commits + the merge commit + the typo fix; squash: the squash commit + the typo fix
          expect(unitCommits!.n).toBe(name === "merge" ? 6 : 2);
        });
      }
      // typo fix: 01-14 15:00 − 09:00 = 6 h. PR #7: 01-14 15:00 − 01-12 09:00 = 54 h, of which 24 h from merge to release.
      const expected = [
        { is_pr: false, commits: 1, start_at: "2026-01-14 08:00:00+00", deployed_at: "2026-01-14 14:00:00+00", lead_time_hours: 6, deploy_hours: null },
        { is_pr: true, commits: results.merge![1]!.commits, start_at: "2026-01-12 08:00:00+00", deployed_at: "2026-01-14 14:00:00+00", lead_time_hours: 54, deploy_hours: 24 },
      ];
      expect(results.merge).toEqual(expected);
      expect(results.merge![1]!.commits).toBe(5);
      expect(results.squash).toEqual([expected[0], { ...expected[1], commits: 1 }]);
    }));
});
