import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectSource, type RunContext } from "../../../collectors/core/runner.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { gitSource } from "../../../collectors/git/index.ts";
import type { SourceCheck } from "../../../collectors/core/stream.ts";
import { Config } from "../../../schemas/config.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { Warehouse, type Row } from "../../../warehouse/warehouse.ts";
import { withTempDir } from "../../helpers/db.ts";
import { gitRepo, type GitRepo } from "../../helpers/git-repo.ts";

function ctxFor(w: Warehouse, dir: string, lines: string[]): RunContext {
  return {
    config: Config.parse({ timezone: "Europe/Berlin", plan: { start: "2026-01-01", months: 6 }, services: { shop: { git: [dir] } }, sources: { git: {} } }),
    log: createLogger({ write: (l) => lines.push(l) }),
    runId: "git-merges-and-tag-chains",
    requests: { count: 0 },
    warehouse: w,
  };
}

/** collect + transform into a DuckDB file on disk; `read` runs on the warehouse before it is closed. */
async function collected<T>(file: string, repo: GitRepo, read: (w: Warehouse, log: string[]) => Promise<T>): Promise<T> {
  const w = await Warehouse.open(file);
  try {
    const lines: string[] = [];
    const ctx = ctxFor(w, repo.dir, lines);
    const result = await collectSource(gitSource, ctx);
    expect(result.status, lines.join("\n")).toBe("success");
    await runTransforms(w, ctx.config);
    return await read(w, lines);
  } finally {
    w.close();
  }
}

/** Lead-time units with the PR number (or null) and the unit's commit titles. */
async function units(w: Warehouse): Promise<Row[]> {
  return w.all<Row>(
    `SELECT regexp_extract(l.pr_id, '(\\d+)$')::INTEGER AS pr, l.commits, l.start_at::VARCHAR AS start_at, l.deployed_at::VARCHAR AS deployed_at, l.lead_time_hours,
            list(c.title ORDER BY c.committed_at, c.title) AS titles
       FROM metrics.lead_time_items l
       JOIN core.changes c ON coalesce(c.pr_id, c.change_id) = l.change_id
      GROUP BY ALL ORDER BY start_at, pr`,
  );
}

const nested = (repo: GitRepo, args: string[], when: { at: string }) => repo.git(["-c", "advice.nestedTag=false", ...args], when);

function base(repo: GitRepo) {
  repo.commit("init", { at: "2026-01-05T09:00:00+01:00" });
  repo.annotatedTag("v1.0.0", { at: "2026-01-05T10:00:00+01:00" });
}

// PR #7: three commits authored 01-12 09:00–11:00 (+01:00), reaching main 01-13; v1.1.0 tagged 01-14 15:00.
const AUTHORED = ["2026-01-12T09:00:00+01:00", "2026-01-12T10:00:00+01:00", "2026-01-12T11:00:00+01:00"];
const MERGED = "2026-01-13T15:00:00+01:00";
const RELEASE = "2026-01-14T15:00:00+01:00";

const strategies: Record<string, (repo: GitRepo) => void> = {
  merge(repo) {
    repo.git(["checkout", "-q", "-b", "feature"]);
    AUTHORED.forEach((t, i) => repo.commit(`feature part ${i}`, { at: t }));
    repo.git(["checkout", "-q", "main"]);
    repo.merge("feature", "Merge pull request #7 from dev/feature", { at: MERGED });
  },
  squash(repo) {
    // GitHub's squash commit keeps the first commit's author time
    repo.commit("Add the feature (#7)", { at: MERGED, authoredAt: AUTHORED[0] });
  },
  rebase(repo) {
    // GitHub's "rebase and merge" (or a local rebase) keeps each commit's author time, sets a new
    // committer time, and leaves no PR number anywhere in the history
    const committed = ["2026-01-13T13:00:00+01:00", "2026-01-13T14:00:00+01:00", MERGED];
    AUTHORED.forEach((t, i) => repo.commit(`feature part ${i}`, { at: committed[i]!, authoredAt: t }));
  },
};

