import { createHash } from "node:crypto";
import type { Row } from "../../warehouse/warehouse.ts";
import { InvalidItemError, httpStatusOf } from "./errors.ts";
import { redact } from "./secrets.ts";
import type { AnyStream, CollectContext, FinishResult, RowsByTable, Source } from "./stream.ts";

export interface StreamResult {
  stream: string;
  partitions: number;
  pages: number;
  rows: number;
  skipped: { partition: string; reason: string }[];
  error?: string;
}

export interface SourceResult {
  source: string;
  status: "success" | "failure";
  rows: number;
  requests: number;
  durationMs: number;
  streams: StreamResult[];
  error?: string;
}

/**
 * Runs every stream of a source. Per page, in one transaction: the raw page, the rows (upserted by
 * id) and the cursor. A stream that fails stops alone; the others, and other sources, go on.
 */
export async function collectSource(source: Source, ctx: CollectContext): Promise<SourceResult> {
  const started = Date.now();
  const requestsBefore = ctx.requests.count;
  await ctx.warehouse.run(
    "INSERT OR REPLACE INTO sync.runs (run_id, source, started_at, status) VALUES (?, ?, now(), 'running')",
    [ctx.runId, source.name],
  );
  const streams: StreamResult[] = [];
  for (const stream of source.streams) streams.push(await collectStream(stream, ctx));
  const failed = streams.filter((s) => s.error);
  const rows = streams.reduce((n, s) => n + s.rows, 0);
  const requests = ctx.requests.count - requestsBefore;
  const error = failed.length ? failed.map((s) => (s.error!.startsWith(s.stream) ? s.error : `${s.stream}: ${s.error}`)).join("; ") : undefined;
  await ctx.warehouse.run(
    "UPDATE sync.runs SET finished_at = now(), status = ?, rows = ?, requests = ?, error = ? WHERE run_id = ? AND source = ?",
    [failed.length ? "failure" : "success", rows, requests, error ?? null, ctx.runId, source.name],
  );
  return { source: source.name, status: failed.length ? "failure" : "success", rows, requests, durationMs: Date.now() - started, streams, error };
}

export async function collectStream(stream: AnyStream, ctx: CollectContext): Promise<StreamResult> {
  const result: StreamResult = { stream: stream.id, partitions: 0, pages: 0, rows: 0, skipped: [] };
  const log = ctx.log.child({ stream: stream.id });
  let partitions: unknown[];
  try {
    partitions = await stream.partitions(ctx);
  } catch (error) {
    result.error = redact((error as Error).message);
    log.error(result.error);
    return result;
  }
  for (const partition of partitions) {
    const key = stream.partitionKey(partition);
    try {
      await collectPartition(stream, ctx, partition, key, result);
      result.partitions++;
    } catch (error) {
      const status = httpStatusOf(error);
      const message = redact(error instanceof Error ? error.message : String(error));
      if (status === 404 || status === 401 || status === 403) {
        // One repository or service we cannot see must not stop the others.
        const reason = `${status === 404 ? "not found" : status === 401 ? "unauthorized (check the token)" : "forbidden (check the token's scopes)"}: ${message}`;
        result.skipped.push({ partition: key, reason });
        log.warn(`skipped ${key}: ${reason}`);
        continue;
      }
      const failure = error instanceof InvalidItemError ? message : `[${key}] ${message}`;
      log.error(failure);
      result.error = result.error ? `${result.error}; ${failure}` : failure;
      // A bad item stops this stream for its partition only: the other repositories still go on.
      if (error instanceof InvalidItemError) continue;
      return result;
    }
  }
  log.info(`done`, { partitions: result.partitions, pages: result.pages, rows: result.rows });
  return result;
}

