import type { Config } from "../../schemas/config.ts";
import { sqlList, type Warehouse } from "../../warehouse/warehouse.ts";
import type { Logger } from "./log.ts";
import { writeRows } from "./runner.ts";
import type { AnyStream, CollectContext, RowsByTable, Source } from "./stream.ts";

export interface RebuildResult {
  stream: string;
  pages: number;
  items: number;
  rows: number;
  invalid: number;
  orphaned: number;
}

/**
 * Re-derives core.* from raw.pages with no network: each stored page, oldest first, goes through its
 * stream's validation and `toRows` again (after a mapping fix, say), so a later page's version of an
 * item wins as it did when collected. Rows are upserted by id; with `clean`, the source's rows are
 * deleted first so rows whose id changed do not linger. Rows made by a stream's `finish` step from
 * data not kept in raw.pages are not re-derived (and `clean` removes them: collect again to restore).
 */
export async function rebuildFromRaw(
  w: Warehouse,
  config: Config,
  sources: Source[],
  log: Logger,
  options: { clean?: boolean; onStream?: (stream: string) => void } = {},
): Promise<RebuildResult[]> {
  const results: RebuildResult[] = [];
  const ctx: CollectContext = { config, log, runId: "rebuild", requests: { count: 0 }, state: new Map(), warehouse: w };
  for (const source of sources) {
    const streams = source.streams;
    const stored = await w.all<{ stream: string; n: number }>(
      `SELECT stream, count(*)::INTEGER AS n FROM raw.pages WHERE stream IN ${sqlList(streams.map((s) => s.id))} GROUP BY stream`,
    );
    if (stored.length === 0) continue;
    await w.transaction(async () => {
      if (options.clean) await cleanSource(w, source.name);
      for (const stream of streams) {
        if (!stored.some((s) => s.stream === stream.id)) continue;
        options.onStream?.(stream.id);
        results.push(await rebuildStream(w, stream, ctx));
      }
    });
  }
  return results;
}

async function rebuildStream(w: Warehouse, stream: AnyStream, ctx: CollectContext): Promise<RebuildResult> {
  const result: RebuildResult = { stream: stream.id, pages: 0, items: 0, rows: 0, invalid: 0, orphaned: 0 };
  const partitions = new Map<string, unknown>();
  for (const p of await stream.partitions(ctx)) partitions.set(stream.partitionKey(p), p);
  const pages = await w.all<{ page_id: string; partition: string; body: string }>(
    "SELECT page_id, partition, body::VARCHAR AS body FROM raw.pages WHERE stream = ? ORDER BY fetched_at, page_id",
    [stream.id],
  );
  for (const page of pages) {
    result.pages++;
    const partition = partitions.get(page.partition);
    if (partition === undefined) {
      // The config no longer lists this repository/service: its pages are kept, not re-derived.
      result.orphaned++;
      continue;
    }
    const rows: RowsByTable = {};
    for (const raw of JSON.parse(page.body) as unknown[]) {
      result.items++;
      const parsed = stream.item.safeParse(raw);
      if (!parsed.success) {
        result.invalid++;
        ctx.log.warn(`${stream.id} [${page.partition}] item ${stream.itemId(raw)} still does not validate; skipped`, { page: page.page_id });
        continue;
      }
      for (const [table, list] of Object.entries(stream.toRows(parsed.data, ctx, partition)) as [keyof RowsByTable, RowsByTable[keyof RowsByTable]][]) {
        if (list?.length) (rows[table] ??= []).push(...list);
      }
    }
    result.rows += await writeRows(ctx, rows);
  }
  return result;
}

const CORE_TABLES = ["core.deployments", "core.changes", "core.pull_requests", "core.incidents", "core.latency_buckets", "core.request_counts", "core.kpi_samples"];

async function cleanSource(w: Warehouse, source: string): Promise<void> {
  for (const table of CORE_TABLES) await w.run(`DELETE FROM ${table} WHERE source = ?`, [source]);
}
