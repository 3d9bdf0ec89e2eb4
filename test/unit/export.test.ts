import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { exportWarehouse } from "../../warehouse/export.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { withTempDir } from "../helpers/db.ts";

async function seeded(path: string): Promise<Warehouse> {
  const w = await Warehouse.open(path);
  await w.upsert("core.deployments", [
    { deployment_id: "demo:deployment:1", source: "demo", service: "api", status: "success", is_production: true, finished_at: "2026-01-31T23:30:00Z", commit_sha: "abc" },
    { deployment_id: "demo:deployment:2", source: "demo", service: "api", status: "failure", is_production: true, finished_at: "2026-02-01T08:00:00Z" },
    { deployment_id: "demo:deployment:3", source: "demo", service: "web, \"quoted\"", status: "success", is_production: false, finished_at: "2026-03-15T12:00:00Z" },
  ]);
  await w.upsert("core.incidents", [
    { incident_id: "demo:incident:1", source: "demo", service: "api", status: "resolved", created_at: "2026-02-01T09:00:00Z", resolved_at: "2026-02-01T10:30:00Z", refs: ["abc", "#12"] },
  ]);
  await w.run("CREATE TABLE metrics.lead_time AS SELECT 'week' AS grain, DATE '2026-01-26' AS period_start, '*' AS service, 3::INTEGER AS changes, 12.5::DOUBLE AS median_hours");
  return w;
}

const TABLE_QUERY = "SELECT deployment_id, service, status, is_production, finished_at, commit_sha FROM core.deployments ORDER BY 1";

describe("dora export", () => {
  it("Parquet, hive-partitioned by month, reads back in DuckDB equal to the warehouse", async () => {
    await withTempDir(async (dir) => {
      const w = await seeded(join(dir, "w.duckdb"));
      try {
        const out = join(dir, "export");
        const results = await exportWarehouse(w, out, "parquet");
        expect(results.find((r) => r.table === "core.deployments")?.rows).toBe(3);
        // Months in UTC: 2026-01, 2026-02, 2026-03.
        expect(readdirSync(join(out, "core", "deployments")).sort()).toEqual(["year=2026"]);
        expect(readdirSync(join(out, "core", "deployments", "year=2026")).sort()).toEqual(["month=01", "month=02", "month=03"]);
        const back = await w.all(
          `SELECT deployment_id, service, status, is_production, finished_at, commit_sha FROM read_parquet('${out}/core/deployments/**/*.parquet', hive_partitioning = true) ORDER BY 1`,
        );
        expect(back).toEqual(await w.all(TABLE_QUERY));
        const lt = await w.all(`SELECT grain, period_start, service, changes, median_hours FROM read_parquet('${out}/metrics/lead_time/**/*.parquet')`);
        expect(lt).toEqual(await w.all("SELECT * FROM metrics.lead_time"));
      } finally {
        w.close();
      }
    });
  });

  it("CSV reads back in DuckDB equal to the warehouse, quotes included", async () => {
    await withTempDir(async (dir) => {
      const w = await seeded(join(dir, "w.duckdb"));
      try {
        await exportWarehouse(w, join(dir, "csv"), "csv", { tables: ["core.deployments"] });
        const back = await w.all(
          `SELECT deployment_id, service, status, is_production, finished_at, commit_sha FROM read_csv('${dir}/csv/core/deployments.csv', header = true, columns = {
            'deployment_id': 'VARCHAR', 'source': 'VARCHAR', 'service': 'VARCHAR', 'repo': 'VARCHAR', 'environment': 'VARCHAR', 'is_production': 'BOOLEAN',
            'commit_sha': 'VARCHAR', 'ref': 'VARCHAR', 'started_at': 'TIMESTAMPTZ', 'finished_at': 'TIMESTAMPTZ', 'status': 'VARCHAR', 'original_status': 'VARCHAR',
            'is_rollback': 'BOOLEAN', 'is_rework': 'BOOLEAN', 'pipeline_started_at': 'TIMESTAMPTZ', 'url': 'VARCHAR', 'updated_at': 'TIMESTAMPTZ', 'collected_at': 'TIMESTAMPTZ'}) ORDER BY 1`,
        );
        expect(back).toEqual(await w.all(TABLE_QUERY));
      } finally {
        w.close();
      }
    });
  });

  it("Arrow IPC reads back with apache-arrow equal to the warehouse (timestamps, lists, nulls)", async () => {
    await withTempDir(async (dir) => {
      const w = await seeded(join(dir, "w.duckdb"));
      try {
        await exportWarehouse(w, join(dir, "arrow"), "arrow", { tables: ["core.deployments", "core.incidents"] });
        const deployments = tableFromIPC(readFileSync(join(dir, "arrow", "core", "deployments.arrow")));
        const expected = await w.all<{ deployment_id: string; finished_at: Date; commit_sha: string | null; is_production: boolean }>(TABLE_QUERY);
        expect(deployments.numRows).toBe(3);
        const got = deployments.toArray().map((r) => r.toJSON()).sort((a, b) => String(a.deployment_id).localeCompare(String(b.deployment_id)));
        got.forEach((row, i) => {
          expect(row.deployment_id).toBe(expected[i]!.deployment_id);
          expect(row.finished_at).toBe(expected[i]!.finished_at.getTime());
          expect(row.commit_sha).toBe(expected[i]!.commit_sha);
          expect(row.is_production).toBe(expected[i]!.is_production);
        });
        const incidents = tableFromIPC(readFileSync(join(dir, "arrow", "core", "incidents.arrow")));
        expect([...(incidents.get(0)!.toJSON().refs as Iterable<string>)]).toEqual(["abc", "#12"]);
        expect(incidents.get(0)!.toJSON().acknowledged_at).toBeNull();
      } finally {
        w.close();
      }
    });
  });

  it("names an unknown table", async () => {
    await withTempDir(async (dir) => {
      const w = await seeded(join(dir, "w.duckdb"));
      try {
        await expect(exportWarehouse(w, dir, "csv", { tables: ["core.nope"] })).rejects.toThrow(/no table core\.nope to export/);
      } finally {
        w.close();
      }
    });
  });
});

