// grain: one row per grain (day, week, month), period and service, plus service '*' for all services, with changes deployed in it.
// inputs: metrics.lead_time_items.
// definition: the lead-time statistics of metrics.lead_time for the periods with changes (metrics.lead_time adds the empty periods of the grid).
//
// Why TypeScript: the statistics need every value of a group at once, and the groups overlap six ways
// (day, week and month, each per service and for '*'). In SQL that meant a sorted list per group and
// column, five columns × six groupings of 10M changes at 1M deployments: 30–60 s, and DuckDB cannot
// spill list or quantile states. Here the changes are read in slices of whole weeks (day and week
// groups) and whole months (month groups), each slice's rows are bucketed by group with a counting
// sort, and each statistic is an order statistic found by selection (no sort) — the same numbers as
// DuckDB's quantile_cont (test/unit/transforms/lead-time-groups.test.ts compares them with the SQL
// reference, test/unit/transforms/reference/int_lead_time_groups.sql). The mean is the exact sum of
// the values rounded once, divided by their count: the same result whatever order the rows come in.
import type { DuckDBConnection, DuckDBVector } from "@duckdb/node-api";
import type { TsTransform } from "../run.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { exactSum, quantilesCont } from "../lib/order-stats.ts";

/** Changes per slice by default (48 bytes each while a slice is held: 48 MB). */
const SLICE_CHANGES = 1_000_000;
const DAY_MS = 86_400_000;

type Grain = "day" | "week" | "month";

/** Days since 1970-01-01 of the period start holding `day` (also days since 1970-01-01). */
function periodOf(grain: Grain, day: number): number {
  if (grain === "day") return day;
  if (grain === "week") return day - ((((day + 3) % 7) + 7) % 7); // ISO weeks start on Monday; day 0 was a Thursday
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS;
}

/** YYYY-MM-DD of a day number (a literal DATE lets DuckDB skip row groups outside a slice). */
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The rows of one slice: service index (−1: NULL service), local day, and the five values (NaN: NULL). */
interface Slice {
  n: number;
  sid: Int32Array;
  day: Int32Array;
  lead: Float64Array;
  stages: Float64Array[]; // coding, pickup, review, deploy
}

interface GroupRow {
  grain: Grain;
  period: number;
  sid: number; // −2: '*'
  changes: number;
  median: number | null;
  p90: number | null;
  mean: number | null;
  stages: (number | null)[];
  nonpositive: number;
}

