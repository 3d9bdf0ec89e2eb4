import type { Config } from "../../schemas/config.ts";
import { sqlList, type Warehouse } from "../../warehouse/warehouse.ts";
import type { Logger } from "./log.ts";
import type { AnySource, AnyStream, CollectContext, Page, RowsByTable } from "./stream.ts";
import { writeRows } from "./write-rows.ts";

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
 * deleted first so rows whose id changed do not linger. Rows a stream's `finish` step derived across
 * pages (the commits each deployment shipped) are made again by its `replay`, from the same pages.
 */
export async function rebuildFromRaw(
  w: Warehouse,
  config: Config,
  sources: AnySource[],
  log: Logger,
  options: { clean?: boolean; onStream?: (stream: string) => void } = {},
): Promise<RebuildResult[]> {
  const results: RebuildResult[] = [];
  for (const source of sources) {
    const base = { config, log, runId: "rebuild", requests: { count: 0 }, warehouse: w };
    const ctx: CollectContext = { ...base, state: source.start?.(base) };
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
  const pages = await w.all<{ page_id: string; partition: string; url: string; params: string | null; body: string }>(
    "SELECT page_id, partition, url, params::VARCHAR AS params, body::VARCHAR AS body FROM raw.pages WHERE stream = ? ORDER BY fetched_at, page_id",
    [stream.id],
  );
  // Per partition, its pages as the stream fetched them, for `replay`.
  const byPartition = new Map<string, Page[]>();
  for (const page of pages) {
    result.pages++;
    const partition = partitions.get(page.partition);
    if (partition === undefined) {
      // The config no longer lists this repository/service: its pages are kept, not re-derived.
      result.orphaned++;
      continue;
    }
    const rows: RowsByTable = {};
    const items = JSON.parse(page.body) as unknown[];
    if (stream.replay) {
      const list = byPartition.get(page.partition) ?? [];
      byPartition.set(page.partition, list);
      list.push({ url: page.url, params: page.params ? (JSON.parse(page.params) as Record<string, unknown>) : {}, items });
    }
    for (const raw of items) {
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
    result.rows += await writeRows(w, rows);
  }
  if (stream.replay) {
    for (const [key, partition] of partitions) {
      const stored = byPartition.get(key);
      if (stored) result.rows += await writeRows(w, await stream.replay(ctx, partition, stored));
    }
  }
  return result;
}

const CORE_TABLES = ["core.deployments", "core.changes", "core.pull_requests", "core.incidents", "core.latency_buckets", "core.request_counts", "core.kpi_samples"];

async function cleanSource(w: Warehouse, source: string): Promise<void> {
  for (const table of CORE_TABLES) await w.run(`DELETE FROM ${table} WHERE source = ?`, [source]);
}
