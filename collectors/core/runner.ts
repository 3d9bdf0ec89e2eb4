import type { Warehouse } from "../../warehouse/warehouse.ts";
import { InvalidItemError, credentialsOf, httpStatusOf, isRefusal, isUnreachable, refusedMessage } from "./errors.ts";
import { BATCH_LIMITS, PageBatch, type BatchLimits } from "./page-batch.ts";
import { collectPartition } from "./partition.ts";
import { finishRun, startRun } from "./run-log.ts";
import { InvalidSecretError, MissingSecretError, redact } from "./secrets.ts";
import type { AnySource, AnyStream, CollectContext } from "./stream.ts";

export { markAbandonedRuns } from "./run-log.ts";

/** What a run gives the runner: the streams' context, over the warehouse itself (the runner writes pages in its transactions). */
export interface RunContext extends Omit<CollectContext, "state"> {
  warehouse: Warehouse;
  /** Flush thresholds of the page batches (tests shrink them); BATCH_LIMITS otherwise. */
  batchLimits?: Partial<BatchLimits>;
}

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
 * Runs every stream of a source, with the state its streams share during this run. Pages are
 * written in batches (page-batch.ts), each in one transaction with the rows and the cursors they
 * reach. A stream that fails stops alone; the others, and other sources, go on.
 */
export async function collectSource(source: AnySource, ctx: RunContext): Promise<SourceResult> {
  const started = Date.now();
  const requestsBefore = ctx.requests.count;
  await startRun(ctx.warehouse, ctx.runId, source.name);
  const streams: StreamResult[] = [];
  const run: SourceRun = { source: source.name, credentials: credentialsOf(source, ctx.config), accepted: false };
  const state = source.start?.(ctx);
  const limits = { ...BATCH_LIMITS, ...ctx.batchLimits };
  for (const stream of source.streams) {
    const result = await collectStream(stream, { ...ctx, state }, run);
    streams.push(result);
    if (result.rows >= limits.rows) await checkpoint(ctx, stream.id);
    // Missing or refused credentials, or an unreachable API, fail every stream alike: the others are not asked.
    if (run.halted) break;
  }
  const failed = streams.filter((s) => s.error);
  const rows = streams.reduce((n, s) => n + s.rows, 0);
  const requests = ctx.requests.count - requestsBefore;
  const error = run.halted ?? (failed.length ? failed.map((s) => (s.error!.startsWith(s.stream) ? s.error : `${s.stream}: ${s.error}`)).join("; ") : undefined);
  const status = error ? "failure" : "success";
  await finishRun(ctx.warehouse, ctx.runId, source.name, { status, rows, requests, error });
  return { source: source.name, status, rows, requests, durationMs: Date.now() - started, streams, error };
}

/**
 * Writes what a stream committed from the WAL into the file, after a stream that wrote at least a
 * batch's worth of rows (a backfill's). Rows since the last checkpoint stay in DuckDB's memory, and
 * freed native memory stays in the process until one: the next stream would start on top of them.
 * After the few rows of a nightly stream it would only cost time (a checkpoint rewrites indexes and
 * row groups of the whole file). Figures: bench/RESULTS.md, collector memory and nightly runs.
 * Committed rows are safe in the WAL either way, so a failed checkpoint is logged, not raised.
 */
async function checkpoint(ctx: RunContext, stream: string): Promise<void> {
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
export async function collectStream(stream: AnyStream, ctx: RunContext & { state: unknown }, run?: SourceRun): Promise<StreamResult> {
  const source = run ?? { source: stream.id.split(".")[0]!, credentials: "the source's credentials", accepted: false };
  const result: StreamResult = { stream: stream.id, partitions: 0, pages: 0, rows: 0, failedPartitions: [] };
  const log = ctx.log.child({ stream: stream.id });
  const batch = new PageBatch(ctx.warehouse, stream.id, { ...BATCH_LIMITS, ...ctx.batchLimits }, (rows) => (result.rows += rows));
  // The stream sees its own pending writes: any warehouse call it makes first commits the batch.
  const streamCtx: CollectContext = { ...ctx, warehouse: batch.view(ctx.warehouse) };
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
    concurrency = Math.max(1, Math.floor(stream.concurrency?.(streamCtx) ?? 1));
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
        await collectPartition({
          stream,
          ctx: streamCtx,
          batch,
          partition,
          key,
          stored: cursors.get(key),
          onPage: () => {
            source.accepted = true;
            result.pages++;
          },
          onAdded: report,
          pages: () => result.pages,
        });
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
