import { createHash } from "node:crypto";
import type { Config } from "../../schemas/config.ts";
import { PrometheusLatencyChunk, type PrometheusRangeQuery } from "../../schemas/prometheus.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { defineStream, type CollectContext, type Page, type StreamDefinition } from "../core/stream.ts";
import { sourceConfig, type PrometheusContext, type PrometheusRun } from "./run.ts";
import { PrometheusClient, PrometheusError } from "./client.ts";

/** Only buckets that ended at least this long ago are asked for: the newest samples may still be on their way. */
const SETTLE_SECONDS = 120;
/** Relative slack before a bucket count that falls with `le` is reported (float noise from increase()). */
const MONOTONIC_SLACK = 1e-9;

/** One configured key path (services.<service>.latency[i] with a metric): one partition. */
export interface KeyPath {
  service: string;
  route: string;
  /** Histogram base name (without _bucket). */
  metric: string;
  /** Label matchers in braces, or "" for none. */
  selector: string;
  /** Where it is configured, for messages: services.<service>.latency[<i>]. */
  where: string;
  /** Short hash of metric, selector and step: part of the partition key, so changing them re-collects from the start. */
  fingerprint: string;
}

export interface LatencyStreamOptions {
  /** Clock (tests pin it); buckets are collected up to the last whole step before now. */
  now?: () => Date;
  /** Builds the run's client (tests inject a transport). */
  client: (ctx: PrometheusContext) => PrometheusClient;
}

/**
 * prometheus.latency: per key path, `sum by (le) (increase(<metric>_bucket{<selector>}[step]))` over
 * /api/v1/query_range at the configured step (1 h by default), in chunks of at most `max_points` points.
 * Each evaluation at t is the increase over (t − step, t]: stored as bucket_start = t − step.
 * The cursor is the end of the last bucket stored; pages come oldest first (asc).
 */
export function latencyStream(options: LatencyStreamOptions): StreamDefinition<PrometheusLatencyChunk, KeyPath, PrometheusRun> {
  const now = options.now ?? (() => new Date());
  return defineStream<PrometheusLatencyChunk, KeyPath, PrometheusRun>({
    id: "prometheus.latency",
    item: PrometheusLatencyChunk,
    itemId: (raw) => {
      const q = (raw as { buckets?: { start?: unknown; end?: unknown } })?.buckets;
      return q ? `${isoOf(Number(q.start))}..${isoOf(Number(q.end))}` : "chunk";
    },
    partitions: (ctx) => keyPaths(ctx.config),
    partitionKey: (kp) => `${kp.service}:${kp.route}#${kp.fingerprint}`,
    order: "asc",
    pages: (ctx, kp, since) => latencyPages(ctx, kp, since, options.client(ctx), now()),
    toRows: (chunk, _ctx, kp) => ({ "core.latency_buckets": bucketRows(chunk, kp) }),
    // The end of the last bucket with data: a chunk with no series (a metric not there yet, a
    // misspelled one, a target down) does not move the cursor, so fixing the config or a late
    // remote-write backlog still fills those hours on the next run.
    cursorOf: (chunk) => {
      const ends = [...analyze(chunk).steps.keys()];
      return ends.length ? isoOf(Math.max(...ends)) : undefined;
    },
  });
}

/** Key paths with a metric, validated; a bad selector or a duplicate route is a config error that names the key. */
export function keyPaths(config: Config): KeyPath[] {
  const out: KeyPath[] = [];
  const seen = new Map<string, string>();
  for (const [service, s] of Object.entries(config.services)) {
    s.latency.forEach((k, i) => {
      if (!k.metric) return;
      const where = `services.${service}.latency[${i}]`;
      const key = `${service}\u0000${k.route}`;
      const earlier = seen.get(key);
      if (earlier) throw new Error(`${where}: route "${k.route}" is already configured at ${earlier}; routes must be unique per service`);
      seen.set(key, where);
      const metric = k.metric.replace(/_bucket$/, "");
      const selector = normalizeSelector(k.selector, `${where}.selector`);
      const step = config.sources.prometheus?.step_seconds ?? 3600;
      const fingerprint = createHash("sha256").update(`${metric}\u0000${selector}\u0000${step}`).digest("hex").slice(0, 8);
      out.push({ service, route: k.route, metric, selector, where, fingerprint });
    });
  }
  return out;
}