describe("local git: lead-time units by merge strategy (collect + transform into a DuckDB file)", () => {
  it("merge commit and squash: one unit, the PR, from its first authored commit; rebase: one unit per commit, each from its committed time", () =>
    withTempDir(async (tmp) => {
      const got: Record<string, Row[]> = {};
      for (const [name, build] of Object.entries(strategies)) {
        const repo = gitRepo(join(tmp, name));
        base(repo);
        build(repo);
        repo.annotatedTag("v1.1.0", { at: RELEASE });
        got[name] = await collected(join(tmp, `${name}.duckdb`), repo, async (w) => {
          if (name === "rebase") {
            // the author times survive the rebase; they are not the start of a change without a PR
            const times = await w.all<Row>("SELECT authored_at::VARCHAR AS authored, committed_at::VARCHAR AS committed, pr_id FROM core.changes ORDER BY committed_at");
            expect(times.map((t) => [t.authored, t.committed, t.pr_id])).toEqual([
              ["2026-01-12 08:00:00+00", "2026-01-13 12:00:00+00", null],
              ["2026-01-12 09:00:00+00", "2026-01-13 13:00:00+00", null],
              ["2026-01-12 10:00:00+00", "2026-01-13 14:00:00+00", null],
            ]);
          }
          return units(w);
        });
      }
      const pr = { pr: 7, start_at: "2026-01-12 08:00:00+00", deployed_at: "2026-01-14 14:00:00+00", lead_time_hours: 54 };
      expect(got.merge).toEqual([{ ...pr, commits: 4, titles: ["feature part 0", "feature part 1", "feature part 2", "Merge pull request #7 from dev/feature"] }]);
      expect(got.squash).toEqual([{ ...pr, commits: 1, titles: ["Add the feature (#7)"] }]);
      const own = (i: number, start: string, hours: number) => ({ pr: null, commits: 1, start_at: start, deployed_at: pr.deployed_at, lead_time_hours: hours, titles: [`feature part ${i}`] });
      expect(got.rebase).toEqual([own(0, "2026-01-13 12:00:00+00", 26), own(1, "2026-01-13 13:00:00+00", 25), own(2, "2026-01-13 14:00:00+00", 24)]);
    }));

  it("an octopus with GitHub's subject and a `Merge branch` merge are no PRs; a PR merged into another PR's branch counts with the outer one, even when its merge is dated later", () =>
    withTempDir(async (tmp) => {
      const repo = gitRepo(join(tmp, "shop"));
      base(repo);
      // GitHub never merges three parents: a subject copied onto an octopus is not a PR
      repo.git(["checkout", "-q", "-b", "a"]);
      repo.commit("octo a", { at: "2026-01-06T09:00:00+01:00" });
      repo.git(["checkout", "-q", "-b", "b", "main"]);
      repo.commit("octo b", { at: "2026-01-06T10:00:00+01:00" });
      repo.git(["checkout", "-q", "main"]);
      repo.git(["merge", "-q", "--no-ff", "-m", "Merge pull request #9 from dev/octo", "a", "b"], { at: "2026-01-06T11:00:00+01:00" });
      expect(repo.git(["log", "-1", "--format=%P"]).split(" ")).toHaveLength(3);
      repo.git(["checkout", "-q", "-b", "topic"]);
      repo.commit("topic work", { at: "2026-01-06T12:00:00+01:00" });
      repo.git(["checkout", "-q", "main"]);
      repo.merge("topic", "Merge branch 'topic'", { at: "2026-01-06T13:00:00+01:00" });
      // PR #12 merged into PR #11's branch, then #11 into main
      repo.git(["checkout", "-q", "-b", "outer"]);
      repo.commit("outer 1", { at: "2026-01-07T09:00:00+01:00" });
      repo.git(["checkout", "-q", "-b", "inner"]);
      repo.commit("inner 1", { at: "2026-01-07T10:00:00+01:00" });
      repo.git(["checkout", "-q", "outer"]);
      repo.merge("inner", "Merge pull request #12 from dev/inner", { at: "2026-01-07T11:00:00+01:00" });
      repo.commit("outer 2", { at: "2026-01-07T12:00:00+01:00" });
      repo.git(["checkout", "-q", "main"]);
      repo.merge("outer", "Merge pull request #11 from dev/outer", { at: "2026-01-07T13:00:00+01:00" });
      repo.annotatedTag("v1.1.0", { at: "2026-01-08T10:00:00+01:00" });
      // the same shape, the inner merge made on a machine whose clock ran a day ahead
      repo.git(["checkout", "-q", "-b", "outer2"]);
      repo.commit("outer2 1", { at: "2026-01-09T09:00:00+01:00" });
      repo.git(["checkout", "-q", "-b", "inner2"]);
      repo.commit("inner2 1", { at: "2026-01-09T10:00:00+01:00" });
      repo.git(["checkout", "-q", "outer2"]);
      repo.merge("inner2", "Merge pull request #14 from dev/inner2", { at: "2026-01-10T11:00:00+01:00" });
      repo.git(["checkout", "-q", "main"]);
      repo.merge("outer2", "Merge pull request #13 from dev/outer2", { at: "2026-01-09T13:00:00+01:00" });
      repo.annotatedTag("v1.2.0", { at: "2026-01-09T15:00:00+01:00" });

      const got = await collected(join(tmp, "shop.duckdb"), repo, units);
      const own = (title: string, start: string, hours: number) => ({ pr: null, commits: 1, start_at: start, deployed_at: "2026-01-08 09:00:00+00", lead_time_hours: hours, titles: [title] });
      expect(got).toEqual([
        own("octo a", "2026-01-06 08:00:00+00", 49),
        own("octo b", "2026-01-06 09:00:00+00", 48),
        own("Merge pull request #9 from dev/octo", "2026-01-06 10:00:00+00", 47),
        own("topic work", "2026-01-06 11:00:00+00", 46),
        own("Merge branch 'topic'", "2026-01-06 12:00:00+00", 45),
        {
          pr: 11, commits: 5, start_at: "2026-01-07 08:00:00+00", deployed_at: "2026-01-08 09:00:00+00", lead_time_hours: 25,
          titles: ["outer 1", "inner 1", "Merge pull request #12 from dev/inner", "outer 2", "Merge pull request #11 from dev/outer"],
        },
        {
          pr: 13, commits: 4, start_at: "2026-01-09 08:00:00+00", deployed_at: "2026-01-09 14:00:00+00", lead_time_hours: 6,
          titles: ["outer2 1", "inner2 1", "Merge pull request #13 from dev/outer2", "Merge pull request #14 from dev/inner2"],
        },
      ]);
    }));
});

