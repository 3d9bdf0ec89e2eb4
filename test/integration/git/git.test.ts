import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectSource, type RunContext } from "../../../collectors/core/runner.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { gitSource } from "../../../collectors/git/index.ts";
import { Config } from "../../../schemas/config.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse, withTempDir } from "../../helpers/db.ts";

/** A real repository with fixed dates; every helper runs git with no shell. */
function makeRepo(dir: string) {
  mkdirSync(dir, { recursive: true });
  const env = (date: string) => ({
    ...process.env,
    GIT_AUTHOR_NAME: "Dev One", GIT_AUTHOR_EMAIL: "dev@example.com", GIT_COMMITTER_NAME: "Dev One", GIT_COMMITTER_EMAIL: "dev@example.com",
    GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_CONFIG_NOSYSTEM: "1", HOME: dir,
  });
  const git = (args: string[], date = "2026-01-01T00:00:00Z") => execFileSync("git", ["-C", dir, ...args], { env: env(date), encoding: "utf8" }).trim();
  git(["init", "-q", "-b", "main"]);
  let n = 0;
  const commit = (message: string, date: string, authorDate?: string) => {
    writeFileSync(join(dir, `file${n++}.txt`), message);
    git(["add", "."], date);
    execFileSync("git", ["-C", dir, "commit", "-q", "-m", message], { env: { ...env(date), GIT_AUTHOR_DATE: authorDate ?? date } });
    return git(["rev-parse", "HEAD"]);
  };
  return { git, commit };
}

function ctxFor(w: Warehouse, services: Record<string, unknown>, lines: string[] = []): RunContext {
  return {
    config: Config.parse({ plan: { start: "2026-01-01" }, services, sources: { git: {} } }),
    log: createLogger({ write: (l) => lines.push(l) }),
    runId: "git-test",
    requests: { count: 0 },
    warehouse: w,
  };
}