async function collectPartition(stream: AnyStream, ctx: CollectContext, partition: unknown, key: string, result: StreamResult) {
  const w = ctx.warehouse;
  const stored = ctx.full
    ? undefined
    : (await w.one<{ cursor: string | null }>("SELECT cursor FROM sync.cursors WHERE stream = ? AND partition = ?", [stream.id, key]))?.cursor ?? undefined;
  let since = stored;
  if (since && stream.overlapMs && isIsoTime(since)) since = new Date(Date.parse(since) - stream.overlapMs).toISOString();
  if (ctx.since && (!since || ctx.since.toISOString() < since || ctx.full)) since = ctx.since.toISOString();

  let maxCursor = stored;
  const pendingDesc: string[] = [];
  for await (const page of stream.pages(ctx, partition, since)) {
    result.pages++;
    const fetchedAt = new Date();
    const body = JSON.stringify(page.items);
    const pageId = `${stream.id}:${key}:${createHash("sha256").update(page.url).update(JSON.stringify(page.params ?? {})).update(body).digest("hex").slice(0, 24)}`;
    const rawRow: Row = {
      page_id: pageId,
      stream: stream.id,
      partition: key,
      url: redact(page.url),
      params: redact(JSON.stringify(page.params ?? {})),
      fetched_at: fetchedAt,
      run_id: ctx.runId,
      body: redact(body),
    };

    // --verbose: every page with its (redacted) request, for diagnosing a nightly run from its log.
    ctx.log.debug("page", { stream: stream.id, partition: key, page: result.pages, url: rawRow.url, params: rawRow.params, items: page.items.length });

    // Validate first; on a bad item keep the raw page (for diagnosis) and stop this stream.
    const rows: RowsByTable = {};
    let pageMax: string | undefined;
    let invalid: InvalidItemError | undefined;
    for (const raw of page.items) {
      const parsed = stream.item.safeParse(raw);
      if (!parsed.success) {
        invalid = new InvalidItemError(stream.id, key, stream.itemId(raw), parsed.error.issues);
        break;
      }
      mergeRows(rows, stream.toRows(parsed.data, ctx, partition));
      const c = stream.cursorOf(parsed.data);
      if (c && (!pageMax || c > pageMax)) pageMax = c;
    }
    if (invalid) {
      await w.upsert("raw.pages", [rawRow]);
      throw invalid;
    }
    if (pageMax && (!maxCursor || pageMax > maxCursor)) maxCursor = pageMax;
    if (pageMax) pendingDesc.push(pageMax);

    await w.transaction(async () => {
      await w.upsert("raw.pages", [rawRow]);
      result.rows += await writeRows(ctx, rows);
      if (stream.order === "asc" && maxCursor) await saveCursor(ctx, stream.id, key, maxCursor);
    });
  }
  const finished = stream.finish ? await stream.finish(ctx, partition) : undefined;
  const finishRows = finished && "rows" in finished && typeof finished.rows === "object" && !Array.isArray(finished.rows) ? (finished as FinishResult) : undefined;
  const cursor = finishRows?.cursor ?? maxCursor;
  await w.transaction(async () => {
    if (finished) result.rows += await writeRows(ctx, finishRows ? finishRows.rows : (finished as RowsByTable));
    if (cursor) await saveCursor(ctx, stream.id, key, cursor);
  });
}

export async function writeRows(ctx: Pick<CollectContext, "warehouse">, rows: RowsByTable): Promise<number> {
  let n = 0;
  const collectedAt = new Date();
  for (const [table, list] of Object.entries(rows)) {
    if (!list?.length) continue;
    const constants = table.startsWith("core.") ? { collected_at: collectedAt } : undefined;
    n += await ctx.warehouse.upsert(table, dedupeById(table, list.map(redactRow)), { constants });
  }
  return n;
}

/**
 * Text from an API (a title, a note, a label) may hold a pasted token: core rows are scrubbed like
 * raw pages and logs, for every source. The row is copied only when something was replaced.
 */
function redactRow(row: Row): Row {
  let out: Row | undefined;
  for (const [key, value] of Object.entries(row)) {
    let clean: unknown = value;
    if (typeof value === "string") clean = redact(value);
    else if (Array.isArray(value) && value.some((v) => typeof v === "string")) {
      const list = value.map((v: unknown) => (typeof v === "string" ? redact(v) : v));
      if (list.some((v, i) => v !== value[i])) clean = list;
    }
    if (clean !== value) (out ??= { ...row })[key] = clean;
  }
  return out ?? row;
}

async function saveCursor(ctx: CollectContext, stream: string, partition: string, cursor: string) {
  await ctx.warehouse.run("INSERT OR REPLACE INTO sync.cursors (stream, partition, cursor, updated_at) VALUES (?, ?, ?, now())", [
    stream,
    partition,
    cursor,
  ]);
}

function mergeRows(into: RowsByTable, from: RowsByTable) {
  for (const [table, list] of Object.entries(from) as [keyof RowsByTable, Row[]][]) {
    if (!list?.length) continue;
    (into[table] ??= []).push(...list);
  }
}

const ID_COLUMN: Record<string, string[]> = {
  "core.deployments": ["deployment_id"],
  "core.changes": ["change_id"],
  "core.pull_requests": ["pr_id"],
  "core.incidents": ["incident_id"],
  "core.latency_buckets": ["service", "route", "bucket_start", "le"],
  "core.request_counts": ["service", "bucket_start"],
  "core.kpi_samples": ["name", "service", "bucket_start"],
};

/** INSERT OR REPLACE fails on a key repeated within one statement: the last row of a key wins. */
function dedupeById(table: string, rows: Row[]): Row[] {
  const cols = ID_COLUMN[table];
  if (!cols) return rows;
  const byKey = new Map<string, Row>();
  for (const row of rows) {
    let key = "";
    for (const c of cols) {
      const v = row[c];
      key += `${v instanceof Date ? v.getTime() : String(v)}\u0000`;
    }
    byKey.set(key, row);
  }
  return [...byKey.values()];
}

function isIsoTime(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s));
}
