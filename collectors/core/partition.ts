import { createHash } from "node:crypto";
import type { Row } from "../../warehouse/warehouse.ts";
import { InvalidItemError } from "./errors.ts";
import type { PageBatch } from "./page-batch.ts";
import { redact } from "./secrets.ts";
import type { AnyStream, CollectContext, FinishResult, RowsByTable } from "./stream.ts";
import { mergeRows } from "./write-rows.ts";

/** One partition of a stream (a repository, a service) being collected into the stream's batch. */
export interface PartitionRun {
  stream: AnyStream;
  ctx: CollectContext;
  batch: PageBatch;
  partition: unknown;
  key: string;
  /** The partition's stored cursor, unless the run ignores cursors. */
  stored: string | undefined;
  /** Called as each page arrives, before it is validated: the API has accepted the request. */
  onPage: () => void;
  /** Called after each page is added to the batch (progress). */
  onAdded: () => void;
  /** The stream's page count so far, for the debug log. */
  pages: () => number;
}

/**
 * Walks a partition's pages from where it stopped: each page is kept raw, its items validated and
 * mapped to rows, and the batch takes both with the cursor they reach (ascending streams) or, after
 * the last page, the cursor of the whole walk. A bad item stops the partition; the pages before it
 * and its own raw page are kept (the caller flushes).
 */
export async function collectPartition(run: PartitionRun): Promise<void> {
  const { stream, ctx, batch, partition, key, stored } = run;
  let maxCursor = stored;
  for await (const page of stream.pages(ctx, partition, startOf(run))) {
    run.onPage();
    const body = JSON.stringify(page.items);
    const rawRow: Row = {
      page_id: `${stream.id}:${key}:${createHash("sha256").update(page.url).update(JSON.stringify(page.params ?? {})).update(body).digest("hex").slice(0, 24)}`,
      stream: stream.id,
      partition: key,
      url: redact(page.url),
      params: redact(JSON.stringify(page.params ?? {})),
      fetched_at: new Date(),
      run_id: ctx.runId,
      body: redact(body),
    };

    // --verbose: every page with its (redacted) request, for diagnosing a nightly run from its log.
    ctx.log.debug("page", { stream: stream.id, partition: key, page: run.pages(), url: rawRow.url, params: rawRow.params, items: page.items.length });

    const rows: RowsByTable = {};
    let pageMax: string | undefined;
    for (const raw of page.items) {
      const parsed = stream.item.safeParse(raw);
      if (!parsed.success) {
        batch.add(rawRow, {});
        throw new InvalidItemError(stream.id, key, stream.itemId(raw), parsed.error.issues);
      }
      mergeRows(rows, stream.toRows(parsed.data, ctx, partition));
      const c = stream.cursorOf(parsed.data);
      if (c && (!pageMax || c > pageMax)) pageMax = c;
    }
    if (pageMax && (!maxCursor || pageMax > maxCursor)) maxCursor = pageMax;
    batch.add(rawRow, rows, stream.order === "asc" && maxCursor ? { partition: key, value: maxCursor } : undefined);
    run.onAdded();
    await batch.flushIfFull();
  }
  const finished = stream.finish ? await stream.finish(ctx, partition) : undefined;
  const finishRows = finished && "rows" in finished && typeof finished.rows === "object" && !Array.isArray(finished.rows) ? (finished as FinishResult) : undefined;
  const cursor = finishRows?.cursor ?? maxCursor;
  batch.add(undefined, finished ? (finishRows ? finishRows.rows : (finished as RowsByTable)) : {}, cursor ? { partition: key, value: cursor } : undefined);
  await batch.flushIfFull();
}

/**
 * Where the walk starts: the stored cursor stepped back by the stream's overlap (late updates are
 * read again), or --since when it is earlier or the run ignores cursors.
 */
function startOf({ stream, ctx, stored }: PartitionRun): string | undefined {
  let since = stored;
  if (since && stream.overlapMs && isIsoTime(since)) since = new Date(Date.parse(since) - stream.overlapMs).toISOString();
  if (ctx.since && (!since || ctx.since.toISOString() < since || ctx.full)) since = ctx.since.toISOString();
  return since;
}

function isIsoTime(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s));
}