describe("local git: release tags are deployments, the commits between them are changes", () => {
  it("annotated tag date else commit date; a commit dated after its tag; a merge commit; rollback, rework, incremental runs", () =>
    withTempDir(async (tmp) => {
      const dir = join(tmp, "shop");
      const { git, commit } = makeRepo(dir);
      commit("init", "2026-01-05T09:00:00+01:00");
      git(["tag", "v1.0.0"]); // lightweight: the commit's date
      commit("feature a", "2026-01-06T10:00:00+01:00", "2026-01-06T08:00:00+01:00");
      git(["checkout", "-q", "-b", "topic"]);
      const topic = commit("topic work", "2026-01-07T10:00:00+01:00");
      git(["checkout", "-q", "main"]);
      commit("feature b", "2026-01-07T11:00:00+01:00");
      git(["merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic"], "2026-01-08T09:00:00+01:00");
      const merge = git(["rev-parse", "HEAD"]);
      // Committed (clock skew, a rebase) two days after the annotated tag that ships it.
      const late = commit("fix: late clock", "2026-01-12T09:00:00+01:00");
      git(["tag", "-a", "v1.1.0", "-m", "release 1.1.0"], "2026-01-10T12:00:00+01:00");
      git(["tag", "not-a-release"]);
      commit('Revert "feature b"', "2026-01-13T09:00:00+01:00");
      git(["tag", "-a", "v1.2.0", "-m", "release 1.2.0"], "2026-01-13T10:00:00+01:00");
      // Production moved back to v1.0.0's commit.
      git(["tag", "-a", "v1.2.1", "-m", "back", "v1.0.0"], "2026-01-14T10:00:00+01:00");

      await withMemoryWarehouse(async (w) => {
        const lines: string[] = [];
        const result = await collectSource(gitSource, ctxFor(w, { shop: { git: [dir] } }, lines));
        expect(result.status, lines.join("\n")).toBe("success");
        expect(result.requests).toBe(0);
        const deps = await w.all<{ deployment_id: string; finished_at: Date; is_rollback: boolean; is_rework: boolean; original_status: string }>(
          "SELECT deployment_id, finished_at, is_rollback, is_rework, original_status FROM core.deployments ORDER BY finished_at",
        );
        expect(deps.map((d) => [d.deployment_id.split(":").pop(), d.finished_at.toISOString(), d.original_status, d.is_rollback, d.is_rework])).toEqual([
          ["v1.0.0", "2026-01-05T08:00:00.000Z", "tag", false, false],
          ["v1.1.0", "2026-01-10T11:00:00.000Z", "annotated tag", false, false],
          ["v1.2.0", "2026-01-13T09:00:00.000Z", "annotated tag", true, false],
          ["v1.2.1", "2026-01-14T09:00:00.000Z", "annotated tag", true, false],
        ]);
        expect(deps[0]!.deployment_id).toBe(`git:deployment:${dir}:v1.0.0`);

        const changes = await w.all<{ commit_sha: string; title: string; deployment_id: string; authored_at: Date; committed_at: Date }>(
          "SELECT commit_sha, title, deployment_id, authored_at, committed_at FROM core.changes ORDER BY committed_at",
        );
        const v11 = changes.filter((c) => c.deployment_id.endsWith(":v1.1.0"));
        // The merge commit and the branch commit it brought in belong to v1.1.0, and so does the commit
        // dated after the tag (its lead time is negative: kept, counted as a data-quality issue later).
        expect(v11.map((c) => c.title)).toEqual(["feature a", "topic work", "feature b", "Merge branch 'topic'", "fix: late clock"]);
        expect(v11.map((c) => c.commit_sha)).toEqual(expect.arrayContaining([topic, merge, late]));
        expect(v11[0]!.authored_at.toISOString()).toBe("2026-01-06T07:00:00.000Z");
        expect(v11.at(-1)!.committed_at > deps[1]!.finished_at).toBe(true);
        expect(changes.filter((c) => c.deployment_id.endsWith(":v1.2.0")).map((c) => c.title)).toEqual(['Revert "feature b"']);
        expect(changes.some((c) => c.deployment_id.endsWith(":v1.2.1"))).toBe(false);
        expect(changes).toHaveLength(6);

        // A second run changes nothing.
        const before = await w.all("SELECT * EXCLUDE (collected_at) FROM core.changes ORDER BY change_id");
        await collectSource(gitSource, ctxFor(w, { shop: { git: [dir] } }));
        expect(await w.all("SELECT * EXCLUDE (collected_at) FROM core.changes ORDER BY change_id")).toEqual(before);
        expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(4);

        // A new tag later: only it is read past the cursor, and it ships only the new commit.
        commit("feature c", "2026-01-20T09:00:00+01:00");
        git(["tag", "v1.3.0"]);
        await collectSource(gitSource, ctxFor(w, { shop: { git: [dir] } }));
        const c = await w.all<{ title: string }>("SELECT title FROM core.changes WHERE deployment_id LIKE '%:v1.3.0'");
        // Everything since v1.2.0 except what v1.2.0 shipped: v1.2.1 went back, v1.3.0 ships "feature c".
        expect(c.map((x) => x.title)).toEqual(["feature c"]);
        // A release of fixes only is rework.
        commit("hotfix: null check", "2026-01-21T09:00:00+01:00");
        git(["tag", "v1.3.1"]);
        await collectSource(gitSource, ctxFor(w, { shop: { git: [dir] } }));
        const flags = await w.all<{ ref: string; is_rework: boolean }>("SELECT ref, is_rework FROM core.deployments WHERE ref IN ('v1.3.0', 'v1.3.1') ORDER BY ref");
        expect(flags).toEqual([{ ref: "v1.3.0", is_rework: false }, { ref: "v1.3.1", is_rework: true }]);
      });
    }));

  it.each([
    ["a folder that is not a repository", (tmp: string) => { const d = join(tmp, "nope"); mkdirSync(d); return d; }, /is not a git repository/],
    ["a path that does not exist", (tmp: string) => join(tmp, "missing"), /does not exist/],
  ])("%s fails the source naming the path (not success with 0 rows)", (_name, make, reason) =>
    withTempDir(async (tmp) => {
      const bad = make(tmp);
      await withMemoryWarehouse(async (w) => {
        const lines: string[] = [];
        const result = await collectSource(gitSource, ctxFor(w, { a: { git: [bad] } }, lines));
        expect(result.status).toBe("failure");
        expect(result.error).toContain(bad);
        expect(result.error).toMatch(reason);
        expect((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.deployments"))!.n).toBe(0);
      });
    }));
});
