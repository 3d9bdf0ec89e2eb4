// grain: one row per grain (day, week, month), period and service, plus service '*' for all services, with changes deployed in it.
// inputs: metrics.lead_time_items.
// definition: the lead-time statistics of metrics.lead_time for the periods with changes (metrics.lead_time adds the empty periods of the grid).
//
// Why TypeScript: the statistics need every value of a group at once, and the groups overlap six ways
// (day, week and month, each per service and for '*'). In SQL that meant a sorted list per group and
// column, five columns × six groupings of 10M changes at 1M deployments: 30–60 s, and DuckDB cannot
// spill list or quantile states. Here the changes are read in slices of whole weeks (day and week
// groups) and whole months (month groups), each slice's rows are ordered by day and service with a
// counting sort (a '*' group is then one range, a service's group one range per day), and each
// statistic is an order statistic found by selection, not sorting (in worker threads, while DuckDB
// reads the next slice; ../lib/lead-time-groups.ts, ../lib/order-stats.ts) — the same numbers as
// DuckDB's quantile_cont (test/unit/transforms/lead-time-groups.test.ts compares them with the SQL
// reference, test/unit/transforms/reference/int_lead_time_groups.sql). The mean is the exact sum of
// the values rounded once, divided by their count: the same result whatever order the rows come in.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";
import type { DuckDBMaterializedResult, DuckDBVector } from "@duckdb/node-api";
import type { SliceReply, SliceTask } from "../lib/lead-time-worker.ts";
import type { TsTransform } from "../run.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { alloc, DAY_MS, periodOf, sliceGroups, type Grain, type GroupRow, type Slice } from "../lib/lead-time-groups.ts";

/** Changes per slice by default (48 bytes each while a slice is held: 24 MB; one slice per thread is held). */
const SLICE_CHANGES = 500_000;
/** Worker threads compute the slices from this many changes on (below, this thread does). */
const WORKERS_FROM = 300_000;

/** Slices of at least this many changes are followed by a garbage collection (see collectGarbage). */
const COLLECT_FROM = 100_000;

/**
 * A full garbage collection. A slice's materialized result holds its rows in DuckDB's native memory
 * until V8 collects the small JS object in front of it, and V8 does not know that size: with the
 * slices computed in worker threads this thread's heap hardly grows, so results piled up, ~1 GB
 * over the 39 slices of 1M deployments (peak RSS 2.2 GB; 1.66 GB collecting after each slice,
 * bench/RESULTS.md). `gc` is exposed at run time, on first use, the way Jest does it, unless node already has it.
 */
function collectGarbage(): void {
  gc ??=
    (globalThis as { gc?: () => void }).gc ??
    (() => {
      setFlagsFromString("--expose-gc");
      return runInNewContext("gc") as () => void;
    })();
  gc();
}
let gc: (() => void) | undefined;

