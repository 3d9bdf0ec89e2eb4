import type { Warehouse } from "../../warehouse/warehouse.ts";

const SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/**
 * DuckDB settings while sources are collected, from the environment:
 * - DORA_COLLECT_MEMORY_LIMIT (default 512MB): DuckDB's buffer memory (unwritten rows, the tables an
 *   upsert scans, temp tables); past it DuckDB evicts to the temp directory instead of growing.
 *   DuckDB's default is 80 % of the machine's RAM. A backfill of 1M latency buckets used ~130 MB.
 * - DORA_COLLECT_TEMP_DIRECTORY (default: DuckDB's, `<warehouse>.tmp` beside a file warehouse).
 * - allocator_flush_threshold 16MB (DuckDB's default 128MB): after a statement that allocated more,
 *   DuckDB hands freed memory back to the system. Each batch's upsert allocates and frees tens of
 *   MB; at 128 MB the freed memory stayed in the process, ~160 MB more peak RSS in a 1M-row
 *   Prometheus backfill (bench/RESULTS.md, collector memory).
 * The previous values are restored afterwards (`dora run` transforms with its own).
 */
export function collectSettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings: Record<string, string> = {
    memory_limit: env.DORA_COLLECT_MEMORY_LIMIT?.trim() || "512MB",
    allocator_flush_threshold: "16MB",
  };
  if (!SIZE.test(settings.memory_limit!)) {
    throw new Error(`DORA_COLLECT_MEMORY_LIMIT must be a size such as 512MB or 2GB, not "${settings.memory_limit}"`);
  }
  if (env.DORA_COLLECT_TEMP_DIRECTORY?.trim()) settings.temp_directory = env.DORA_COLLECT_TEMP_DIRECTORY.trim();
  return settings;
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Runs fn with collectSettings() applied to the warehouse's DuckDB, then puts the earlier values back. */
export async function withCollectSettings<T>(w: Warehouse, fn: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const settings = collectSettings(env);
  const previous = await w.all<{ name: string; value: string | null }>(
    `SELECT name, value FROM duckdb_settings() WHERE name IN (${Object.keys(settings).map(sqlString).join(", ")})`,
  );
  try {
    for (const [name, value] of Object.entries(settings)) await w.run(`SET ${name} = ${sqlString(value)}`);
    return await fn();
  } finally {
    for (const { name, value } of previous) {
      // back to the default when it was the default (a size read back as "18.7 GiB" is rounded)
      await w.run(`RESET ${name}`);
      const now = (await w.one<{ v: string | null }>(`SELECT value AS v FROM duckdb_settings() WHERE name = ${sqlString(name)}`))?.v ?? null;
      if (value !== null && now !== value) await w.run(`SET ${name} = ${sqlString(value)}`);
    }
  }
}
