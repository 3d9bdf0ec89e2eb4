import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rebuildFromRaw } from "../../../collectors/core/rebuild.ts";
import { collectSource, type RunContext } from "../../../collectors/core/runner.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { gitSource } from "../../../collectors/git/index.ts";
import { Config } from "../../../schemas/config.ts";
import { runTransforms } from "../../../transforms/run.ts";
import type { Row, Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse, withTempDir } from "../../helpers/db.ts";
import { gitRepo, type GitRepo } from "../../helpers/git-repo.ts";

function ctxFor(w: Warehouse, services: Record<string, unknown>, git: Record<string, unknown> = {}, lines: string[] = []): RunContext {
  return {
    config: Config.parse({ timezone: "Europe/Berlin", plan: { start: "2026-01-01", months: 6 }, services, sources: { git } }),
    log: createLogger({ write: (l) => lines.push(l) }),
    runId: "git-histories",
    requests: { count: 0 },
    warehouse: w,
  };
}

async function collectAndTransform(w: Warehouse, ctx: RunContext) {
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

describe("local git: release tags as real repositories have them", () => {
  it("monorepo tag families: each service gets its family's tags and the commits touching its paths; no tag counted twice in the all-services total", () =>
    withTempDir(async (tmp) => {
      const repo = gitRepo(join(tmp, "vite"));
      repo.commit("init vite", { at: "2026-01-05T09:00:00+01:00" }, "packages/vite/index.js");
      repo.commit("init create-vite", { at: "2026-01-05T09:30:00+01:00" }, "packages/create-vite/index.js");
      repo.annotatedTag("v6.0.0", { at: "2026-01-05T10:00:00+01:00" });
      repo.annotatedTag("create-vite@5.0.0", { at: "2026-01-05T10:00:00+01:00" });
      repo.commit("feat(vite): faster hmr", { at: "2026-01-06T09:00:00+01:00" }, "packages/vite/hmr.js");
      repo.commit("feat(create-vite): vue template", { at: "2026-01-06T10:00:00+01:00" }, "packages/create-vite/vue.js");
      repo.commit("docs: readme", { at: "2026-01-06T11:00:00+01:00" }, "README.md");
      repo.annotatedTag("v6.0.1", { at: "2026-01-07T10:00:00+01:00" });
      repo.commit("fix(create-vite): typo", { at: "2026-01-08T09:00:00+01:00" }, "packages/create-vite/vue.js");
      repo.annotatedTag("create-vite@5.1.0", { at: "2026-01-08T10:00:00+01:00" });
      const services = {
        vite: { git: [{ path: repo.dir, tag_pattern: "^v\\d", paths: ["packages/vite"] }] },
        "create-vite": { git: [{ path: repo.dir, tag_pattern: "^create-vite@", paths: ["packages/create-vite"] }] },
        // listed after vite with the default pattern: the v* tags are vite's already
        everything: { git: [repo.dir] },
      };
      await withMemoryWarehouse(async (w) => {
        await collectAndTransform(w, ctxFor(w, services));
        const deps = await w.all<Row>("SELECT service, ref FROM core.deployments ORDER BY service, finished_at");
        expect(deps).toEqual([
          { service: "create-vite", ref: "create-vite@5.0.0" },
          { service: "create-vite", ref: "create-vite@5.1.0" },
          { service: "vite", ref: "v6.0.0" },
          { service: "vite", ref: "v6.0.1" },
        ]);
        const changes = await w.all<Row>("SELECT service, title FROM core.changes ORDER BY service, committed_at");
        // create-vite@5.1.0 ships both create-vite commits since 5.0.0 (the vue template was not in a create-vite tag yet)
        expect(changes).toEqual([
          { service: "create-vite", title: "feat(create-vite): vue template" },
          { service: "create-vite", title: "fix(create-vite): typo" },
          { service: "vite", title: "feat(vite): faster hmr" },
        ]);
        const total = await w.one<{ n: number }>("SELECT sum(deployments)::INTEGER AS n FROM metrics.deployment_frequency WHERE grain = 'month' AND service = '*'");
        expect(total!.n).toBe(4);
      });
      // doctor: tags and commits per service, and why the third entry has none
      const ctx = await withMemoryWarehouse(async (w) => gitSource.check!(ctxFor(w, services)));
      const check = typeof ctx === "string" ? { detail: ctx, warnings: [] } : ctx;
      expect(check.detail).toContain(`vite: ${repo.dir} (packages/vite): 2 release tags, 2 commits`);
      expect(check.detail).toContain(`create-vite: ${repo.dir} (packages/create-vite): 2 release tags, 3 commits`);
      expect(check.detail).toContain(`everything: ${repo.dir}: 0 release tags, 0 commits`);
      expect(check.warnings.map((x) => x.fix)).toEqual(["give each service on this clone its own tag family: services.<name>.git: [{ path, tag_pattern, paths }]"]);
    }));

  it("two tags on one commit are one deployment (the earliest), the other in data quality; a lightweight tag's own commit has lead time 0; release commits do not hide a hotfix release", () =>
    withTempDir(async (tmp) => {
      const repo = gitRepo(join(tmp, "express"));
      repo.commit("init", { at: "2026-01-05T09:00:00+01:00" });
      repo.lightweightTag("4.15.0");
      repo.commit("feature", { at: "2026-01-06T09:00:00+01:00" });
      repo.commit("Bumped v4.16.0", { at: "2026-01-06T10:00:00+01:00" });
      // both lightweight: dated at the commit, which is also the release's own commit (lead time 0)
      repo.lightweightTag("4.16.0");
      repo.lightweightTag("v4.16.0");
      repo.commit("fix: crash on empty body", { at: "2026-01-07T09:00:00+01:00" });
      repo.commit("chore(release): 4.16.1 [skip ci]", { at: "2026-01-07T10:00:00+01:00" });
      repo.annotatedTag("4.16.1", { at: "2026-01-07T11:00:00+01:00" });
      await withMemoryWarehouse(async (w) => {
        await collectAndTransform(w, ctxFor(w, { express: { git: [repo.dir] } }));
        const deps = await w.all<Row>("SELECT ref, is_production, original_status, is_rework, is_rollback FROM core.deployments ORDER BY finished_at, ref");
        expect(deps).toEqual([
          { ref: "4.15.0", is_production: true, original_status: "tag", is_rework: false, is_rollback: false },
          { ref: "4.16.0", is_production: true, original_status: "tag", is_rework: false, is_rollback: false },
          { ref: "v4.16.0", is_production: false, original_status: "duplicate tag of 4.16.0", is_rework: false, is_rollback: false },
          // "fix: …" plus the release tool's own commit: a hotfix release
          { ref: "4.16.1", is_production: true, original_status: "annotated tag", is_rework: true, is_rollback: false },
        ]);
        const month = await w.one<{ n: number }>("SELECT deployments::INTEGER AS n FROM metrics.deployment_frequency WHERE grain = 'month' AND period_start = '2026-01-01' AND service = 'express'");
        expect(month!.n).toBe(3);
        const dq = await w.one<Row>("SELECT failing_rows::INTEGER AS failing, total_rows::INTEGER AS total FROM metrics.data_quality WHERE check_name = 'duplicate_release_tags'");
        expect(dq).toEqual({ failing: 1, total: 4 });
        // "Bumped v4.16.0" is the tagged commit of a lightweight tag: 0 h, a valid value
        const items = await w.all<Row>("SELECT c.title, l.lead_time_hours FROM metrics.lead_time_items l JOIN core.changes c USING (change_id) ORDER BY c.committed_at");
        expect(items).toEqual([
          { title: "feature", lead_time_hours: 1 },
          { title: "Bumped v4.16.0", lead_time_hours: 0 },
          { title: "fix: crash on empty body", lead_time_hours: 2 },
          { title: "chore(release): 4.16.1 [skip ci]", lead_time_hours: 1 },
        ]);
      });
    }));
});

describe("local git: dora rebuild reproduces core.* from the stored pages", () => {
  it("collect → rebuild --clean → every core.* table identical (collected_at aside): PR groups, duplicate tags, rollback, rework, path filters", () =>
    withTempDir(async (tmp) => {
      const repo = gitRepo(join(tmp, "mono"));
      strategies.merge!(repo);
      repo.lightweightTag("v1.1.0");
      repo.lightweightTag("1.1.0");
      repo.lightweightTag("api@1.0.0", "v1.0.0");
      repo.commit("fix: null check", { at: "2026-01-15T09:00:00+01:00" }, "packages/api/fix.js");
      repo.lightweightTag("api@1.1.0");
      repo.commit("chore(release): 1.1.1", { at: "2026-01-15T09:30:00+01:00" });
      repo.annotatedTag("v1.1.1", { at: "2026-01-15T10:00:00+01:00" });
      repo.annotatedTag("v1.1.2", { at: "2026-01-16T10:00:00+01:00" }, "v1.0.0^{commit}"); // back to 1.0.0: a rollback
      const services = { shop: { git: [repo.dir] }, api: { git: [{ path: repo.dir, tag_pattern: "^api@", paths: ["packages/api"] }] } };
      await withMemoryWarehouse(async (w) => {
        const ctx = ctxFor(w, services);
        await collectAndTransform(w, ctx);
        const tables = ["core.deployments", "core.changes", "core.pull_requests", "core.incidents"];
        const snapshot = async () => {
          const out: Record<string, unknown[]> = {};
          for (const t of tables) out[t] = await w.all(`SELECT * EXCLUDE (collected_at) FROM ${t} ORDER BY ALL`);
          return out;
        };
        const before = await snapshot();
        const flags = (before["core.deployments"] as Row[]).map((d) => [d.service, d.ref, d.is_production, d.is_rollback, d.is_rework]);
        expect(flags).toEqual(expect.arrayContaining([
          ["shop", "v1.1.0", false, false, false],
          ["shop", "v1.1.1", true, false, true],
          ["shop", "v1.1.2", true, true, false],
          // the api family's release ships only the fix touching packages/api
          ["api", "api@1.1.0", true, false, true],
        ]));
        expect((before["core.changes"] as Row[]).filter((c) => c.service === "api").map((c) => c.title)).toEqual(["fix: null check"]);
        expect((before["core.changes"] as Row[]).filter((c) => c.pr_id !== null)).toHaveLength(5);
        await rebuildFromRaw(w, ctx.config, [gitSource], ctx.log, { clean: true });
        expect(await snapshot()).toEqual(before);
      });
    }));
});
