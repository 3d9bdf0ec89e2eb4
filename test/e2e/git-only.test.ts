/**
 * User path: a team with nothing but a local git clone runs `dora run` (collect → transform → report,
 * PDF included). Everything git cannot see — time to restore, time to acknowledge, pages, latency,
 * availability, pipeline time — must read "not measured" with the config key that would measure it, in
 * index.html, slides.html, report.pdf and data/comparison.csv: never 0 %, never a DORA tier. Change
 * failure rate, read from rollbacks and hotfixes alone, says so everywhere it is shown.
 */
import { execFile, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { withTempDir } from "../helpers/db.ts";
import { gitRepo } from "../helpers/git-repo.ts";
import { visibleText as text } from "../helpers/html-text.ts";

vi.setConfig({ testTimeout: 300_000 });

const BIN = resolve("bin/dora.js");
const DAY = 86_400_000;

/**
 * Every third day from 2 Jan 2026 a release of two commits; every fourth one is followed three hours
 * later by a release of a hotfix commit alone (rework), which marks the release before it failed.
 */
function makeRepo(dir: string): void {
  const repo = gitRepo(dir);
  const start = Date.UTC(2026, 0, 1);
  let release = 0;
  for (let d = 1; d < 180; d += 3) {
    const at = (hour: number) => new Date(start + d * DAY + hour * 3_600_000).toISOString().replace(".000Z", "Z");
    release++;
    repo.commit(`feat: change ${release}`, { at: at(9) });
    repo.commit(`feat: more of ${release}`, { at: at(11) });
    repo.annotatedTag(`v1.${release}.0`, { at: at(15) });
    if (release % 4 === 0) {
      repo.commit(`fix: crash on empty cart (${release})`, { at: at(17) });
      repo.annotatedTag(`v1.${release}.1`, { at: at(18) });
    }
  }
}

const CONFIG = `warehouse: warehouse.duckdb
plan:
  start: 2026-01-01
  months: 6
report:
  as_of: 2026-06-30
services:
  shop:
    git: [./repo]
sources:
  git:
    tag_pattern: '^v\\d+\\.\\d+\\.\\d+$'
`;

/** The summary card of one metric, as text. */
function card(html: string, metric: string): string {
  const m = new RegExp(`<article class="card [^"]*" data-metric="${metric}"[\\s\\S]*?</article>`).exec(html);
  expect(m, `card ${metric}`).not.toBeNull();
  return text(m![0]);
}

/** One RFC 4180 line into its fields (quoted fields may hold commas and doubled quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  const re = /("((?:[^"]|"")*)"|[^,]*)(,|$)/g;
  for (let m = re.exec(line); m && m.index < line.length; m = re.exec(line)) {
    out.push(m[2] !== undefined ? m[2].replaceAll('""', '"') : m[1]!);
    if (m[3] === "") break;
  }
  return out;
}

const UNMEASURED: [metric: string, key: string][] = [
  ["time_to_restore", "sources.pagerduty with services.<service>.pagerduty"],
  ["time_to_acknowledge", "sources.pagerduty with services.<service>.pagerduty"],
  ["pages_per_week", "sources.pagerduty with services.<service>.pagerduty"],
  ["availability", "sources.prometheus with services.<service>.availability"],
  ["pipeline_time", "sources.github with services.<service>.github"],
];

describe("a config with only a git source", () => {
  it("reports what git cannot see as 'not measured' with its config key, in the page, slides, PDF and CSV", async () => {
    await withTempDir(async (dir) => {
      makeRepo(join(dir, "repo"));
      writeFileSync(join(dir, "dora.config.yaml"), CONFIG);
      const run = await promisify(execFile)(process.execPath, [BIN, "run"], { cwd: dir, encoding: "utf8", env: { ...process.env, CI: "true" } });
      expect(run.stdout.trim().split("\n").pop()).toBe(join(dir, "report", "index.html"));
      const index = readFileSync(join(dir, "report", "index.html"), "utf8");
      const slides = text(readFileSync(join(dir, "report", "slides.html"), "utf8"));
      const pdf = execFileSync("pdftotext", [join(dir, "report", "report.pdf"), "-"], { encoding: "utf8" }).replace(/\s+/g, " ");

      for (const [metric, key] of UNMEASURED) {
        const c = card(index, metric);
        expect(c, metric).toContain("Not measured");
        expect(c, metric).toContain(`not measured — configure ${key}`);
        expect(c, metric).not.toMatch(/\b0(\.0)? ?%|tier|insufficient data/i);
      }
      // the pages chart draws no weeks of zero pages, and its CSV holds no rows
      expect(text(index)).toContain("On-call load: pages per week Pages per week across all services");
      expect(readFileSync(join(dir, "report", "data", "oncall-load.csv"), "utf8").trim().split("\r\n")).toHaveLength(1);
      expect(text(index)).toMatch(/0 of 6 delivery and on-call measures improved clearly; .*3 are not measured \(no source configured\)/);
      // latency: no key path configured
      expect(text(index)).toContain("no key paths with latency are configured (services.<name>.latency)");

      // change failure rate: measured, from rollbacks and hotfixes only, and without a tier
      const cfr = card(index, "change_failure_rate");
      expect(cfr).toContain("Change failure rate (rollbacks and hotfixes only)");
      expect(cfr).not.toMatch(/tier/i);
      expect(cfr).toMatch(/Change failure rate \(rollbacks and hotfixes only\) (rose|fell|stayed)/);
      expect(cfr).not.toContain("0.0 % → 0.0 %"); // the hotfix releases do show failures

      // slides: the same words
      expect(slides).toContain("Median time to restore: not measured");
      expect(slides).toContain("Pages per week: not measured — configure sources.pagerduty");
      expect(slides).toContain("Change failure rate (rollbacks and hotfixes only)");
      expect(slides).not.toMatch(/Time to restore [^.]*tier/i);

      // the printed report
      expect(pdf).toContain("Change failure rate (rollbacks and hotfixes only)");
      // (cards print in two columns, so a sentence may be interleaved with its neighbour's)
      for (const noun of ["Median time to restore", "Median time to acknowledge", "Pages per week", "Availability", "p90 deployment pipeline time"]) {
        expect(pdf).toContain(`${noun}: not measured — configure`);
      }
      expect(pdf).toContain("0 of 6 delivery and on-call measures improved clearly; 3 show no clear change; 3 are not measured (no source configured).");

      // the CSV: a status column, empty values for what is not measured
      const [header, ...lines] = readFileSync(join(dir, "report", "data", "comparison.csv"), "utf8").trim().split("\r\n").map(csvFields);
      expect(header!.slice(0, 5)).toEqual(["metric", "service", "status", "verdict", "measured_by"]);
      const rows = lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i] ?? ""])));
      const valueColumns = header!.filter((h) => /value|change_pct|ci_|p_value|q_value|^n_|tier|target/.test(h));
      expect(valueColumns).toEqual(expect.arrayContaining(["baseline_value", "final_value", "n_baseline", "tier_final"]));
      for (const metric of ["time_to_restore", "time_to_acknowledge", "pages_per_week", "latency_p99", "availability", "pipeline_time", "after_hours_share"]) {
        const r = rows.find((x) => x.metric === metric && x.service === "*");
        expect(r, metric).toBeDefined();
        expect(r!.status, metric).toBe("not measured");
        expect(r!.verdict, metric).toBe("not measured");
        expect(r!.measured_by, metric).toMatch(/^sources\./);
        for (const c of valueColumns) expect(r![c], `${metric}.${c}`).toBe("");
      }
      const cfrRow = rows.find((x) => x.metric === "change_failure_rate" && x.service === "*");
      expect(cfrRow?.status).toBe("measured");
      expect(cfrRow?.measured_by).toMatch(/^rollbacks and hotfixes only; incidents from sources\.pagerduty/);
      expect(cfrRow?.tier_final).toBe("");
    });
  });
});