/** `{a="b"}` or `a="b"` → `{a="b"}`; empty or `{}` → "". */
export function normalizeSelector(selector: string | undefined, where: string): string {
  let s = (selector ?? "").trim();
  if (s === "" || /^\{\s*\}$/.test(s)) return "";
  if (!s.startsWith("{")) s = `{${s}}`;
  if (!s.endsWith("}")) throw new Error(`${where}: expected label matchers in braces like '{service="api",route="/pay"}', got ${JSON.stringify(selector)}`);
  if (/[{,]\s*le\s*(=|!=|=~|!~)/.test(s)) throw new Error(`${where}: must not match on "le": the buckets are summed by le`);
  return s;
}

/** PromQL duration for a number of seconds: 3600 → 1h, 300 → 5m. */
export function promDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export function bucketQuery(kp: Pick<KeyPath, "metric" | "selector">, stepSeconds: number): string {
  return `sum by (le) (increase(${kp.metric}_bucket${kp.selector}[${promDuration(stepSeconds)}]))`;
}

export function countQuery(kp: Pick<KeyPath, "metric" | "selector">, stepSeconds: number): string {
  return `sum(increase(${kp.metric}_count${kp.selector}[${promDuration(stepSeconds)}]))`;
}

/**
 * Evaluation times from firstEnd to lastEnd (inclusive, both on the step grid) in chunks of at most
 * maxPoints points. The API refuses (end − start) / step > 11,000; maxPoints ≤ 11,000 stays under it.
 */
export function chunkRanges(firstEnd: number, lastEnd: number, step: number, maxPoints: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = firstEnd; a <= lastEnd; a += maxPoints * step) out.push([a, Math.min(lastEnd, a + (maxPoints - 1) * step)]);
  return out;
}

