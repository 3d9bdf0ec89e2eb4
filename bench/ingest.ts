import { Warehouse } from "../warehouse/warehouse.ts";
import type { Benchmark, Figure } from "./harness.ts";

const N = 500_000;

function rows(n: number, offset = 0) {
  const start = Date.UTC(2025, 0, 1);
  return Array.from({ length: n }, (_, i) => ({
    service: `svc-${i % 50}`,
    route: `GET /r${i % 7}`,
    bucket_start: new Date(start + Math.floor((i + offset) / 350) * 3600_000),
    le: [0.05, 0.1, 0.25, 0.5, 1][i % 5]!,
    count: i,
    source: "bench",
  }));
}

/** Ingest into core.*: the bulk path (appender in 2,048-row chunks + one INSERT OR REPLACE) against row-by-row inserts. */
export const ingestBench: Benchmark = {
  name: "ingest into core.*",
  description: `Rows per second into core.latency_buckets (upsert by its natural key) on an on-disk warehouse: ${N.toLocaleString("en-US")} rows through Warehouse.upsert (appender into a temp table, then delete-matching + insert), then a re-upsert of the same rows (all replaced), against row-by-row prepared INSERTs as the baseline (20,000 rows).`,
  run: async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "dora-bench-ingest-"));
    const figures: Figure[] = [];
    const w = await Warehouse.open(join(dir, "w.duckdb"));
    try {
      const data = rows(N);
      let t = performance.now();
      await w.upsert("core.latency_buckets", data);
      let rate = N / ((performance.now() - t) / 1000);
      figures.push({ name: "bulk upsert, new rows", value: rate, unit: "rows/s", goal: "≥ 200,000 rows/s", met: rate >= 200_000 });
      t = performance.now();
      await w.upsert("core.latency_buckets", data);
      rate = N / ((performance.now() - t) / 1000);
      figures.push({ name: "bulk upsert, all rows replaced", value: rate, unit: "rows/s", goal: "≥ 200,000 rows/s", met: rate >= 200_000 });
      const few = rows(20_000, N * 10);
      t = performance.now();
      const stmt = await w.connection.prepare("INSERT INTO core.latency_buckets (service, route, bucket_start, le, count, source) VALUES ($1, $2, $3::TIMESTAMPTZ, $4, $5, $6)");
      await w.run("BEGIN");
      for (const r of few) {
        stmt.bindVarchar(1, r.service);
        stmt.bindVarchar(2, r.route);
        stmt.bindVarchar(3, r.bucket_start.toISOString());
        stmt.bindDouble(4, r.le);
        stmt.bindDouble(5, r.count);
        stmt.bindVarchar(6, r.source);
        await stmt.run();
      }
      await w.run("COMMIT");
      rate = few.length / ((performance.now() - t) / 1000);
      figures.push({ name: "row-by-row prepared INSERT, new keys (baseline)", value: rate, unit: "rows/s" });
    } finally {
      w.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return figures;
  },
};