async function readSlice(c: DuckDBConnection, from: number, to: number): Promise<Slice> {
  // NULLs as −1 (service) and NaN (values): no validity masks to read, and NaN fails every filter below
  // as NULL does in SQL (lead times are differences of timestamps: never NaN themselves)
  const result = await c.stream(
    `SELECT coalesce(s.sid, -1)::INTEGER AS sid, (i.local_day - DATE '1970-01-01')::INTEGER AS day,
            coalesce(i.lead_time_hours, 'NaN'::DOUBLE), coalesce(i.coding_hours, 'NaN'::DOUBLE), coalesce(i.pickup_hours, 'NaN'::DOUBLE),
            coalesce(i.review_hours, 'NaN'::DOUBLE), coalesce(i.deploy_hours, 'NaN'::DOUBLE)
     FROM metrics.lead_time_items i
     LEFT JOIN lead_time_services s ON s.service = i.service
     WHERE i.local_day >= DATE '${isoDay(from)}' AND i.local_day < DATE '${isoDay(to)}'`,
  );
  let cap = 1 << 16;
  let s: Slice = alloc(cap);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    if (s.n + rows > cap) {
      while (s.n + rows > cap) cap *= 2;
      s = grow(s, cap);
    }
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

function alloc(cap: number): Slice {
  return { n: 0, sid: new Int32Array(cap), day: new Int32Array(cap), lead: new Float64Array(cap), stages: [0, 1, 2, 3].map(() => new Float64Array(cap)) };
}

function grow(s: Slice, cap: number): Slice {
  const t = alloc(cap);
  t.n = s.n;
  t.sid.set(s.sid.subarray(0, s.n));
  t.day.set(s.day.subarray(0, s.n));
  t.lead.set(s.lead.subarray(0, s.n));
  for (let k = 0; k < 4; k++) t.stages[k]!.set(s.stages[k]!.subarray(0, s.n));
  return t;
}

/**
 * The slice's rows ordered by (day, service) with a counting sort, and where each (day, service) run
 * starts: a '*' group of a period is then one contiguous range, and a service's group one run per day.
 */
interface Sorted {
  firstDay: number;
  days: number;
  width: number; // slots per day: NULL service, then services 0 … n − 1
  start: Int32Array; // rows of day d (from firstDay) and slot k: [start[d × width + k], start[d × width + k + 1])
  lead: Float64Array;
  stages: Float64Array[];
}

function sortSlice(s: Slice, services: number): Sorted {
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (let i = 0; i < s.n; i++) {
    const d = s.day[i]!;
    if (d < firstDay) firstDay = d;
    if (d > lastDay) lastDay = d;
  }
  const width = services + 1;
  const days = s.n === 0 ? 0 : lastDay - firstDay + 1;
  const keys = days * width;
  const start = new Int32Array(keys + 1);
  const key = new Int32Array(s.n);
  for (let i = 0; i < s.n; i++) {
    const k = (s.day[i]! - firstDay) * width + s.sid[i]! + 1;
    key[i] = k;
    start[k + 1]!++;
  }
  for (let k = 0; k < keys; k++) start[k + 1]! += start[k]!;
  const at = start.slice(0, Math.max(keys, 1));
  const position = new Int32Array(s.n);
  for (let i = 0; i < s.n; i++) position[i] = at[key[i]!]!++;
  const permute = (from: Float64Array) => {
    const to = new Float64Array(s.n);
    for (let i = 0; i < s.n; i++) to[position[i]!] = from[i]!;
    return to;
  };
  return { firstDay, days, width, start, lead: permute(s.lead), stages: s.stages.map(permute) };
}

/** The statistics of the rows in `ranges` (pairs of [from, to) row positions). */
function statistics(t: Sorted, ranges: number[], scratch: Float64Array): Omit<GroupRow, "grain" | "period" | "sid"> | undefined {
  let rows = 0;
  for (let r = 0; r < ranges.length; r += 2) rows += ranges[r + 1]! - ranges[r]!;
  if (rows === 0) return undefined;
  // lead times > 0 are the statistics; ≤ 0 are counted apart; NULL (NaN here) in neither
  let n = 0;
  let nonpositive = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    for (let i = ranges[r]!, end = ranges[r + 1]!; i < end; i++) {
      const v = t.lead[i]!;
      if (v > 0) scratch[n++] = v;
      else if (v <= 0) nonpositive++;
    }
  }
  let mean: number | null = null;
  let median: number | null = null;
  let p90: number | null = null;
  if (n > 0) {
    mean = exactSum(scratch, n) / n;
    [median = null, p90 = null] = quantilesCont(scratch, n, [0.5, 0.9], true);
  }
  // each stage's median over the changes with a positive lead time and a stage ≥ 0
  const stages = t.stages.map((values) => {
    let m = 0;
    for (let r = 0; r < ranges.length; r += 2) {
      for (let i = ranges[r]!, end = ranges[r + 1]!; i < end; i++) {
        const v = values[i]!;
        if (t.lead[i]! > 0 && v >= 0) scratch[m++] = v + 0; // + 0: −0 as 0
      }
    }
    return quantilesCont(scratch, m, [0.5], true)[0] ?? null;
  });
  return { changes: n, median, p90, mean, stages, nonpositive };
}

/** Every group of `grain` in the slice, per service and for '*' (sid −2). */
function groupsOf(t: Sorted, grain: Grain, scratch: Float64Array): GroupRow[] {
  const out: GroupRow[] = [];
  // the slice's days by period, in order (the slice holds whole periods)
  for (let d0 = 0; d0 < t.days; ) {
    const period = periodOf(grain, t.firstDay + d0);
    let d1 = d0 + 1;
    while (d1 < t.days && periodOf(grain, t.firstDay + d1) === period) d1++;
    const all = statistics(t, [t.start[d0 * t.width]!, t.start[d1 * t.width]!], scratch);
    if (all) {
      for (let slot = 0; slot < t.width; slot++) {
        const ranges: number[] = [];
        for (let d = d0; d < d1; d++) ranges.push(t.start[d * t.width + slot]!, t.start[d * t.width + slot + 1]!);
        const g = statistics(t, ranges, scratch);
        if (g) out.push({ grain, period, sid: slot - 1, ...g });
      }
      out.push({ grain, period, sid: -2, ...all });
    }
    d0 = d1;
  }
  return out;
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

/** Writes intermediate.int_lead_time_groups from metrics.lead_time_items (sliceChanges: for tests). */
export async function leadTimeGroups(w: Warehouse, sliceChanges = SLICE_CHANGES): Promise<void> {
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
    let scratch = new Float64Array(0);
    for (const [unit, grains] of [["week", ["day", "week"]], ["month", ["month"]]] as const) {
      for (const [from, to] of await slices(w, unit, sliceChanges)) {
        const s = await readSlice(c, from, to);
        if (scratch.length < s.n) scratch = new Float64Array(s.n);
        const sorted = sortSlice(s, services);
        const appender = await c.createAppender("lead_time_group_rows", "main", "temp");
        try {
          for (const grain of grains) {
            for (const g of groupsOf(sorted, grain, scratch)) {
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
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
      }
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
