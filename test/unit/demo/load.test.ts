import { describe, expect, it } from "vitest";
import { demoConfig } from "../../../collectors/demo/config.ts";
import { generateDemo } from "../../../collectors/demo/generate.ts";
import { loadDemo } from "../../../collectors/demo/index.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";

// A small organisation with daily latency buckets keeps these tests quick; the rows take the same path.
const config = demoConfig({ services: 2, months: 4, monthsBefore: 1, seed: 11 });
const options = { bucketSeconds: 86_400 };

const ID: Record<string, string> = {
  "core.deployments": "deployment_id",
  "core.pull_requests": "pr_id",
  "core.changes": "change_id",
  "core.incidents": "incident_id",
  "core.latency_buckets": "service || route || bucket_start::VARCHAR || le::VARCHAR",
  "core.request_counts": "service || bucket_start::VARCHAR",
  "core.kpi_samples": "name || service || bucket_start::VARCHAR",
};

describe("loadDemo", () => {
  it("writes every generated row into a fresh warehouse under the core schema, ids unique", async () => {
    await withMemoryWarehouse(async (w) => {
      const generated = generateDemo(config, options);
      const messages: string[] = [];
      const result = await loadDemo(w, config, { ...options, runId: "demo-test", onProgress: (m) => messages.push(m) });
      for (const [table, rows] of Object.entries(generated)) {
        expect(result.rows[table], table).toBe(rows.length);
        const counts = await w.one<{ n: number; ids: number }>(`SELECT count(*)::INTEGER AS n, count(DISTINCT ${ID[table]})::INTEGER AS ids FROM ${table}`);
        expect(counts, table).toEqual({ n: rows.length, ids: rows.length });
      }
      expect(messages.some((m) => m.includes("latency_buckets"))).toBe(true);
      expect(result.ms).toBeGreaterThanOrEqual(0);
    });
  });

  it("stores values as generated: timestamps, booleans, arrays, NULLs and +Inf as infinity", async () => {
    await withMemoryWarehouse(async (w) => {
      const generated = generateDemo(config, options);
      await loadDemo(w, config, options);
      const rollback = generated["core.deployments"].find((d) => d.is_rollback)!;
      const stored = await w.one<{ finished_at: Date; is_rollback: boolean; is_production: boolean; commit_sha: string }>(
        "SELECT finished_at, is_rollback, is_production, commit_sha FROM core.deployments WHERE deployment_id = ?",
        [rollback.deployment_id],
      );
      expect(stored).toEqual({ finished_at: rollback.finished_at, is_rollback: true, is_production: true, commit_sha: rollback.commit_sha });

      const explicit = generated["core.incidents"].find((i) => i.link_kind === "explicit")!;
      const incident = await w.one<{ refs: string[]; link_kind: string; caused_by_deployment_id: string }>(
        "SELECT refs, link_kind, caused_by_deployment_id FROM core.incidents WHERE incident_id = ?",
        [explicit.incident_id],
      );
      expect(incident).toEqual({ refs: explicit.refs, link_kind: "explicit", caused_by_deployment_id: explicit.caused_by_deployment_id });
      const open = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.incidents WHERE resolved_at IS NULL AND status <> 'resolved'");
      expect(open!.n).toBe(generated["core.incidents"].filter((i) => !i.resolved_at).length);
      const undeployed = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.changes WHERE deployment_id IS NULL");
      expect(undeployed!.n).toBe(generated["core.changes"].filter((c) => !c.deployment_id).length);

      const inf = await w.one<{ n: number; top: number }>(
        "SELECT count(*)::INTEGER AS n, max(le) AS top FROM core.latency_buckets WHERE le = 'infinity'::DOUBLE",
      );
      expect(inf).toEqual({ n: generated["core.latency_buckets"].filter((r) => r.le === Infinity).length, top: Infinity });
      // Cumulative in le, checked in SQL as a transform would read it.
      const decreasing = await w.one<{ n: number }>(`
        SELECT count(*)::INTEGER AS n FROM (
          SELECT count < lag(count) OVER (PARTITION BY service, route, bucket_start ORDER BY le) AS down FROM core.latency_buckets
        ) WHERE down`);
      expect(decreasing!.n).toBe(0);
    });
  });

  it("records the run in sync.runs and replaces an earlier demo instead of merging into it", async () => {
    await withMemoryWarehouse(async (w) => {
      await w.upsert("core.deployments", [{ deployment_id: "github:deployment:1", source: "github", service: "api", status: "success" }]);
      await loadDemo(w, config, { ...options, runId: "first" });
      const other = demoConfig({ services: 1, months: 3, monthsBefore: 0, seed: 12 });
      const second = await loadDemo(w, other, { ...options, runId: "second" });
      const expected = generateDemo(other, options);
      for (const [table, rows] of Object.entries(expected)) {
        const n = await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${table} WHERE source = 'demo'`);
        expect(n!.n, table).toBe(rows.length);
      }
      expect(await w.one("SELECT source FROM core.deployments WHERE deployment_id = 'github:deployment:1'")).toEqual({ source: "github" });
      const runs = await w.all<{ run_id: string; source: string; status: string; rows: number; finished: boolean }>(
        "SELECT run_id, source, status, rows, finished_at IS NOT NULL AS finished FROM sync.runs ORDER BY run_id",
      );
      const total = Object.values(second.rows).reduce((a, b) => a + b, 0);
      expect(runs).toEqual([
        { run_id: "first", source: "demo", status: "success", rows: expect.any(Number), finished: true },
        { run_id: "second", source: "demo", status: "success", rows: total, finished: true },
      ]);
    });
  });

  it("fails with a clear message, logs the failed run and keeps what was stored", async () => {
    await withMemoryWarehouse(async (w) => {
      await loadDemo(w, config, { ...options, runId: "good" });
      const before = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.changes");
      await expect(loadDemo(w, config, { bucketSeconds: 60, runId: "bad" })).rejects.toThrow(/^demo: bucket_seconds must be 3600, 21600 or 86400, got 60/);
      expect(await w.one("SELECT count(*)::INTEGER AS n FROM core.changes")).toEqual(before);
      expect(await w.one("SELECT status, error FROM sync.runs WHERE run_id = 'bad'")).toEqual({ status: "failure", error: expect.stringMatching(/bucket_seconds/) });
    });
  });
});
