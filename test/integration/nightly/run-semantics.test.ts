/**
 * `dora run`, the nightly job: each source isolated, one sync.runs row per run and source, the
 * transform and report still produced when a source fails, and the Prometheus textfile telling an
 * SRE what happened (last success kept across a failed run).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTempDir } from "../../helpers/db.ts";
import { paymentsProject } from "../../sim/gitlab/fixtures.ts";
import { configYaml, dora, query, startSims, TOKENS_ENV, type Sims } from "./harness.ts";

let sims: Sims;
beforeAll(async () => {
  sims = await startSims();
});
afterAll(async () => {
  await sims?.close();
});

/** The samples of a Prometheus text exposition, by name{labels}. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** The summary table's row of a source: [source, status, rows, requests, duration, error]. */
function summaryRow(stdout: string, source: string): string[] | undefined {
  const line = stdout.split("\n").find((l) => l.startsWith(`${source} `));
  return line?.split(/\s{2,}/);
}

describe("dora run (collect → transform → report) as a nightly job", () => {
  it("isolates a failing source, logs one row per run and source, and keeps the last success in the textfile", { timeout: 180_000 }, async () => {
    await withTempDir(async (dir) => {
      const warehouse = join(dir, "warehouse.duckdb");
      const textfile = join(dir, "node_exporter", "dora.prom");
      const out = join(dir, "report");
      writeFileSync(join(dir, "dora.config.yaml"), configYaml({ warehouse, gitlabUrl: sims.gitlab.url, pagerdutyUrl: sims.pagerduty.url, textfile, reportOut: out }));

      // Night 1: everything answers.
      const first = await dora(["run", "--no-pdf"], dir, { env: TOKENS_ENV });
      expect(first.code, first.stderr).toBe(0);
      expect(summaryRow(first.stdout, "gitlab")?.[1]).toBe("success");
      expect(summaryRow(first.stdout, "pagerduty")?.[1]).toBe("success");
      expect(existsSync(join(out, "index.html"))).toBe(true);
      const m1 = samples(readFileSync(textfile, "utf8"));
      const gitlabRows1 = Number(summaryRow(first.stdout, "gitlab")![2]);
      const pagerdutyRows1 = Number(summaryRow(first.stdout, "pagerduty")![2]);
      expect(gitlabRows1).toBeGreaterThan(0);
      expect(m1.get('dora_source_up{source="gitlab"}')).toBe(1);
      expect(m1.get('dora_source_up{source="pagerduty"}')).toBe(1);
      expect(m1.get("dora_run_success")).toBe(1);
      expect(m1.get('dora_rows_collected_total{source="gitlab"}')).toBe(gitlabRows1);
      expect(m1.get('dora_rows_collected_total{source="pagerduty"}')).toBe(pagerdutyRows1);
      const lastSuccess1 = m1.get("dora_last_success_timestamp_seconds")!;
      // The end of night 1's collection: within the run.
      expect(lastSuccess1).toBeLessThanOrEqual(m1.get("dora_last_run_timestamp_seconds")!);
      expect(lastSuccess1).toBeGreaterThanOrEqual(m1.get("dora_last_run_timestamp_seconds")! - m1.get("dora_run_duration_seconds")!);
      expect(m1.get("dora_run_duration_seconds")).toBeGreaterThan(0);
      expect(m1.get("dora_run_duration_seconds")).toBeLessThanOrEqual(first.ms / 1000);

      // Night 2: GitLab has a new project; PagerDuty refuses every incident list (HTTP 400, not retried).
      sims.gitlab.state.projects.push(paymentsProject("acme/refunds", 11));
      writeFileSync(
        join(dir, "dora.config.yaml"),
        configYaml({ warehouse, gitlabUrl: sims.gitlab.url, gitlabProjects: ["acme/payments", "acme/big", "acme/refunds"], pagerdutyUrl: sims.pagerduty.url, textfile, reportOut: out }),
      );
      sims.pagerduty.state.faults.push({ path: "/log_entries", status: 400, times: 1000, body: { error: { message: "Invalid Input Provided", code: 2001 } } });
      rmSync(out, { recursive: true });
      const incidentsBefore = await query(warehouse, (w) => w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.incidents"));
      const second = await dora(["run", "--no-pdf"], dir, { env: TOKENS_ENV });
      sims.pagerduty.state.faults.length = 0;

      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toMatch(/dora: 1 of 2 sources failed: pagerduty/);
      const failedRow = summaryRow(second.stdout, "pagerduty")!;
      expect(failedRow[1]).toBe("failure");
      expect(failedRow[5]).toMatch(/pagerduty\.log_entries: .*400.*\/log_entries/);
      expect(summaryRow(second.stdout, "gitlab")?.[1]).toBe("success");
      // The other source's new rows are stored, the failing source's old rows kept.
      const stored = await query(warehouse, async (w) => ({
        refunds: (await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.deployments WHERE repo = 'acme/refunds'"))!.n,
        incidents: (await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.incidents"))!.n,
        metrics: (await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM metrics.deployment_frequency"))!.n,
        runs: await w.all<{ run_id: string; source: string; status: string; rows: number; error: string | null }>(
          "SELECT run_id, source, status, rows, error FROM sync.runs ORDER BY started_at, source",
        ),
      }));
      expect(stored.refunds).toBe(10);
      expect(stored.incidents).toBe(incidentsBefore!.n);
      expect(stored.incidents).toBe(30);
      // Transform and report still ran.
      expect(stored.metrics).toBeGreaterThan(0);
      expect(existsSync(join(out, "index.html"))).toBe(true);
      // One row per run and source.
      expect(stored.runs.map((r) => [r.source, r.status])).toEqual([
        ["gitlab", "success"],
        ["pagerduty", "success"],
        ["gitlab", "success"],
        ["pagerduty", "failure"],
      ]);
      expect(new Set(stored.runs.map((r) => r.run_id)).size).toBe(2);
      expect(stored.runs[3]!.error).toMatch(/400/);

      const m2 = samples(readFileSync(textfile, "utf8"));
      expect(m2.get("dora_run_success")).toBe(0);
      expect(m2.get('dora_source_up{source="gitlab"}')).toBe(1);
      expect(m2.get('dora_source_up{source="pagerduty"}')).toBe(0);
      // The last success is night 1's, unchanged: an alert on its age fires after two failed nights.
      expect(m2.get("dora_last_success_timestamp_seconds")).toBe(lastSuccess1);
      expect(m2.get("dora_last_run_timestamp_seconds")).toBeGreaterThan(lastSuccess1);
      expect(m2.get("dora_run_duration_seconds")).toBeGreaterThan(0);
      expect(m2.get('dora_rows_collected_total{source="gitlab"}')).toBe(gitlabRows1 + Number(summaryRow(second.stdout, "gitlab")![2]));
      expect(m2.get('dora_rows_collected_total{source="pagerduty"}')).toBe(pagerdutyRows1 + Number(failedRow[2]));

      // Night 3: every source answers but the report cannot be written (its folder is a file).
      // Not a success: the gauge stays at night 1, and night 4's failure must not count night 3 either.
      writeFileSync(join(dir, "blocker"), "");
      const third = await dora(["run", "--no-pdf", "--out", join(dir, "blocker", "report")], dir, { env: TOKENS_ENV });
      expect(third.code, third.stderr).toBe(1);
      expect(summaryRow(third.stdout, "pagerduty")?.[1]).toBe("success");
      expect(third.stderr).toMatch(/^dora: .*blocker/m);
      const m3 = samples(readFileSync(textfile, "utf8"));
      expect(m3.get("dora_run_success")).toBe(0);
      expect(m3.get("dora_last_success_timestamp_seconds")).toBe(lastSuccess1);
      const noted = await query(warehouse, (w) => w.all<{ error: string | null }>("SELECT error FROM sync.runs WHERE run_id = (SELECT run_id FROM sync.runs ORDER BY started_at DESC LIMIT 1)"));
      expect(noted.map((r) => r.error)).toEqual([expect.stringMatching(/blocker/), expect.stringMatching(/blocker/)]);
      console.log(`run-semantics: nights ${first.ms} / ${second.ms} / ${third.ms} ms; textfile after night 2:\n${readFileSync(textfile, "utf8")}`);
    });
  });
});