async function* latencyPages(ctx: CollectContext, kp: KeyPath, since: string | undefined, client: PrometheusClient, now: Date): AsyncGenerator<Page> {
  const cfg = sourceConfig(ctx.config);
  const step = cfg.step_seconds;
  const log = ctx.log.child({ partition: `${kp.service}:${kp.route}` });
  const startOfFirstDay = zonedMidnight(firstDay(ctx.config), ctx.config.timezone) / 1000;
  // Steps sit on the configured zone's midnights, so a bucket never straddles a local day even where
  // the offset is not a whole number of hours (India +5:30, Nepal +5:45).
  const anchor = ((startOfFirstDay % step) + step) % step;
  const align = (seconds: number) => Math.floor((seconds - anchor) / step) * step + anchor;
  const fromSeconds = since ? Date.parse(since) / 1000 - cfg.overlap_hours * 3600 : startOfFirstDay;
  const firstEnd = align(fromSeconds) + step;
  const lastEnd = align(now.getTime() / 1000 - SETTLE_SECONDS);
  const query = bucketQuery(kp, step);
  const told = new Set<string>();

  const fetchChunk = async function* (start: number, end: number): AsyncGenerator<Page> {
    let buckets: PrometheusRangeQuery;
    try {
      buckets = await client.queryRange({ query, start, end, step });
    } catch (error) {
      if (error instanceof PrometheusError && (error.kind === "timeout" || error.kind === "too_large") && end > start) {
        const mid = start + Math.floor((end - start) / step / 2) * step;
        const what = error.kind === "timeout" ? "timed out" : "was too large for the server";
        log.warn(`query ${what} over ${(end - start) / step + 1} steps; retrying as two smaller ranges`, { from: isoOf(start), to: isoOf(end) });
        yield* fetchChunk(start, mid);
        yield* fetchChunk(mid + step, end);
        return;
      }
      throw located(error, kp, end === start ? "; it failed even for a single step: raise the server's query timeout or limits, or narrow the selector" : "");
    }
    report(buckets, kp, told, log);

    let count: PrometheusRangeQuery | undefined;
    if (analyze({ buckets }).missingInf.length > 0) {
      // The +Inf bucket equals _count: ask for it over the same range rather than lose those steps.
      try {
        count = await client.queryRange({ query: countQuery(kp, step), start, end, step });
      } catch (error) {
        throw located(error, kp, "");
      }
      report(count, kp, told, log);
    }
    const chunk: PrometheusLatencyChunk = count ? { buckets, count } : { buckets };
    const found = analyze(chunk);
    if (count) log.warn(`${kp.metric}_bucket${kp.selector} has no +Inf bucket at some steps; took the total from ${kp.metric}_count`, { steps: found.filledFromCount });
    if (found.missingInf.length) {
      log.warn(`${found.missingInf.length} step(s) have neither a +Inf bucket nor ${kp.metric}_count; they are left out (no total to compute quantiles from)`, {
        first: isoOf(found.missingInf[0]!),
      });
    }
    if (found.nonMonotonic.length) {
      log.warn(
        `${found.nonMonotonic.length} step(s) have bucket counts that fall as le grows (counter resets, or series with different bucket layouts under one selector); quantiles use the running maximum, as histogram_quantile does`,
        { first: isoOf(found.nonMonotonic[0]!) },
      );
    }
    if (found.skippedSeries) log.warn(`${found.skippedSeries} series without a usable le label were ignored`, { query });
    if (found.skippedValues) log.warn(`${found.skippedValues} NaN or infinite sample value(s) were ignored`, { query });
    yield { url: client.url("query_range"), params: { query, start, end, step }, items: [chunk] };
  };

  for (const [start, end] of chunkRanges(firstEnd, lastEnd, step, cfg.max_points)) yield* fetchChunk(start, end);
}

/** Warnings and infos from the server: logged once per partition and kept in the raw page. */
function report(result: PrometheusRangeQuery, kp: KeyPath, told: Set<string>, log: CollectContext["log"]) {
  for (const [level, list] of [["warn", result.response.warnings], ["info", result.response.infos]] as const) {
    for (const text of list ?? []) {
      if (told.has(text)) continue;
      told.add(text);
      log[level](`Prometheus ${level === "warn" ? "warning" : "info"} for ${kp.where}: ${text}`, { query: result.query });
    }
  }
}

function located(error: unknown, kp: KeyPath, hint: string): Error {
  if (!(error instanceof PrometheusError)) return error as Error;
  const configHint = error.kind === "bad_data" || error.kind === "execution" ? ` (configured at ${kp.where}: metric "${kp.metric}", selector '${kp.selector || "{}"}')` : "";
  return new PrometheusError(`${kp.service} ${kp.route}: ${error.message}${configHint}${hint}`, error.kind, error.status, error.errorType, error.query);
}

export interface ChunkAnalysis {
  /** Evaluation time (unix s) → le → summed increase. Steps without a total are not here. */
  steps: Map<number, Map<number, number>>;
  missingInf: number[];
  filledFromCount: number;
  nonMonotonic: number[];
  skippedSeries: number;
  skippedValues: number;
}

/**
 * Reads a chunk into steps × le. Series whose `le` parse to the same number ("1" and "1.0", as after
 * Prometheus 3 normalized le labels) are summed, as histogram_quantile coalesces them. A step without
 * +Inf takes its total from the `_count` answer when there is one, else it is left out.
 */
