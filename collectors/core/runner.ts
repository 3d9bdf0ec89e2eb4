import { createHash } from "node:crypto";
import type { Row, Warehouse } from "../../warehouse/warehouse.ts";
import { InvalidItemError, credentialsOf, httpStatusOf, isRefusal, isUnreachable, refusedMessage } from "./errors.ts";
import { InvalidSecretError, MissingSecretError, redact } from "./secrets.ts";
import type { AnyStream, CollectContext, FinishResult, RowsByTable, Source } from "./stream.ts";

export interface StreamResult {
  stream: string;
  partitions: number;
  pages: number;
  rows: number;
  /** Partitions that failed while others of the stream were collected (each named in `error`). */
  failedPartitions: { partition: string; reason: string }[];
  error?: string;
}

/**
 * What a source's requests have shown so far, shared by its streams: whether the API has accepted
 * the credentials (any page arrived), and, once the source cannot go on at all, why.
 */
export interface SourceRun {
  source: string;
  /** What an operator checks when the credentials are refused (the token variable …). */
  credentials: string;
  accepted: boolean;
  /** Set when the whole source fails (credentials missing or refused, API unreachable): no stream goes on. */
  halted?: string;
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
 * Runs every stream of a source. Pages are written in batches (PageBatch), each in one transaction
 * with the rows (upserted by id) and the cursors they reach. A stream that fails stops alone; the
 * others, and other sources, go on.
 */
export async function collectSource(source: Source, ctx: CollectContext): Promise<SourceResult> {
  const started = Date.now();
  const requestsBefore = ctx.requests.count;
  await ctx.warehouse.run(
    "INSERT OR REPLACE INTO sync.runs (run_id, source, started_at, status, pid) VALUES (?, ?, now(), 'running', ?)",
    [ctx.runId, source.name, process.pid],
  );
  const streams: StreamResult[] = [];
  const run: SourceRun = { source: source.name, credentials: credentialsOf(source, ctx.config), accepted: false };
  for (const stream of source.streams) {
    const result = await collectStream(stream, ctx, run);
    streams.push(result);
    if (result.rows >= BATCH_LIMITS.rows) await checkpoint(ctx, stream.id);
    // Missing or refused credentials, or an unreachable API, fail every stream alike: the others are not asked.
    if (run.halted) break;
  }
  const failed = streams.filter((s) => s.error);
  const rows = streams.reduce((n, s) => n + s.rows, 0);
  const requests = ctx.requests.count - requestsBefore;
  const error = run.halted ?? (failed.length ? failed.map((s) => (s.error!.startsWith(s.stream) ? s.error : `${s.stream}: ${s.error}`)).join("; ") : undefined);
  await ctx.warehouse.run(
    "UPDATE sync.runs SET finished_at = now(), status = ?, rows = ?, requests = ?, error = ? WHERE run_id = ? AND source = ?",
    [error ? "failure" : "success", rows, requests, error ?? null, ctx.runId, source.name],
  );
  return { source: source.name, status: error ? "failure" : "success", rows, requests, durationMs: Date.now() - started, streams, error };
}

/**
 * Marks runs still 'running' as 'abandoned'. Called by a run that holds the warehouse (DuckDB lets
 * one process write at a time), so a 'running' row left is a process killed or crashed mid-way;
 * the pid it recorded names it. Returns how many rows were marked.
 */
export async function markAbandonedRuns(w: Warehouse): Promise<number> {
  const rows = await w.all<{ n: number }>(
    `UPDATE sync.runs SET status = 'abandoned',
       error = concat_ws('; ', error, 'abandoned: the process that ran it' || coalesce(' (pid ' || pid || ', which held the warehouse lock)', '') || ' ended before it finished')
     WHERE status = 'running' RETURNING 1 AS n`,
  );
  return rows.length;
}

/**
 * Writes what a stream committed from the WAL into the file, after a stream that wrote at least a
 * batch's worth of rows (a backfill's). Rows written since the last checkpoint stay in DuckDB's
 * memory (and the allocations around them in the process): without this, the next stream started
 * on top of them; a backfill's RSS then held ~250 MB more after the latency stream than after a
 * checkpoint (bench/RESULTS.md, collector memory). After the few rows of a nightly stream it only
 * cost time: each checkpoint rewrote indexes and row groups of a 1.3 GB warehouse, ~20 s of a
 * 200-repository nightly run. Committed rows are safe in the WAL either way, so a failed checkpoint
 * is logged, not raised.
 */
async function checkpoint(ctx: CollectContext, stream: string): Promise<void> {
  try {
    await ctx.warehouse.run("CHECKPOINT");
  } catch (error) {
    ctx.log.warn(`checkpoint after ${stream} failed (its rows are committed; DuckDB checkpoints again later): ${redact((error as Error).message)}`);
  }
}

/**
 * Collects a stream's partitions. A partition that fails is recorded and the others go on (their
 * cursors move, the failed one's stays, so the next run fetches again only what failed), except:
 * - a credential that is missing, or refused (401/403) before the source's API accepted any
 *   request: the token is wrong, not one repository, so the source stops naming what to check;
 * - a network failure (no HTTP answer) before anything was accepted: the API is unreachable, and
 *   every other partition would only wait through the same retries;
 * - a failed warehouse write: later pages could carry a cursor past the lost rows.
 */
export async function collectStream(stream: AnyStream, ctx: CollectContext, run?: SourceRun): Promise<StreamResult> {
  const source = run ?? { source: stream.id.split(".")[0]!, credentials: "the source's credentials", accepted: false };
  const result: StreamResult = { stream: stream.id, partitions: 0, pages: 0, rows: 0, failedPartitions: [] };
  const log = ctx.log.child({ stream: stream.id });
  const batch = new PageBatch(ctx, stream.id, result);
  // The stream sees its own pending writes: any warehouse call it makes first commits the batch.
  const streamCtx: CollectContext = { ...ctx, warehouse: readYourWrites(ctx.warehouse, batch) };
  const fail = (message: string) => {
    log.error(message);
    result.error = result.error ? `${result.error}; ${message}` : message;
  };
  let partitions: unknown[];
  let cursors: Map<string, string>;
  let concurrency: number;
  try {
    partitions = await stream.partitions(streamCtx);
    cursors = ctx.full ? new Map() : await storedCursors(ctx.warehouse, stream.id);
    concurrency = Math.max(1, Math.floor(stream.concurrency?.(ctx) ?? 1));
  } catch (error) {
    const halt = haltsSource(source, error);
    if (halt) source.halted ??= halt;
    fail(halt ?? redact((error as Error).message));
    return result;
  }
  let next = 0;
  let stopped = false;
  const collectOne = async (index: number) => {
    const partition = partitions[index];
    const key = stream.partitionKey(partition);
    const report = () => ctx.progress?.({ stream: stream.id, partition: key, index: index + 1, partitions: partitions.length, pages: result.pages, rows: result.rows + batch.heldRows });
    report();
    try {
      try {
        await collectPartition(stream, streamCtx, batch, partition, key, cursors.get(key), result, source, report);
      } catch (error) {
        // What was fetched and validated before a failure is kept (with its cursor), as page by page.
        await batch.flush();
        throw error;
      }
      result.partitions++;
      source.accepted = true;
    } catch (error) {
      if (batch.failed) {
        fail(redact(error instanceof Error ? error.message : String(error)));
        stopped = true;
        return;
      }
      const halt = haltsSource(source, error, key);
      if (halt) {
        // Other lanes stop too; the first reason is the source's error.
        if (!source.halted) fail((source.halted = halt));
        return;
      }
      const status = httpStatusOf(error);
      const message = redact(error instanceof Error ? error.message : String(error));
      const reason = status === 404 ? `not found: ${message}` : status === 401 || status === 403 ? `refused (HTTP ${status}) while other partitions were read; check the token's access to it: ${message}` : message;
      result.failedPartitions.push({ partition: key, reason });
      fail(error instanceof InvalidItemError ? message : `[${key}] ${reason}`);
    }
  };
  // `concurrency` partitions at a time (one for most streams); their pages share the batch.
  const lane = async () => {
    while (!stopped && !source.halted && next < partitions.length) await collectOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, partitions.length) }, lane));
  try {
    // Partitions finished before a stop are kept, unless the warehouse is what failed.
    if (!batch.failed) await batch.flush();
  } catch (error) {
    fail(redact((error as Error).message));
    return result;
  }
  if (!result.error) log.info(`done`, { partitions: result.partitions, pages: result.pages, rows: result.rows });
  return result;
}

