import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { demoConfig, loadDemo } from "../../collectors/demo/index.ts";
import { runTransforms } from "../../transforms/run.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { parseConfig } from "../../schemas/load-config.ts";
import { withTempDir } from "../helpers/db.ts";

/** The warehouse contract (docs/architecture.md): tables and the columns every consumer relies on. */
const CONTRACT: Record<string, string[]> = {
  "core.deployments": ["deployment_id", "source", "service", "repo", "environment", "is_production", "commit_sha", "started_at", "finished_at", "status", "original_status", "is_rollback", "is_rework"],
  "core.changes": ["change_id", "deployment_id", "service", "commit_sha", "pr_id", "authored_at", "committed_at", "pr_first_commit_at", "pr_opened_at", "first_review_at", "merged_at"],
  "core.incidents": ["incident_id", "source", "service", "title", "urgency", "created_at", "acknowledged_at", "resolved_at", "status", "caused_by_deployment_id", "link_kind"],
  "core.latency_buckets": ["service", "route", "bucket_start", "le", "count"],
  "sync.cursors": ["stream", "partition", "cursor", "updated_at"],
  "sync.runs": ["run_id", "source", "started_at", "finished_at", "status", "rows", "requests", "error"],
  "metrics.deployment_frequency": ["grain", "period_start", "service"],
  "metrics.lead_time": ["grain", "period_start", "service"],
  "metrics.change_failure_rate": ["grain", "period_start", "service"],
  "metrics.time_to_restore": ["grain", "period_start", "service"],
  "metrics.rework_rate": ["grain", "period_start", "service"],
  "metrics.latency_p99": ["grain", "period_start", "service"],
  "metrics.slo": ["grain", "period_start", "service"],
  "metrics.oncall_load": ["grain", "period_start", "service"],
  "metrics.pdp_comparison": ["metric", "service", "baseline_value", "final_value", "change_pct", "better", "ci_low", "ci_high", "p_value", "n_baseline", "n_final", "tier_baseline", "tier_final", "verdict"],
};

async function metricSnapshot(w: Warehouse): Promise<Record<string, string>> {
  const tables = await w.all<{ t: string }>("SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() WHERE schema_name = 'metrics' ORDER BY 1");
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    if (t === "metrics.data_quality" || t === "metrics.transform_run") continue; // carry checked_at / finished_at
    // the trailing-28-day gauges end at the run's time (as_of); their values are still compared
    const columns = t === "metrics.dora_trailing" ? "* EXCLUDE (as_of)" : "*";
    const rows = await w.all(`SELECT ${columns} FROM ${t} ORDER BY ALL`);
    out[t] = JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? String(v) : v));
  }
  return out;
}

describe("dora demo", () => {
  it("builds a warehouse with the contract's tables and a report, and prints the report path", async () => {
    await withTempDir(async (dir) => {
      const r = spawnSync(process.execPath, [resolve("bin/dora.js"), "demo", "--out", "out", "--no-pdf"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, CI: "true" },
      });
      expect(r.status, r.stderr).toBe(0);
      const reportPath = join(dir, "out", "report", "index.html");
      expect(r.stdout.trim().split("\n").pop()).toBe(reportPath);
      expect(statSync(reportPath).size).toBeGreaterThan(10_000);
      expect(readFileSync(reportPath, "utf8")).toMatch(/<svg/);
      // The config it wrote reproduces the demo and is a valid config.
      const config = parseConfig(readFileSync(join(dir, "out", "dora.config.yaml"), "utf8"));
      expect(Object.keys(config.services)).toHaveLength(6);
      const w = await Warehouse.open(join(dir, "out", "warehouse.duckdb"), { readOnly: true });
      try {
        for (const [table, columns] of Object.entries(CONTRACT)) {
          const cols = (await w.columns(table)).map((c) => c.name);
          for (const c of columns) expect(cols, `${table}.${c}`).toContain(c);
        }
        for (const table of ["core.deployments", "core.changes", "core.incidents", "core.latency_buckets", "metrics.pdp_comparison", "metrics.deployment_frequency"]) {
          const n = (await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${table}`))!.n;
          expect(n, table).toBeGreaterThan(0);
        }
        const run = await w.one<{ status: string }>("SELECT status FROM sync.runs WHERE source = 'demo'");
        expect(run?.status).toBe("success");
        // The demo tells its story: the four keys improve from baseline to final, overall.
        const verdicts = await w.all<{ metric: string; better: boolean }>(
          "SELECT metric, better FROM metrics.pdp_comparison WHERE service = '*' AND metric IN ('deployment_frequency', 'lead_time', 'change_failure_rate', 'time_to_restore')",
        );
        expect(verdicts).toHaveLength(4);
        for (const v of verdicts) expect(v.better, v.metric).toBe(true);
      } finally {
        w.close();
      }
    });
  });

  it("same seed twice → identical metric tables; another seed → different ones", async () => {
    const build = async (seed: number) => {
      const config = demoConfig({ seed, services: 2 });
      const w = await Warehouse.open(":memory:");
      try {
        await loadDemo(w, config, { seed });
        await runTransforms(w, config, { fingerprint: "test" });
        return await metricSnapshot(w);
      } finally {
        w.close();
      }
    };
    const a = await build(7);
    const b = await build(7);
    expect(Object.keys(a).length).toBeGreaterThan(10);
    for (const table of Object.keys(a)) expect(b[table], table).toBe(a[table]);
    const c = await build(8);
    expect(c["metrics.deployment_frequency"]).not.toBe(a["metrics.deployment_frequency"]);
  });

  it("README's two set-up commands are the ones that work", () => {
    const readme = readFileSync("README.md", "utf8");
    expect(readme).toMatch(/npm ci && npx dora demo/);
    expect(readme).toMatch(/^npm test\b/m);
    expect(existsSync(".ci/run")).toBe(true);
    expect(readFileSync(".ci/run", "utf8")).toMatch(/npm ci[^\n]*\nnpm test/);
  });
});
