import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { declaredInputs, plan, runTransforms } from "../../../transforms/run.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { deployment, incident, testConfig } from "./helpers.ts";

const TRANSFORMS = join(dirname(fileURLToPath(import.meta.url)), "../../../transforms");

/** `| \`metrics.x\` | a, b (note), c |` rows of transforms/README.md → table → column names. */
function documentedTables(): Map<string, string[]> {
  const readme = readFileSync(join(TRANSFORMS, "README.md"), "utf8");
  const out = new Map<string, string[]>();
  for (const m of readme.matchAll(/^\| `(metrics\.[a-z0-9_]+)` \| (.+) \|$/gm)) {
    const columns = m[2]!
      .replace(/\([^)]*\)/g, "") // notes such as "(resolved)" or "(`baseline`/`final`/NULL)"
      .replace(/ — see `interval_of`/g, "")
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean);
    out.set(m[1]!, columns);
  }
  return out;
}

/** Latency tables come from the Prometheus engineer's files; expect them only when those exist. */
function built(table: string): boolean {
  const name = table.split(".")[1]!;
  if (["latency_p99", "slo"].includes(name)) return existsSync(join(TRANSFORMS, "metrics", `${name}.sql`));
  return true;
}

describe("runTransforms", () => {
  it("builds every table of transforms/README.md with its documented columns, over a small hand-made warehouse", async () => {
    await withMemoryWarehouse(async (w) => {
      await w.upsert("core.deployments", [
        deployment("api", "2026-01-12T10:00:00Z", { deployment_id: "d1", commit_sha: "abc1234def" }),
        deployment("api", "2026-11-10T10:00:00Z", { deployment_id: "d2" }),
      ]);
      await w.upsert("core.changes", [{ change_id: "c1", source: "demo", service: "api", deployment_id: "d1", commit_sha: "abc1234def", committed_at: "2026-01-11T10:00:00Z" }]);
      await w.upsert("core.incidents", [incident("i1", "api", "2026-01-12T12:00:00Z", { title: "errors after abc1234", resolved_at: "2026-01-12T13:00:00Z" })]);
      const result = await runTransforms(w, testConfig());

      const tables = documentedTables();
      expect(tables.size).toBeGreaterThanOrEqual(12);
      for (const [table, columns] of tables) {
        if (!built(table)) continue;
        const actual = (await w.columns(table)).map((c) => c.name);
        expect({ table, columns: actual.slice(0, columns.length) }).toEqual({ table, columns });
      }
      // every step ran once and reported its rows; the checks filled metrics.data_quality
      expect(result.steps.map((s) => s.relation)).toEqual((await plan()).map((s) => s.relation));
      expect(result.checks.map((c) => c.check)).toEqual([
        "changes_never_deployed",
        "deployments_without_changes",
        "duplicate_release_tags",
        "incidents_resolved_before_created",
        "incidents_without_deployment",
        "negative_lead_times",
      ]);
      // the one incident names d1's commit; d2 shipped no recorded change
      expect(await w.one("SELECT caused_by_deployment_id, link_kind FROM metrics.incident_links")).toEqual({ caused_by_deployment_id: "d1", link_kind: "explicit" });
      expect(await w.one("SELECT failing_rows FROM metrics.data_quality WHERE check_name = 'deployments_without_changes'")).toEqual({ failing_rows: 1 });
    });
  });

  it("orders each file after the relations it reads, seeds first", async () => {
    const order = (await plan()).map((s) => s.relation);
    const before = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    before("seeds.dora_tiers", "metrics.pdp_comparison");
    before("intermediate.int_deployments", "intermediate.int_incident_links");
    before("intermediate.int_incident_links", "intermediate.int_deployment_failures");
    before("intermediate.int_incident_links", "metrics.incident_links");
    before("intermediate.int_deployment_failures", "metrics.change_failure_rate");
    before("metrics.restore_items", "metrics.pdp_comparison");
  });

  it("keeps layers one-way: staging and intermediate relations read no metrics.* relation", async () => {
    const upward = (await plan())
      .filter((s) => /^(staging|intermediate)\./.test(s.relation))
      .flatMap((s) => s.reads.filter((r) => r.startsWith("metrics.")).map((r) => `${s.relation} reads ${r}`));
    expect(upward).toEqual([]);
  });

  it("orders by the declared inputs and refuses a SQL file whose declaration does not match what it reads", async () => {
    const root = mkdtempSync(join(tmpdir(), "dora-plan-"));
    try {
      mkdirSync(join(root, "staging"));
      mkdirSync(join(root, "metrics"));
      const write = (file: string, inputs: string, sql: string) => writeFileSync(join(root, file), `-- grain: x\n-- inputs: ${inputs}.\n-- definition: x\n${sql}\n`);
      write("staging/stg_a.sql", "core.deployments", "SELECT * FROM core.deployments");
      write("metrics/m.sql", "staging.stg_a (notes are allowed), seeds.settings", "SELECT * FROM staging.stg_a CROSS JOIN seeds.settings");
      expect((await plan(root)).map((s) => [s.relation, s.reads])).toEqual([
        ["staging.stg_a", ["core.deployments"]],
        ["metrics.m", ["staging.stg_a", "seeds.settings"]],
      ]);
      // reads staging.stg_b without declaring it: it could run before stg_b is rebuilt
      write("metrics/m.sql", "staging.stg_a", "SELECT * FROM staging.stg_a JOIN staging.stg_b USING (id)");
      await expect(plan(root)).rejects.toThrow(/metrics[/\\]m\.sql.*not declared: staging\.stg_b/);
      write("metrics/m.sql", "staging.stg_a, staging.stg_old", "SELECT * FROM staging.stg_a");
      await expect(plan(root)).rejects.toThrow(/m\.sql.*declared but not read: staging\.stg_old/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    expect(() => declaredInputs("-- inputs: the deployments table.\nSELECT 1", "x.sql")).toThrow(/x\.sql: "-- inputs:" item "the deployments table"/);
    expect(() => declaredInputs("SELECT 1", "y.sql")).toThrow(/y\.sql has no "-- inputs:" header/);
    expect(declaredInputs("-- inputs: none (published data).\nSELECT 1")).toEqual([]);
  });

  it("leaves every relation as the last complete run built it when a later step fails", async () => {
    const root = mkdtempSync(join(tmpdir(), "dora-atomic-"));
    try {
      mkdirSync(join(root, "metrics"));
      const write = (file: string, inputs: string, sql: string) => writeFileSync(join(root, file), `-- grain: x\n-- inputs: ${inputs}.\n-- definition: x\n${sql}\n`);
      write("metrics/a_count.sql", "core.deployments", "SELECT count(*)::INTEGER AS n FROM core.deployments");
      // runs after a_count and fails once there is more than one deployment
      write("metrics/b_fails.sql", "metrics.a_count", "SELECT CASE WHEN n > 1 THEN error('b_fails: too many') ELSE n END AS n FROM metrics.a_count");
      await withMemoryWarehouse(async (w) => {
        await w.upsert("core.deployments", [deployment("api", "2026-01-12T10:00:00Z", { deployment_id: "d1" })]);
        await runTransforms(w, testConfig(), { root });
        const before = await w.one<{ finished_at: Date }>("SELECT finished_at FROM metrics.transform_run");
        expect(before?.finished_at).toBeInstanceOf(Date);

        await w.upsert("core.deployments", [deployment("api", "2026-01-13T10:00:00Z", { deployment_id: "d2" })]);
        await expect(runTransforms(w, testConfig(), { root })).rejects.toThrow(/transform metrics\.b_fails .*too many/);
        // a_count was rebuilt (n = 2) before b_fails failed: the rollback restores n = 1, and the run record
        expect(await w.one("SELECT n FROM metrics.a_count")).toEqual({ n: 1 });
        expect(await w.one("SELECT n FROM metrics.b_fails")).toEqual({ n: 1 });
        expect((await w.one<{ finished_at: Date }>("SELECT finished_at FROM metrics.transform_run"))?.finished_at).toEqual(before?.finished_at);
        // the connection is usable after the rollback
        await w.run("DELETE FROM core.deployments WHERE deployment_id = 'd2'");
        await runTransforms(w, testConfig(), { root });
        expect(await w.one("SELECT n FROM metrics.a_count")).toEqual({ n: 1 });
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("names the failing file when a transform fails", async () => {
    await withMemoryWarehouse(async (w) => {
      await w.run("DROP TABLE core.incidents");
      await expect(runTransforms(w, testConfig())).rejects.toThrow(/transform staging\.stg_incidents \(.*stg_incidents\.sql\): .*incidents/);
    });
  });
});