/** The source-level error an error amounts to (see collectStream), if it does. */
function haltsSource(source: SourceRun, error: unknown, key?: string): string | undefined {
  if (error instanceof MissingSecretError || error instanceof InvalidSecretError) return `${source.source}: ${error.message}`;
  if (source.accepted) return undefined;
  if (isRefusal(error)) return refusedMessage(source, error);
  if (isUnreachable(error)) return `${source.source}: ${key ? `[${key}] ` : ""}${redact(error instanceof Error ? error.message : String(error))}`;
  return undefined;
}

async function storedCursors(w: Warehouse, stream: string): Promise<Map<string, string>> {
  const rows = await w.all<{ partition: string; cursor: string | null }>("SELECT partition, cursor FROM sync.cursors WHERE stream = ?", [stream]);
  return new Map(rows.filter((r) => r.cursor !== null).map((r) => [r.partition, r.cursor!]));
}

/** Flush thresholds: whichever comes first. A crash re-fetches at most this much (the cursor moves with the data). */
export const BATCH_LIMITS = { pages: 100, rows: 20_000, bytes: 16 * 1024 * 1024, ms: 10_000 };

/**
 * Pages, their rows and the cursors they reach, held until one transaction writes them all: a
 * commit and each upsert cost milliseconds however few rows they carry, so writing page by page
 * made warehouse work (not HTTP) the bulk of a backfill. The cursor is written in the same
 * transaction as the rows it covers, so a crash loses only unwritten pages, which the next run
 * fetches again.
 *
 * Every use of the warehouse during the stream (the batch's writes, the stream's own reads) goes
 * through one queue: one connection, one statement at a time, whatever the number of partitions
 * collected at once.
 */
