// The lead-time statistics of one slice of changes (int_lead_time_groups): pure computation, run in the
// transform's worker threads (lead-time-worker.ts) or, with one thread, in the main thread.
import { exactSum, quantilesCont } from "./order-stats.ts";

export const DAY_MS = 86_400_000;

export type Grain = "day" | "week" | "month";

/** Days since 1970-01-01 of the period start holding `day` (also days since 1970-01-01). */
export function periodOf(grain: Grain, day: number): number {
  if (grain === "day") return day;
  if (grain === "week") return day - ((((day + 3) % 7) + 7) % 7); // ISO weeks start on Monday; day 0 was a Thursday
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS;
}

/** The rows of one slice: service index (−1: NULL service), local day, and the five values (NaN: NULL). */
export interface Slice {
  n: number;
  sid: Int32Array;
  day: Int32Array;
  lead: Float64Array;
  stages: Float64Array[]; // coding, pickup, review, deploy
}

export interface GroupRow {
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

/** An empty slice with room for `cap` rows. */
export function alloc(cap: number): Slice {
  return { n: 0, sid: new Int32Array(cap), day: new Int32Array(cap), lead: new Float64Array(cap), stages: [0, 1, 2, 3].map(() => new Float64Array(cap)) };
}

/**
 * The slice's rows ordered by (day, service) with a counting sort, and where each (day, service) run
 * starts: a '*' group of a period is then one contiguous range, and a service's group one run per day.
 */
export interface Sorted {
  firstDay: number;
  days: number;
  width: number; // slots per day: NULL service, then services 0 … n − 1
  start: Int32Array; // rows of day d (from firstDay) and slot k: [start[d × width + k], start[d × width + k + 1])
  lead: Float64Array;
  stages: Float64Array[];
}

export function sortSlice(s: Slice, services: number): Sorted {
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
export function statistics(t: Sorted, ranges: number[], scratch: Float64Array): Omit<GroupRow, "grain" | "period" | "sid"> | undefined {
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
export function groupsOf(t: Sorted, grain: Grain, scratch: Float64Array): GroupRow[] {
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

/** Every group of the given grains in a slice (the slice holds whole periods of each). */
export function sliceGroups(s: Slice, services: number, grains: readonly Grain[]): GroupRow[] {
  const scratch = new Float64Array(s.n);
  const sorted = sortSlice(s, services);
  return grains.flatMap((grain) => groupsOf(sorted, grain, scratch));
}
