import type { Config } from "../../schemas/config.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { finishRun, startRun } from "../core/run-log.ts";
import { writeRows } from "../core/write-rows.ts";
import type { RowsByTable } from "../core/stream.ts";
import { demoCollectedAt, generateDemo, type DemoRows } from "./generate.ts";

export { demoConfig, demoServiceNames, type DemoOptions } from "./config.ts";
export { generateDemo, type DemoRows } from "./generate.ts";

export interface LoadDemoOptions {
  /** Overrides `sources.demo.seed`. */
  seed?: number;
  /** Latency bucket period in seconds (3600, 21600 or 86400); see `generateDemo`. */
  bucketSeconds?: number;
  onProgress?: (message: string) => void;
  /** Defaults to `demo-<ISO time>`. */
  runId?: string;
}

export interface LoadDemoResult {
  /** Rows written per table. */
  rows: Record<string, number>;
  /** Wall time to generate and write, in ms. */
  ms: number;
  runId: string;
}

/** Tables in write order; `core.latency_buckets` is the bulk of the rows. */
const TABLES: (keyof DemoRows)[] = [
  "core.deployments",
  "core.pull_requests",
  "core.changes",
  "core.incidents",
  "core.latency_buckets",
  "core.request_counts",
  "core.kpi_samples",
];

/**
 * Generates the demo organisation and writes it through the collectors' upsert path, in one
 * transaction. Earlier demo rows (source 'demo') are replaced, not merged, so a warehouse holds one
 * demo at a time and the same seed always gives the same rows. The run is logged in sync.runs.
 */
export async function loadDemo(warehouse: Warehouse, config: Config, options: LoadDemoOptions = {}): Promise<LoadDemoResult> {
  const started = performance.now();
  const runId = options.runId ?? `demo-${new Date().toISOString()}`;
  const seed = options.seed ?? config.sources.demo?.seed ?? 42;
  await startRun(warehouse, runId, "demo");
  const rows: Record<string, number> = {};
  try {
    options.onProgress?.(`generating ${Object.keys(config.services).length} services, seed ${seed}…`);
    const data = generateDemo(config, { seed, bucketSeconds: options.bucketSeconds });
    await warehouse.transaction(async () => {
      for (const table of TABLES) {
        await warehouse.run(`DELETE FROM ${table} WHERE source = 'demo'`);
      }
      for (const table of TABLES) {
        options.onProgress?.(`writing ${data[table].length} ${table.replace(/^core\./, "")}…`);
        rows[table] = await writeRows(warehouse, { [table]: data[table] } as RowsByTable, demoCollectedAt(config));
      }
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await finishRun(warehouse, runId, "demo", { status: "failure", error: message });
    throw new Error(message.startsWith("demo:") ? message : `demo: ${message}`, { cause: error });
  }
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  await finishRun(warehouse, runId, "demo", { status: "success", rows: total });
  return { rows, ms: Math.round(performance.now() - started), runId };
}