class PageBatch {
  private raw = new Map<string, Row>();
  private rows: RowsByTable = {};
  private cursors = new Map<string, string>();
  private rowCount = 0;
  private bytes = 0;
  private since = 0;
  private tail: Promise<unknown> = Promise.resolve();
  /** The last write queued or running, if any (settles, never rejects). */
  private writing: Promise<void> | undefined;
  /** Rows and page bytes of the writes queued or running. */
  private queuedRows = 0;
  private queuedBytes = 0;
  /** Set by a failed write: nothing more is taken (it could carry a cursor past the lost rows). */
  private failure: Error | undefined;

  constructor(
    private readonly ctx: CollectContext,
    private readonly stream: string,
    private readonly result: StreamResult,
  ) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Rows held, not yet written. */
  get heldRows(): number {
    return this.rowCount;
  }

  get empty(): boolean {
    return this.raw.size === 0 && this.rowCount === 0 && this.cursors.size === 0;
  }

  add(raw: Row | undefined, rows: RowsByTable, cursor?: { partition: string; value: string }) {
    if (this.failure) throw this.failure;
    if (this.empty) this.since = Date.now();
    if (raw) {
      // The same page fetched twice (overlapping windows) is one row: the last copy wins.
      this.raw.delete(raw.page_id as string);
      this.raw.set(raw.page_id as string, raw);
      this.bytes += (raw.body as string).length;
    }
    for (const [table, list] of Object.entries(rows) as [keyof RowsByTable, Row[]][]) {
      if (!list?.length) continue;
      const into = (this.rows[table] ??= []);
      for (const row of list) into.push(row);
      this.rowCount += list.length;
    }
    if (cursor) this.cursors.set(cursor.partition, cursor.value);
  }

  get full(): boolean {
    return (
      this.raw.size >= BATCH_LIMITS.pages || this.rowCount >= BATCH_LIMITS.rows || this.bytes >= BATCH_LIMITS.bytes || (!this.empty && Date.now() - this.since >= BATCH_LIMITS.ms)
    );
  }

  /** Runs fn when every earlier write and read of the stream is done. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Empties the batch, returning what it held. */
  private take() {
    const raw = [...this.raw.values()];
    const rows = this.rows;
    const cursors = [...this.cursors].map(([partition, cursor]) => ({ stream: this.stream, partition, cursor, updated_at: new Date() }));
    this.raw = new Map();
    this.rows = {};
    this.cursors = new Map();
    this.rowCount = 0;
    this.bytes = 0;
    return { raw, rows, cursors };
  }