describe("dora sql", () => {
  const run = (args: string[], input?: string) =>
    spawnSync(process.execPath, ["bin/dora.js", "sql", ...args], { encoding: "utf8", input, env: { ...process.env, CI: "true" } });

  it("answers a query as a table, CSV or JSON, and refuses writes", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "w.duckdb");
      (await seeded(path)).close();
      const csv = run(["--warehouse", path, "--format", "csv", "SELECT deployment_id, status FROM core.deployments ORDER BY 1"]);
      expect(csv.status).toBe(0);
      expect(csv.stdout.trim().split("\n")).toEqual(["deployment_id,status", "demo:deployment:1,success", "demo:deployment:2,failure", "demo:deployment:3,success"]);
      const json = run(["--warehouse", path, "--format", "json", "SELECT count(*) AS n FROM core.incidents"]);
      expect(JSON.parse(json.stdout)).toEqual([{ n: 1 }]);
      const text = run(["--warehouse", path, "SELECT service FROM core.deployments WHERE deployment_id = 'demo:deployment:1'"]);
      expect(text.stdout).toMatch(/service\n-+\napi\n\(1 row\)/);
      const write = run(["--warehouse", path, "DELETE FROM core.deployments"]);
      expect(write.status).toBe(2);
      expect(write.stderr).toMatch(/dora sql is read-only/);
      // The prompt: statements end with ';', may span lines; writes are refused there too.
      const session = run(
        ["--warehouse", path, "--format", "csv"],
        "DROP TABLE core.incidents;\nINSERT INTO core.incidents (incident_id)\n  VALUES ('x');\nSELECT count(*) AS n\nFROM core.deployments;\n.quit\n",
      );
      expect(session.status).toBe(0);
      expect(session.stdout.match(/error: dora sql is read-only/g)).toHaveLength(2);
      expect(session.stdout).toMatch(/> n\n3\n/);
    });
  }, 180_000);
});
