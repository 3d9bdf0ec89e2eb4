import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { withMemoryWarehouse, withTempDir } from "../helpers/db.ts";

describe("warehouse", () => {
  it("creates the contract's schemas and tables", async () => {
    await withMemoryWarehouse(async (w) => {
      const tables = await w.all<{ t: string }>("SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() ORDER BY 1");
      const names = tables.map((r) => r.t);
      for (const t of ["core.deployments", "core.changes", "core.incidents", "core.latency_buckets", "core.pull_requests", "sync.cursors", "sync.runs", "raw.pages"]) {
        expect(names).toContain(t);
      }
    });
  });

  it("upserts by primary key: a re-run never duplicates, the newer row wins, defaults fill missing keys", async () => {
    await withMemoryWarehouse(async (w) => {
      const row = { deployment_id: "demo:deployment:1", source: "demo", service: "api", status: "success", is_production: true, finished_at: "2026-01-05T10:00:00Z" };
      await w.upsert("core.deployments", [row]);
      await w.upsert("core.deployments", [{ ...row, status: "failure" }, { deployment_id: "demo:deployment:2", source: "demo", service: "api", status: "running" }]);
      const rows = await w.all<{ deployment_id: string; status: string; is_production: boolean; is_rollback: boolean; finished_at: Date | null }>(
        "SELECT deployment_id, status, is_production, is_rollback, finished_at FROM core.deployments ORDER BY 1",
      );
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ status: "failure", is_production: true, is_rollback: false });
      expect(rows[0]!.finished_at!.toISOString()).toBe("2026-01-05T10:00:00.000Z");
      expect(rows[1]).toMatchObject({ is_production: false, finished_at: null });
    });
  });

  it("upserts a batch that repeats a primary key: the last row of each key wins, single and composite keys", async () => {
    await withMemoryWarehouse(async (w) => {
      const row = { deployment_id: "demo:deployment:1", source: "demo", service: "api", status: "running" };
      const n = await w.upsert("core.deployments", [row, { ...row, deployment_id: "demo:deployment:2" }, { ...row, status: "success" }]);
      expect(n).toBe(3);
      expect(await w.all("SELECT deployment_id, status FROM core.deployments ORDER BY 1")).toEqual([
        { deployment_id: "demo:deployment:1", status: "success" },
        { deployment_id: "demo:deployment:2", status: "running" },
      ]);
      const kpi = { name: "flaky", service: "api", bucket_start: new Date("2026-01-05T00:00:00Z"), source: "demo" };
      await w.upsert("core.kpi_samples", [{ ...kpi, value: 1 }, { ...kpi, value: 2 }, { ...kpi, service: "web", value: 3 }]);
      expect(await w.all("SELECT service, value FROM core.kpi_samples ORDER BY 1")).toEqual([
        { service: "api", value: 2 },
        { service: "web", value: 3 },
      ]);
    });
  });

  it("names the table, column and row of a value it cannot store", async () => {
    await withMemoryWarehouse(async (w) => {
      await expect(
        w.upsert("core.incidents", [{ incident_id: "x", source: "demo", service: "api", status: "resolved", created_at: "yesterday" }]),
      ).rejects.toThrow(/core\.incidents\.created_at \(row 1\): invalid timestamp "yesterday"/);
      await expect(w.upsert("core.incidents", [{ incident_id: "x", nope: 1 }])).rejects.toThrow(/unknown column "nope"/);
    });
  });

  it("rolls a failed transaction back: nothing half-written", async () => {
    await withMemoryWarehouse(async (w) => {
      await expect(
        w.transaction(async () => {
          await w.upsert("core.deployments", [{ deployment_id: "a", source: "demo", service: "api", status: "success" }]);
          throw new Error("crash");
        }),
      ).rejects.toThrow("crash");
      expect(await w.all("SELECT * FROM core.deployments")).toHaveLength(0);
    });
  });

  it("migrates a file once and reopens it without re-applying", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "w.duckdb");
      const first = await Warehouse.open(path);
      const applied = await first.all<{ version: string }>("SELECT version FROM sync.migrations");
      first.close();
      const second = await Warehouse.open(path);
      expect(await second.migrate()).toEqual([]);
      expect(await second.all("SELECT version FROM sync.migrations")).toHaveLength(applied.length);
      second.close();
    });
  });
});

describe("Warehouse.withSettings", () => {
  const setting = (w: Warehouse, name: string) => w.one<{ v: string }>(`SELECT current_setting('${name}')::VARCHAR AS v`).then((r) => r!.v);

  it("applies settings for fn and restores each, to its default or to the value set before, also when fn fails", async () => {
    const w = await Warehouse.open(":memory:");
    try {
      const defaultLimit = await setting(w, "memory_limit");
      await w.run("SET threads = 1");
      const during = await w.withSettings({ memory_limit: "300MB", threads: "2" }, async () => [await setting(w, "memory_limit"), await setting(w, "threads")]);
      expect(during).toEqual(["286.1 MiB", "2"]);
      expect([await setting(w, "memory_limit"), await setting(w, "threads")]).toEqual([defaultLimit, "1"]);
      await expect(w.withSettings({ memory_limit: "200MB" }, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
      expect(await setting(w, "memory_limit")).toBe(defaultLimit);
    } finally {
      w.close();
    }
  });

  it("refuses a setting DuckDB does not have before changing anything", async () => {
    const w = await Warehouse.open(":memory:");
    try {
      let ran = false;
      await expect(w.withSettings({ threads: "1", memory_limt: "1GB" }, async () => void (ran = true))).rejects.toThrow("DuckDB has no setting memory_limt");
      expect(ran).toBe(false);
    } finally {
      w.close();
    }
  });
});

describe("natural-key tables (core.latency_buckets: no index, upserted by key)", () => {
  it("replaces rows by (service, route, bucket_start, le), the last of a batch winning, inside or outside a transaction", async () => {
    await withMemoryWarehouse(async (w) => {
      const row = (le: number, count: number) => ({ service: "api", route: "GET /", bucket_start: "2026-01-05T10:00:00Z", le, count });
      await w.upsert("core.latency_buckets", [row(0.1, 1), row(Infinity, 2)]);
      await w.upsert("core.latency_buckets", [row(0.1, 5), row(0.1, 7)]);
      await w.transaction(() => w.upsert("core.latency_buckets", [row(0.5, 3), { ...row(0.5, 4), bucket_start: "2026-01-05T11:00:00Z" }]));
      const rows = await w.all<{ le: number; count: number; h: number }>(
        "SELECT le, count, hour(bucket_start) AS h FROM core.latency_buckets ORDER BY h, le",
      );
      // 0.1 → 7 (second batch, last wins); 0.5 at 10:00 → 3; +Inf → 2; 0.5 at 11:00 → 4.
      expect(rows).toEqual([
        { le: 0.1, count: 7, h: 10 },
        { le: 0.5, count: 3, h: 10 },
        { le: Infinity, count: 2, h: 10 },
        { le: 0.5, count: 4, h: 11 },
      ]);
      await expect(w.upsert("core.latency_buckets", [{ service: "api", route: "GET /", le: 1, count: 1 }])).rejects.toThrow(/lack the key column\(s\) bucket_start/);
    });
  });
});