  /**
   * Queues a write of what is held and returns at once: the next page is fetched while DuckDB
   * writes. A failed write surfaces at the next add, flush or read; what is held then is dropped,
   * as it may carry a cursor past the rows that were not written. Unwritten pages are fetched
   * again by the next run.
   */
  flushInBackground(): void {
    if (this.failure) throw this.failure;
    if (this.empty) return;
    const size = { rows: this.rowCount, bytes: this.bytes };
    this.queuedRows += size.rows;
    this.queuedBytes += size.bytes;
    const { raw, rows, cursors } = this.take();
    const w = this.ctx.warehouse;
    const write = this.exclusive(async () => {
      if (this.failure) return;
      await w.transaction(async () => {
        if (raw.length) await w.upsert("raw.pages", raw);
        this.result.rows += await writeRows(this.ctx, rows);
        if (cursors.length) await w.upsert("sync.cursors", cursors);
      });
    });
    const settled = write.then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
        this.take();
      },
    );
    const done: Promise<void> = settled.finally(() => {
      this.queuedRows -= size.rows;
      this.queuedBytes -= size.bytes;
      if (this.writing === done) this.writing = undefined;
    });
    this.writing = done;
  }

  /**
   * When the batch is full, queues its write; but while the writes already queued hold a full
   * batch's rows or bytes, the pages wait for them first. Without this wait, pages that came faster
   * than DuckDB wrote them piled up as pending batches, and the backlog (the whole partition's rows,
   * in a Prometheus backfill whose upserts slow as the table grows) grew with the history collected.
   * Batches full by page count only (many small pages, as in a nightly run) are queued without
   * waiting: they hold little memory, and waiting for each write serialized the fetching behind it.
   */
  async flushIfFull(): Promise<void> {
    while (this.full) {
      if (this.failure) throw this.failure;
      if (this.writing && (this.queuedRows >= BATCH_LIMITS.rows || this.queuedBytes >= BATCH_LIMITS.bytes)) {
        await this.writing;
        continue;
      }
      this.flushInBackground();
    }
  }

  /** Writes everything held and waits until it is committed (rethrows a failed write). */
  async flush(): Promise<void> {
    this.flushInBackground();
    await this.tail;
    if (this.failure) throw this.failure;
  }
}

/** The warehouse as a stream sees it: each call waits for the pending batch, then takes its turn. */
function readYourWrites(w: Warehouse, batch: PageBatch): Warehouse {
  const queued = new Set(["all", "one", "run", "upsert", "append"]);
  return new Proxy(w, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "transaction") {
        return () => Promise.reject(new Error("a stream writes through its pages and finish(), not its own transactions"));
      }
      if (typeof prop === "string" && queued.has(prop)) {
        return async (...args: unknown[]) => {
          await batch.flush();
          return batch.exclusive(async () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

async function collectPartition(
  stream: AnyStream,
  ctx: CollectContext,
  batch: PageBatch,
  partition: unknown,
  key: string,
  stored: string | undefined,
  result: StreamResult,
  source: SourceRun,
  report: () => void,
) {
  let since = stored;
  if (since && stream.overlapMs && isIsoTime(since)) since = new Date(Date.parse(since) - stream.overlapMs).toISOString();
  if (ctx.since && (!since || ctx.since.toISOString() < since || ctx.full)) since = ctx.since.toISOString();

  let maxCursor = stored;
  for await (const page of stream.pages(ctx, partition, since)) {
    source.accepted = true;
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
      // The pages before it are written with their cursor (the caller flushes); this one raw only.
      batch.add(rawRow, {});
      throw invalid;
    }
    if (pageMax && (!maxCursor || pageMax > maxCursor)) maxCursor = pageMax;
    batch.add(rawRow, rows, stream.order === "asc" && maxCursor ? { partition: key, value: maxCursor } : undefined);
    report();
    await batch.flushIfFull();
  }
  const finished = stream.finish ? await stream.finish(ctx, partition) : undefined;
  const finishRows = finished && "rows" in finished && typeof finished.rows === "object" && !Array.isArray(finished.rows) ? (finished as FinishResult) : undefined;
  const cursor = finishRows?.cursor ?? maxCursor;
  batch.add(undefined, finished ? (finishRows ? finishRows.rows : (finished as RowsByTable)) : {}, cursor ? { partition: key, value: cursor } : undefined);
  await batch.flushIfFull();
}

/** `collectedAt`: when the rows were seen (an open incident is censored there); default now. */
export async function writeRows(ctx: Pick<CollectContext, "warehouse">, rows: RowsByTable, collectedAt = new Date()): Promise<number> {
  let n = 0;
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