export function analyze(chunk: PrometheusLatencyChunk): ChunkAnalysis {
  // One chunk is read for its rows and for its cursor: the (pure) analysis is made once.
  let found = analyzed.get(chunk);
  if (!found) analyzed.set(chunk, (found = analyzeOnce(chunk)));
  return found;
}

const analyzed = new WeakMap<PrometheusLatencyChunk, ChunkAnalysis>();

function analyzeOnce(chunk: PrometheusLatencyChunk): ChunkAnalysis {
  const steps = new Map<number, Map<number, number>>();
  let skippedSeries = 0;
  let skippedValues = 0;
  for (const series of chunk.buckets.response.data.result) {
    const le = parseLe(series.metric.le);
    if (le === undefined) {
      skippedSeries++;
      continue;
    }
    for (const [t, v] of series.values) {
      const value = Number(v);
      if (!Number.isFinite(value)) {
        skippedValues++;
        continue;
      }
      let byLe = steps.get(t);
      if (!byLe) steps.set(t, (byLe = new Map()));
      byLe.set(le, (byLe.get(le) ?? 0) + value);
    }
  }
  const totals = new Map<number, number>();
  for (const series of chunk.count?.response.data.result ?? []) {
    for (const [t, v] of series.values) if (Number.isFinite(Number(v))) totals.set(t, (totals.get(t) ?? 0) + Number(v));
  }
  const missingInf: number[] = [];
  const nonMonotonic: number[] = [];
  let filledFromCount = 0;
  for (const [t, byLe] of [...steps].sort((a, b) => a[0] - b[0])) {
    if (!byLe.has(Infinity)) {
      const total = totals.get(t);
      if (total === undefined) {
        missingInf.push(t);
        steps.delete(t);
        continue;
      }
      byLe.set(Infinity, total);
      filledFromCount++;
    }
    let max = -Infinity;
    for (const le of [...byLe.keys()].sort((a, b) => a - b)) {
      const c = byLe.get(le)!;
      if (c < max - MONOTONIC_SLACK * Math.max(1, max)) {
        nonMonotonic.push(t);
        break;
      }
      max = Math.max(max, c);
    }
  }
  return { steps, missingInf, filledFromCount, nonMonotonic, skippedSeries, skippedValues };
}

/** core.latency_buckets rows of one chunk (pure). */
export function bucketRows(chunk: PrometheusLatencyChunk, kp: Pick<KeyPath, "service" | "route">): Row[] {
  const step = chunk.buckets.step;
  const rows: Row[] = [];
  for (const [t, byLe] of analyze(chunk).steps) {
    const bucketStart = new Date((t - step) * 1000);
    for (const [le, count] of byLe) {
      rows.push({ service: kp.service, route: kp.route, bucket_start: bucketStart, bucket_seconds: step, le, count, source: "prometheus" });
    }
  }
  return rows;
}

/** le label → upper bound; "+Inf" (any case, as Go's ParseFloat reads it) → Infinity. */
export function parseLe(le: string | undefined): number | undefined {
  if (le === undefined) return undefined;
  const s = le.trim();
  if (/^\+?inf(inity)?$/i.test(s)) return Infinity;
  if (s === "" || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return undefined;
  return Number(s);
}

/** The first day to collect: sources.prometheus.from, else the earlier of plan.start and the baseline's start. */
export function firstDay(config: Config): string {
  const from = config.sources.prometheus?.from;
  if (from) return from;
  const baseline = config.plan.baseline?.from;
  return baseline && baseline < config.plan.start ? baseline : config.plan.start;
}

/** The instant (ms) of 00:00 on `day` in `timeZone`. */
export function zonedMidnight(day: string, timeZone: string): number {
  const guess = Date.parse(`${day}T00:00:00Z`);
  const first = guess - offsetMs(guess, timeZone);
  return guess - offsetMs(first, timeZone);
}

function offsetMs(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return local - Math.floor(instant / 1000) * 1000;
}

function isoOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}
