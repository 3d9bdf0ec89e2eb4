import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { materializationOf, plan, runTransforms, transformSettings } from "../../../transforms/run.ts";
import { withMemoryWarehouse, withTempDir } from "../../helpers/db.ts";
import { deployment, testConfig } from "./helpers.ts";

describe("transform materialization", () => {
  it("reads `-- materialize: view` from a file's header; a table otherwise", () => {
    expect(materializationOf("-- grain: x\n-- materialize: view (a projection)\nSELECT 1")).toBe("view");
    expect(materializationOf("-- grain: x\n-- materialize: table\nSELECT 1")).toBe("table");
    expect(materializationOf("-- grain: x\nSELECT 1")).toBe("table");
    expect(() => materializationOf("-- materialize: index\nSELECT 1")).toThrow(/table or view/);
  });

  it("creates the staging projections (and int_lead_times, read once, and lead_time_commit_items, read by no transform) as views and every other SQL relation as a table", async () => {
    const steps = await plan();
    expect(steps.filter((s) => s.materialize === "view").map((s) => s.relation).sort()).toEqual([
      "intermediate.int_lead_times",
      "metrics.lead_time_commit_items",
      "staging.stg_changes",
      "staging.stg_deployments",
      "staging.stg_incidents",
      "staging.stg_latency_buckets",
      "staging.stg_pull_requests",
    ]);
    await withMemoryWarehouse(async (w) => {
      // a warehouse transformed by an older version holds staging tables: they are replaced by views
      await w.run("CREATE SCHEMA IF NOT EXISTS staging; CREATE TABLE staging.stg_deployments AS SELECT 1 AS x");
      await w.upsert("core.deployments", [deployment("api", "2026-01-12T10:00:00Z", { deployment_id: "d1" })]);
      const result = await runTransforms(w, testConfig());
      const kinds = await w.all<{ name: string; kind: string }>(
        `SELECT table_name AS name, table_type AS kind FROM information_schema.tables WHERE table_schema IN ('staging', 'intermediate', 'metrics') ORDER BY 1`,
      );
      const views = (name: string) => name.startsWith("stg_") || name === "int_lead_times" || name === "lead_time_commit_items";
      for (const k of kinds) expect({ name: k.name, kind: k.kind }).toEqual({ name: k.name, kind: views(k.name) ? "VIEW" : "BASE TABLE" });
      expect(result.steps.find((s) => s.relation === "staging.stg_deployments")).toMatchObject({ materialize: "view", rows: null });
      expect(await w.one("SELECT count(*)::INTEGER AS n FROM staging.stg_deployments")).toEqual({ n: 1 });
      expect(await w.one("SELECT deployments FROM metrics.deployment_frequency WHERE grain = 'day' AND period_start = DATE '2026-01-12' AND service = 'api'")).toEqual({ deployments: 1 });
    });
  });

  it("limits DuckDB's memory during the run (configurable) and restores the settings afterwards", async () => {
    // No limit of its own by default: DuckDB's (80 % of the machine's RAM) follows the machine.
    expect(transformSettings({})).toEqual({ preserve_insertion_order: "false" });
    expect(transformSettings({ DORA_TRANSFORMS_MEMORY_LIMIT: "3GB", DORA_TRANSFORMS_THREADS: "2", DORA_TRANSFORMS_TEMP_DIRECTORY: "/tmp/x" })).toEqual({
      memory_limit: "3GB",
      preserve_insertion_order: "false",
      threads: "2",
      temp_directory: "/tmp/x",
    });
    expect(() => transformSettings({ DORA_TRANSFORMS_MEMORY_LIMIT: "lots" })).toThrow(/DORA_TRANSFORMS_MEMORY_LIMIT/);
    expect(() => transformSettings({ DORA_TRANSFORMS_THREADS: "0" })).toThrow(/DORA_TRANSFORMS_THREADS/);
    await withMemoryWarehouse(async (w) => {
      const setting = async (name: string) => (await w.one<{ v: string }>(`SELECT current_setting('${name}')::VARCHAR AS v`))!.v;
      const before = { memory: await setting("memory_limit"), order: await setting("preserve_insertion_order") };
      await runTransforms(w, testConfig(), { env: { DORA_TRANSFORMS_MEMORY_LIMIT: "700MB" } });
      expect({ memory: await setting("memory_limit"), order: await setting("preserve_insertion_order") }).toEqual(before);
    });
  });

  it("names DORA_TRANSFORMS_MEMORY_LIMIT and the limit in force when a transform runs out of memory", async () => {
    await withTempDir(async (root) => {
      // A list aggregate cannot spill: 20M integers in one list need more than 64 MB.
      mkdirSync(join(root, "metrics"));
      writeFileSync(join(root, "metrics", "too_big.sql"), "-- inputs: none\nSELECT list(i) AS l FROM range(20000000) t(i)\n");
      await withMemoryWarehouse(async (w) => {
        const run = runTransforms(w, testConfig(), { root, env: { DORA_TRANSFORMS_MEMORY_LIMIT: "64MB" } });
        await expect(run).rejects.toThrow(/^transform metrics\.too_big \(.*too_big\.sql\): .*Out of Memory.*DuckDB's memory limit during transforms is 61\.0 MiB: raise DORA_TRANSFORMS_MEMORY_LIMIT/s);
        // the limit is lifted again afterwards
        expect((await w.one<{ v: string }>("SELECT current_setting('memory_limit')::VARCHAR AS v"))!.v).not.toBe("61.0 MiB");
      });
    });
  });
});
