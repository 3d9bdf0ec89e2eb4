import type { Row, Warehouse } from "../../warehouse/warehouse.ts";
import type { RowsByTable, StreamWarehouse } from "./stream.ts";
import { writeRows } from "./write-rows.ts";

/** Flush thresholds: whichever comes first. A crash re-fetches at most this much (the cursor moves with the data). */
export interface BatchLimits {
  pages: number;
  rows: number;
  bytes: number;
  ms: number;
}

export const BATCH_LIMITS: Readonly<BatchLimits> = Object.freeze({ pages: 100, rows: 20_000, bytes: 16 * 1024 * 1024, ms: 10_000 });

/**
 * Pages, their rows and the cursors they reach, held until one transaction writes them all: a commit
 * and each upsert cost about the same however few rows they carry, so a batch of pages costs little
 * more than one page. The cursor is written in the same transaction as the rows it covers, so a crash
 * loses only unwritten pages, which the next run fetches again.
 *
 * Every use of the warehouse during the stream (the batch's writes, the stream's own reads) goes
 * through one queue: one connection, one statement at a time, whatever the number of partitions
 * collected at once.
 */
export class PageBatch {
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
    private readonly warehouse: Pick<Warehouse, "transaction" | "upsert">,
    private readonly stream: string,
    private readonly limits: Readonly<BatchLimits>,
    /** Called with the rows each committed write upserted. */
    private readonly onWritten: (rows: number) => void,
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
    const l = this.limits;
    return this.raw.size >= l.pages || this.rowCount >= l.rows || this.bytes >= l.bytes || (!this.empty && Date.now() - this.since >= l.ms);
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
    const w = this.warehouse;
    const write = this.exclusive(async () => {
      if (this.failure) return;
      await w.transaction(async () => {
        if (raw.length) await w.upsert("raw.pages", raw);
        this.onWritten(await writeRows(w, rows));
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
   * Back-pressure: when the batch is full, queues its write; but while the writes already queued
   * hold a full batch's rows or bytes, the pages wait for them first, so memory holds at most one
   * batch being written and one filling, however much faster pages come than DuckDB writes them.
   * Batches full by page count only (many small pages, as in a nightly run) are queued without
   * waiting: they hold little memory, and waiting for each write would serialize the fetching behind
   * it.
   */
  async flushIfFull(): Promise<void> {
    while (this.full) {
      if (this.failure) throw this.failure;
      if (this.writing && (this.queuedRows >= this.limits.rows || this.queuedBytes >= this.limits.bytes)) {
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

  /**
   * The warehouse as the stream sees it: each call first commits the pending pages (a stream reads
   * its own writes), then takes its turn in the queue.
   */
  view(w: StreamWarehouse): StreamWarehouse {
    const turn = async <T>(fn: () => Promise<T>): Promise<T> => {
      await this.flush();
      return this.exclusive(fn);
    };
    return {
      all: <T = Row>(sql: string, params?: unknown[]) => turn(() => w.all<T>(sql, params)),
      one: <T = Row>(sql: string, params?: unknown[]) => turn(() => w.one<T>(sql, params)),
      run: (sql, params) => turn(() => w.run(sql, params)),
      upsert: (table, rows, options) => turn(() => w.upsert(table, rows, options)),
      append: (table, rows, options) => turn(() => w.append(table, rows, options)),
    };
  }
}