/** Worker threads computing slices (lead-time-worker.ts), one slice each at a time. */
class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private waiting: (() => void)[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL("../lib/lead-time-worker.mjs", import.meta.url));
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  /** Resolves when a worker is free (by then another caller may have taken it: check again). */
  free(): Promise<void> {
    return this.idle.length > 0 ? Promise.resolve() : new Promise((ok) => this.waiting.push(ok));
  }

  /** The slice's groups, computed by a free worker (the slice's arrays move to it). */
  async run(task: SliceTask): Promise<GroupRow[]> {
    while (this.idle.length === 0) await this.free();
    const worker = this.idle.pop()!;
    try {
      return await new Promise<GroupRow[]>((ok, fail) => {
        const done = () => {
          worker.off("message", onMessage);
          worker.off("error", onError);
          worker.off("exit", onExit);
        };
        const onMessage = (reply: SliceReply) => {
          done();
          if ("error" in reply) fail(new Error(`lead-time worker: ${reply.error}`));
          else ok(reply.groups);
        };
        const onError = (error: Error) => {
          done();
          fail(error);
        };
        const onExit = (code: number) => {
          done();
          fail(new Error(`lead-time worker exited with code ${code}`));
        };
        worker.on("message", onMessage);
        worker.on("error", onError);
        worker.on("exit", onExit);
        const s = task.slice;
        worker.postMessage(task, [s.sid.buffer, s.day.buffer, s.lead.buffer, ...s.stages.map((a) => a.buffer)] as ArrayBuffer[]);
      });
    } finally {
      this.idle.push(worker);
      const waiting = this.waiting;
      this.waiting = [];
      for (const wake of waiting) wake();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
/** YYYY-MM-DD of a day number (a literal DATE lets DuckDB skip row groups outside a slice). */
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The query of one slice's rows: NULLs as −1 (service) and NaN (values), so no validity masks to read. */
function sliceQuery(from: number, to: number): string {
  // NaN fails every filter below as NULL does in SQL (lead times are differences of timestamps: never NaN themselves)
  return `SELECT coalesce(s.sid, -1)::INTEGER AS sid, (i.local_day - DATE '1970-01-01')::INTEGER AS day,
            coalesce(i.lead_time_hours, 'NaN'::DOUBLE), coalesce(i.coding_hours, 'NaN'::DOUBLE), coalesce(i.pickup_hours, 'NaN'::DOUBLE),
            coalesce(i.review_hours, 'NaN'::DOUBLE), coalesce(i.deploy_hours, 'NaN'::DOUBLE)
     FROM metrics.lead_time_items i
     LEFT JOIN lead_time_services s ON s.service = i.service
     WHERE i.local_day >= DATE '${isoDay(from)}' AND i.local_day < DATE '${isoDay(to)}'`;
}

/** A slice's rows from its materialized query result. */
function toSlice(result: DuckDBMaterializedResult): Slice {
  const s = alloc(result.rowCount);
  for (let i = 0; i < result.chunkCount; i++) {
    const chunk = result.getChunk(i);
    const rows = chunk.rowCount;
    const targets = [s.sid, s.day, s.lead, ...s.stages];
    for (let k = 0; k < 7; k++) copyColumn(chunk.getColumnVector(k), targets[k]!, s.n, rows);
    s.n += rows;
  }
  return s;
}

/**
 * Copies a chunk's column (no NULLs) into `into` at `at`: the vector's own typed array when it has
 * one of the same kind (@duckdb/node-api keeps it as `items`), else value by value.
 */
function copyColumn(vector: DuckDBVector, into: Int32Array | Float64Array, at: number, rows: number): void {
  const items = (vector as unknown as { items?: unknown }).items;
  if ((items instanceof Int32Array || items instanceof Float64Array) && items.constructor === into.constructor && items.length === rows) {
    into.set(items, at);
    return;
  }
  for (let i = 0; i < rows; i++) into[at + i] = vector.getItem(i) as number;
}

/** [from, to) day ranges of whole weeks or months holding about `sliceChanges` changes each (more when one period holds more). */
async function slices(w: Warehouse, grain: "week" | "month", sliceChanges: number): Promise<[number, number][]> {
  const perDay = await w.all<{ day: number; n: number }>(
    `SELECT (local_day - DATE '1970-01-01')::INTEGER AS day, count(*)::INTEGER AS n FROM metrics.lead_time_items WHERE local_day IS NOT NULL GROUP BY ALL ORDER BY 1`,
  );
  const out: [number, number][] = [];
  let from: number | undefined;
  let period: number | undefined;
  let count = 0;
  for (const { day, n } of perDay) {
    const p = periodOf(grain, day);
    if (from === undefined) from = p;
    // a slice ends before the first period that no longer fits (whole periods only)
    else if (p !== period && count >= sliceChanges) {
      out.push([from, p]);
      from = p;
      count = 0;
    }
    period = p;
    count += n;
  }
  if (from !== undefined) out.push([from, perDay.at(-1)!.day + 1]);
  return out;
}

/**
 * Writes intermediate.int_lead_time_groups from metrics.lead_time_items. Options for tests: the changes
 * per slice, the threads computing slices (1: in this thread), and the slice size from which a
 * garbage collection follows each slice.
 */
export async function leadTimeGroups(w: Warehouse, options: { sliceChanges?: number; threads?: number; collectFrom?: number } = {}): Promise<void> {
  const c = w.connection;
  await c.run("DROP TABLE IF EXISTS lead_time_services");
  await c.run("DROP TABLE IF EXISTS lead_time_group_rows");
  await c.run(
    `CREATE TEMP TABLE lead_time_services AS
     SELECT service, (row_number() OVER (ORDER BY service) - 1)::INTEGER AS sid
     FROM (SELECT DISTINCT service FROM metrics.lead_time_items WHERE service IS NOT NULL)`,
  );
  await c.run(
    `CREATE TEMP TABLE lead_time_group_rows (grain VARCHAR, period INTEGER, sid INTEGER, changes BIGINT, median DOUBLE, p90 DOUBLE, mean DOUBLE,
       coding DOUBLE, pickup DOUBLE, review DOUBLE, deploy DOUBLE, nonpositive BIGINT)`,
  );
  try {
    const services = (await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM lead_time_services"))!.n;
    const tasks: { from: number; to: number; grains: Grain[] }[] = [];
    for (const [from, to] of await slices(w, "week", options.sliceChanges ?? SLICE_CHANGES)) tasks.push({ from, to, grains: ["day", "week"] });
    for (const [from, to] of await slices(w, "month", options.sliceChanges ?? SLICE_CHANGES)) tasks.push({ from, to, grains: ["month"] });
    const changes = (await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM metrics.lead_time_items"))!.n;
    // threads: DuckDB's (DORA_TRANSFORMS_THREADS, else one per core); starting a worker takes a few
    // hundred milliseconds, worth it from a few hundred thousand changes
    const threads = options.threads ?? (changes >= WORKERS_FROM ? (await w.one<{ n: number }>("SELECT current_setting('threads')::INTEGER AS n"))!.n : 1);
    const pool = threads > 1 && tasks.length > 1 ? new WorkerPool(Math.min(threads, tasks.length)) : undefined;
    const results: Promise<GroupRow[]>[] = [];
    try {
      // DuckDB reads the next slice (in its own threads) while this one is computed
      let next = tasks.length > 0 ? c.run(sliceQuery(tasks[0]!.from, tasks[0]!.to)) : undefined;
      for (const [i, task] of tasks.entries()) {
        const result = await next!;
        const s = toSlice(result);
        if (result.rowCount >= (options.collectFrom ?? COLLECT_FROM)) collectGarbage();
        next = i + 1 < tasks.length ? c.run(sliceQuery(tasks[i + 1]!.from, tasks[i + 1]!.to)) : undefined;
        // handled here too: a failure below must not leave it unhandled (it is awaited on the next turn)
        next?.catch(() => undefined);
        if (pool) {
          const result = pool.run({ slice: s, services, grains: task.grains });
          result.catch(() => undefined);
          results.push(result);
          await pool.free(); // at most one slice per worker is held
        } else results.push(Promise.resolve(sliceGroups(s, services, task.grains)));
      }
    } finally {
      await Promise.allSettled(results);
      await pool?.close();
    }
    const groups = (await Promise.all(results)).flat();
    const appender = await c.createAppender("lead_time_group_rows", "main", "temp");
    try {
      for (const g of groups) {
        appender.appendVarchar(g.grain);
        appender.appendInteger(g.period);
        appender.appendInteger(g.sid);
        appender.appendBigInt(BigInt(g.changes));
        for (const v of [g.median, g.p90, g.mean, ...g.stages]) {
          if (v === null) appender.appendNull();
          else appender.appendDouble(v);
        }
        appender.appendBigInt(BigInt(g.nonpositive));
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    await w.run(
      `CREATE OR REPLACE TABLE intermediate.int_lead_time_groups AS
       SELECT r.grain, DATE '1970-01-01' + r.period AS period_start,
              CASE WHEN r.sid = -2 THEN '*' ELSE s.service END AS service,
              r.changes, r.median AS median_hours, r.p90 AS p90_hours, r.mean AS mean_hours,
              r.coding AS coding_median_hours, r.pickup AS pickup_median_hours, r.review AS review_median_hours,
              r.deploy AS deploy_median_hours, r.nonpositive AS nonpositive_changes
       FROM lead_time_group_rows r
       LEFT JOIN lead_time_services s ON s.sid = r.sid`,
    );
  } finally {
    await c.run("DROP TABLE IF EXISTS lead_time_group_rows");
    await c.run("DROP TABLE IF EXISTS lead_time_services");
  }
}

const transform: TsTransform = {
  reads: ["metrics.lead_time_items"],
  run: (w) => leadTimeGroups(w),
};
export default transform;