describe("local git: a release tag that points at another tag", () => {
  it("one and two levels of annotated tags: a deployment of the commit at the bottom, dated by the outer tag; tags of a tree or a blob are skipped and named in the log and by doctor", () =>
    withTempDir(async (tmp) => {
      const repo = gitRepo(join(tmp, "shop"));
      base(repo);
      const feature = repo.commit("feature", { at: "2026-01-06T09:00:00+01:00" });
      // a release candidate promoted by tagging its tag (`git tag -a v1.1.0 v1.1.0-rc.1`)
      repo.annotatedTag("v1.1.0-rc.1", { at: "2026-01-06T10:00:00+01:00" });
      nested(repo, ["tag", "-a", "-m", "release 1.1.0", "v1.1.0", "v1.1.0-rc.1"], { at: "2026-01-07T10:00:00+01:00" });
      const fix = repo.commit("fix", { at: "2026-01-08T09:00:00+01:00" });
      repo.annotatedTag("v1.2.0-rc.1", { at: "2026-01-08T10:00:00+01:00" });
      nested(repo, ["tag", "-a", "-m", "rc 2", "v1.2.0-rc.2", "v1.2.0-rc.1"], { at: "2026-01-08T11:00:00+01:00" });
      nested(repo, ["tag", "-a", "-m", "release 1.2.0", "v1.2.0", "v1.2.0-rc.2"], { at: "2026-01-09T10:00:00+01:00" });
      expect(repo.git(["cat-file", "-t", "v1.2.0^{tag}^{object}"])).toBe("tag");
      // a tag object an old tool wrote without a tagger line, tagging a tag: dated by the commit
      const fix2 = repo.commit("fix 2", { at: "2026-01-09T12:00:00+01:00" });
      repo.annotatedTag("v1.2.1-rc.1", { at: "2026-01-09T13:00:00+01:00" });
      const untagged = `object ${repo.git(["rev-parse", "v1.2.1-rc.1"])}\ntype tag\ntag v1.2.1\n\nmade by an old tool\n`;
      repo.git(["update-ref", "refs/tags/v1.2.1", repo.git(["hash-object", "-t", "tag", "-w", "--stdin"], undefined, untagged)]);
      // release-shaped names on things that are not commits
      repo.annotatedTag("v1.3.0", { at: "2026-01-10T10:00:00+01:00" }, "HEAD^{tree}");
      repo.lightweightTag("v1.3.1", "HEAD:file0.txt");
      nested(repo, ["tag", "-a", "-m", "tag of a tree tag", "v1.3.2", "v1.3.0"], { at: "2026-01-10T11:00:00+01:00" });
      // not release-shaped: not named
      repo.annotatedTag("docs-tree", { at: "2026-01-10T12:00:00+01:00" }, "HEAD^{tree}");

      await collected(join(tmp, "shop.duckdb"), repo, async (w, log) => {
        const deps = await w.all<Row>("SELECT ref, commit_sha, finished_at::VARCHAR AS finished_at, original_status FROM core.deployments ORDER BY finished_at");
        expect(deps.map((d) => [d.ref, d.commit_sha, d.finished_at, d.original_status])).toEqual([
          ["v1.0.0", expect.any(String), "2026-01-05 09:00:00+00", "annotated tag"],
          ["v1.1.0", feature, "2026-01-07 09:00:00+00", "annotated tag"],
          ["v1.2.0", fix, "2026-01-09 09:00:00+00", "annotated tag"],
          ["v1.2.1", fix2, "2026-01-09 11:00:00+00", "annotated tag"],
        ]);
        const items = await w.all<Row>("SELECT c.title, l.lead_time_hours FROM metrics.lead_time_items l JOIN core.changes c USING (change_id) ORDER BY c.committed_at");
        expect(items).toEqual([{ title: "feature", lead_time_hours: 25 }, { title: "fix", lead_time_hours: 25 }, { title: "fix 2", lead_time_hours: 0 }]);
        const named = log.filter((l) => /not a commit/.test(l));
        expect(named).toHaveLength(1);
        expect(named.join("\n")).toMatch(/v1\.3\.0.*a tree/);
        expect(named.join("\n")).toMatch(/v1\.3\.1.*a blob/);
        expect(named.join("\n")).toMatch(/v1\.3\.2.*a tree/);
        expect(named.join("\n")).not.toContain("docs-tree");

        const check = (await gitSource.check!(ctxFor(w, repo.dir, []))) as SourceCheck;
        expect(check.detail).toContain(`shop: ${repo.dir}: 4 release tags, 4 commits`);
        const warned = check.warnings.filter((x) => /not a commit/.test(x.detail));
        expect(warned).toHaveLength(1);
        expect(warned[0]!.detail).toMatch(/v1\.3\.0.*v1\.3\.1.*v1\.3\.2/);
        expect(warned[0]!.fix).toMatch(/tag_pattern/);
      });
    }));
});
