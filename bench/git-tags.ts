// A local clone with 10,000 release tags (some projects tag nearly every merge): `dora collect
// --source git` + `dora transform` on it, against a plain script computing the same attribution
// (each tag's commits = reachable from it and from no earlier tag) with git rev-list.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Warehouse } from "../warehouse/warehouse.ts";
import { measure, type Benchmark, type Figure } from "./harness.ts";

const BIN = resolve("bin/dora.js");
const PLAIN = resolve("bench/git-tags-plain.mjs");
const TAGS = Number(process.env.BENCH_GIT_TAGS ?? 10_000);

/**
 * A `git fast-import` stream: per release two commits on main, every fifth release also a pull
 * request (two branch commits and a `Merge pull request #N` merge); every third tag annotated, the
 * others lightweight. One hour between commits from 2023-01-02.
 */
export function tagHistory(tags: number): string {
  const out: string[] = [];
  let mark = 0;
  let t = Date.UTC(2023, 0, 2) / 1000;
  let main: number | undefined;
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const commit = (ref: string, subject: string, from: number | undefined, merge?: number) => {
    t += 3600;
    const m = ++mark;
    out.push(
      `commit ${ref}\nmark :${m}\nauthor Dev <dev@example.com> ${t} +0000\ncommitter Dev <dev@example.com> ${t} +0000\n${data(subject)}` +
        (from ? `from :${from}\n` : "") + (merge ? `merge :${merge}\n` : "") + `M 644 inline src/f${m % 97}.txt\n${data(`${m}`)}`,
    );
    return m;
  };
  for (let i = 0; i < tags; i++) {
    if (i % 5 === 4) {
      let topic = commit("refs/heads/topic", `work ${i} a`, main);
      topic = commit("refs/heads/topic", `work ${i} b`, topic);
      main = commit("refs/heads/main", `Merge pull request #${i} from dev/topic`, main, topic);
    }
    main = commit("refs/heads/main", `change ${i} a`, main);
    main = commit("refs/heads/main", `change ${i} b`, main);
    const name = `v1.${Math.floor(i / 100)}.${i % 100}`;
    if (i % 3 === 0) out.push(`tag ${name}\nfrom :${main}\ntagger Dev <dev@example.com> ${t + 60} +0000\n${data(`release ${name}`)}`);
    else out.push(`reset refs/tags/${name}\nfrom :${main}\n\n`);
  }
  return out.join("");
}

export const gitTagsBench: Benchmark = {
  name: "local git: 10,000 release tags",
  description: `A generated clone (git fast-import) with ${TAGS.toLocaleString("en")} release tags, ${(TAGS * 2.8).toLocaleString("en")} commits (a pull-request merge every fifth release): \`dora collect --source git\` and \`dora transform\` (CLI, on-disk warehouse), against bench/git-tags-plain.mjs, the same attribution in one \`git rev-list --parents\` plus a walk, and the shell way (\`git rev-list tag ^previous-tag\` per tag). Median of 3 runs for the script; one run of dora and of the shell loop.`,
  run: async () => {
    const dir = mkdtempSync(join(tmpdir(), "dora-bench-git-"));
    try {
      const clone = join(dir, "repo");
      execFileSync("git", ["init", "-q", "-b", "main", clone]);
      execFileSync("git", ["-C", clone, "fast-import", "--quiet"], { input: tagHistory(TAGS), maxBuffer: 1 << 30 });
      writeFileSync(
        join(dir, "dora.config.yaml"),
        `warehouse: ${join(dir, "warehouse.duckdb")}\nplan:\n  start: 2023-01-01\n  months: 48\nservices:\n  app:\n    git: [${clone}]\nsources:\n  git: { tag_pattern: '^v1\\.' }\n`,
      );
      const env = { CI: "true" };
      const collect = await measure(process.execPath, [BIN, "collect", "--source", "git", "--quiet"], { cwd: dir, env });
      if (collect.code !== 0) throw new Error(`dora collect failed: ${collect.stderr}`);
      const transform = await measure(process.execPath, [BIN, "transform", "--quiet"], { cwd: dir, env });
      if (transform.code !== 0) throw new Error(`dora transform failed: ${transform.stderr}`);

      const plainRuns: number[] = [];
      let plainOut = "";
      for (let i = 0; i < 3; i++) {
        const r = await measure(process.execPath, [PLAIN, clone, "^v1\\."], { cwd: dir });
        if (r.code !== 0) throw new Error(`plain script failed: ${r.stderr}`);
        plainRuns.push(r.ms);
        plainOut = r.stdout;
      }
      const plain = plainRuns.sort((a, b) => a - b)[1]! / 1000;
      const shell = await measure("bash", ["-c", `prev=; for t in $(git -C "$1" tag --list 'v1.*' --sort=creatordate); do if [ -n "$prev" ]; then git -C "$1" rev-list --count "$t" "^$prev" >/dev/null; fi; prev=$t; done`, "_", clone], { cwd: dir });

      // Same attribution: commits per tag from dora's warehouse equal the plain script's.
      const w = await Warehouse.open(join(dir, "warehouse.duckdb"), { readOnly: true });
      let same: boolean;
      let changes: number;
      try {
        const rows = await w.all<{ ref: string; n: number }>(
          `SELECT d.ref, count(c.change_id)::INTEGER AS n FROM core.deployments d LEFT JOIN core.changes c USING (deployment_id) GROUP BY d.ref`,
        );
        changes = rows.reduce((s, r) => s + r.n, 0);
        const expected = new Map(plainOut.trim().split("\n").map((l) => l.split(" ") as [string, string]).map(([tag, n]) => [tag, Number(n)]));
        same = rows.length === expected.size && rows.every((r) => expected.get(r.ref) === r.n);
      } finally {
        w.close();
      }
      const collectS = collect.ms / 1000;
      const total = collectS + transform.ms / 1000;
      const figures: Figure[] = [
        { name: "dora collect --source git", value: collectS, unit: "s" },
        { name: "dora transform", value: transform.ms / 1000, unit: "s" },
        { name: "collect + transform", value: total, unit: "s", goal: "< 60 s", met: total < 60 },
        { name: "peak RSS, collect", value: collect.maxRssMb, unit: "MB" },
        { name: "changes attributed (equal to the plain script's, per tag)", value: changes, unit: same ? "rows, same" : "rows, DIFFERENT", met: same },
        { name: "plain script: one git rev-list --parents + walk (median of 3)", value: plain, unit: "s" },
        { name: "ratio dora collect / plain script", value: collectS / plain, unit: "×", goal: "≤ 1.5×", met: collectS / plain <= 1.5 },
        { name: "shell loop: git rev-list tag ^previous per tag", value: shell.ms / 1000, unit: "s" },
        { name: "ratio dora collect / shell loop", value: collectS / (shell.ms / 1000), unit: "×", goal: "≤ 1.5×", met: collectS / (shell.ms / 1000) <= 1.5 },
      ];
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
