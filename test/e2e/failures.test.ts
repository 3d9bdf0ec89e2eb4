import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { withTempDir } from "../helpers/db.ts";
import { gitRepo } from "../helpers/git-repo.ts";

const BIN = resolve("bin/dora.js");
// each case starts the CLI a few times (about 2 s each on an idle machine)
const SLOW = 120_000;

function dora(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "true" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

const config = (services: string, extra = "") =>
  `timezone: Europe/Berlin\nwarehouse: data/warehouse.duckdb\nplan:\n  start: 2026-01-01\n  months: 6\n${extra}services:\n${services}\nsources:\n  git: {}\n`;

/** A clone with two release tags, so a collect writes rows. */
function releasedRepo(dir: string) {
  const repo = gitRepo(dir);
  repo.commit("init", { at: "2026-01-05T09:00:00+01:00" });
  repo.annotatedTag("v1.0.0", { at: "2026-01-05T10:00:00+01:00" });
  repo.commit("feature", { at: "2026-01-06T09:00:00+01:00" });
  repo.annotatedTag("v1.1.0", { at: "2026-01-07T10:00:00+01:00" });
  return repo;
}

describe("failures that look like success now look like failures", () => {
  it("a configured git path that does not exist fails `dora collect` (exit 1) naming the path", () =>
    withTempDir(async (dir) => {
      const missing = join(dir, "no-such-clone");
      writeFileSync(join(dir, "dora.config.yaml"), config(`  api:\n    git: [${missing}]`));
      const r = dora(["collect"], dir);
      expect(r.code).toBe(1);
      expect(r.all).toContain(`${missing} does not exist`);
    }), SLOW);

  it("`dora report` before `dora transform` exits 2 naming `dora transform`; on a missing warehouse it says so in one line", () =>
    withTempDir(async (dir) => {
      releasedRepo(join(dir, "shop"));
      writeFileSync(join(dir, "dora.config.yaml"), config(`  api:\n    git: [${join(dir, "shop")}]`));
      const none = dora(["report"], dir);
      expect(none.code).toBe(2);
      expect(none.stderr.trim().split("\n")).toHaveLength(1);
      expect(none.stderr).toMatch(/warehouse .*warehouse\.duckdb does not exist: run `dora collect` and `dora transform` first/);
      expect(none.stderr).not.toMatch(/IO Error/);

      expect(dora(["collect"], dir).code).toBe(0);
      const early = dora(["report"], dir);
      expect(early.code).toBe(2);
      expect(early.stderr).toContain("has no metrics yet: run `dora transform` first");
      expect(existsSync(join(dir, "report", "index.html"))).toBe(false);

      expect(dora(["transform"], dir).code).toBe(0);
      const after = dora(["report", "--no-pdf"], dir);
      expect(after.code, after.all).toBe(0);
      expect(existsSync(join(dir, "report", "index.html"))).toBe(true);
    }), 300_000);

  it("`dora transform` on a warehouse with no collected rows warns naming `dora collect`", () =>
    withTempDir(async (dir) => {
      mkdirSync(join(dir, "shop"));
      writeFileSync(join(dir, "dora.config.yaml"), config("  api: {}"));
      const r = dora(["transform"], dir);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("no collected rows");
      expect(r.stderr).toContain("run `dora collect`");
    }), SLOW);

  it("`dora sql` on a missing warehouse: one clear line, exit 2", () =>
    withTempDir(async (dir) => {
      const r = dora(["sql", "--warehouse", join(dir, "nope.duckdb"), "SELECT 1"], dir);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("nope.duckdb does not exist");
    }), SLOW);

  it("`dora doctor` exits 2 for a config error, and warns (with the fix) about a tag pattern matching no tag, a plan in the future, a milestone outside the plan", () =>
    withTempDir(async (dir) => {
      writeFileSync(join(dir, "dora.config.yaml"), "plan:\n  strat: 2026-01-01\nservices: {}\n");
      const bad = dora(["doctor"], dir);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toMatch(/FAIL\s+config/);

      const repo = releasedRepo(join(dir, "shop"));
      repo.lightweightTag("release-2026-01");
      writeFileSync(
        join(dir, "dora.config.yaml"),
        `timezone: Europe/Berlin\nwarehouse: data/warehouse.duckdb\nplan:\n  start: 2999-01-01\n  months: 6\n  milestones:\n    - { date: 2998-05-01, label: Canary }\nservices:\n  api:\n    git: [${repo.dir}]\nsources:\n  git: { tag_pattern: '^release/' }\n`,
      );
      const r = dora(["doctor"], dir);
      expect(r.stdout).toMatch(/WARN\s+plan\s+plan\.start 2999-01-01 is in the future/);
      expect(r.stdout).toMatch(/WARN\s+plan\s+plan\.milestones\[0\] "Canary" \(2998-05-01\) lies outside the plan/);
      expect(r.stdout).toMatch(/WARN\s+git\s+tag_pattern \/\^release\\\/\/ of api matches none of the 3 tags/);
      expect(r.stdout).toContain("change sources.git.tag_pattern (or the entry's tag_pattern) to match the release tags");
    }), SLOW);
});
