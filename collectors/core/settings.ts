import type { Warehouse } from "../../warehouse/warehouse.ts";

const SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/**
 * DuckDB settings while sources are collected, from the environment:
 * - DORA_COLLECT_MEMORY_LIMIT (default: DuckDB's own, 80 % of the machine's RAM): DuckDB's buffer
 *   memory (unwritten rows, the tables an upsert scans, temp tables); past it DuckDB evicts to the
 *   temp directory instead of growing. The default follows the machine, so no documented size needs
 *   the variable; set it to keep a nightly job smaller on a shared host.
 * - DORA_COLLECT_TEMP_DIRECTORY (default: DuckDB's, `<warehouse>.tmp` beside a file warehouse).
 * - allocator_flush_threshold 16MB (DuckDB's default 128MB): after a statement that allocated more,
 *   DuckDB hands freed memory back to the system. Each batch's upsert allocates and frees tens of
 *   MB; at 128 MB the freed memory stays in the process (bench/RESULTS.md, collector memory).
 * The previous values are restored afterwards (`dora run` transforms with its own).
 */
export function collectSettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings: Record<string, string> = { allocator_flush_threshold: "16MB" };
  const limit = env.DORA_COLLECT_MEMORY_LIMIT?.trim();
  if (limit) {
    if (!SIZE.test(limit)) throw new Error(`DORA_COLLECT_MEMORY_LIMIT must be a size such as 512MB or 2GB, not "${limit}"`);
    settings.memory_limit = limit;
  }
  if (env.DORA_COLLECT_TEMP_DIRECTORY?.trim()) settings.temp_directory = env.DORA_COLLECT_TEMP_DIRECTORY.trim();
  return settings;
}

/** Runs fn with collectSettings() applied to the warehouse's DuckDB, then puts the earlier values back. */
export async function withCollectSettings<T>(w: Warehouse, fn: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return w.withSettings(collectSettings(env), fn);
}
