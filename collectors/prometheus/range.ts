import type { PrometheusRangeQuery } from "../../schemas/prometheus.ts";
import type { CollectContext } from "../core/stream.ts";
import { PrometheusError, type PrometheusClient } from "./client.ts";
import { chunkRanges, firstDay, promDuration, zonedMidnight } from "./latency.ts";
import { sourceConfig } from "./run.ts";

/** Only steps that ended at least this long ago are asked for: the newest samples may still be on their way. */
const SETTLE_SECONDS = 120;

export interface RangeJob {
  /** Queries evaluated over the same chunks (e.g. good and total); all answers go in one item. */
  queries: Record<string, string>;
  step: number;
  /** Where it is configured, for messages: `kpis[2] (orders)`, `services.api.availability`. */
  where: string;
  /** The config key(s) to check when Prometheus refuses the query. */
  fields: string;
}

/** `$step` in a configured expression → the step as a PromQL duration (1d, 5m …). */
export function withStep(expr: string, step: number): string {
  return expr.replaceAll("$step", promDuration(step));
}

/** `sum(increase(<selector>[step]))` of a counter selector. */
export function increaseQuery(selector: string, step: number): string {
  return `sum(increase(${selector.trim()}[${promDuration(step)}]))`;
}

/**
 * Range queries from the cursor (less the overlap) or the first day to the last settled step, on a grid
 * anchored at the configured zone's midnights, in chunks of at most max_points; a timeout or a size limit
 * splits the chunk in halves. Yields one item per chunk: { <query key>: PrometheusRangeQuery }.
 */
export async function* rangeChunks(
  ctx: CollectContext,
  client: PrometheusClient,
  job: RangeJob,
  since: string | undefined,
  now: Date,
): AsyncGenerator<{ url: string; params: Record<string, unknown>; items: Record<string, PrometheusRangeQuery>[] }> {
  const cfg = sourceConfig(ctx.config);
  const step = job.step;
  const log = ctx.log.child({ partition: job.where });
  const startOfFirstDay = zonedMidnight(firstDay(ctx.config), ctx.config.timezone) / 1000;
  const anchor = ((startOfFirstDay % step) + step) % step;
  const align = (seconds: number) => Math.floor((seconds - anchor) / step) * step + anchor;
  const fromSeconds = since ? Date.parse(since) / 1000 - cfg.overlap_hours * 3600 : startOfFirstDay;
  const firstEnd = align(fromSeconds) + step;
  const lastEnd = align(now.getTime() / 1000 - SETTLE_SECONDS);
  const told = new Set<string>();

  const fetchChunk = async function* (
    start: number,
    end: number,
  ): AsyncGenerator<{ url: string; params: Record<string, unknown>; items: Record<string, PrometheusRangeQuery>[] }> {
    const item: Record<string, PrometheusRangeQuery> = {};
    for (const [key, query] of Object.entries(job.queries)) {
      try {
        item[key] = await client.queryRange({ query, start, end, step });
      } catch (error) {
        if (error instanceof PrometheusError && (error.kind === "timeout" || error.kind === "too_large") && end > start) {
          const mid = start + Math.floor((end - start) / step / 2) * step;
          log.warn(`query ${error.kind === "timeout" ? "timed out" : "was too large"} over ${(end - start) / step + 1} steps; retrying as two smaller ranges`);
          yield* fetchChunk(start, mid);
          yield* fetchChunk(mid + step, end);
          return;
        }
        throw locate(error, job);
      }
      for (const text of [...(item[key].response.warnings ?? []), ...(item[key].response.infos ?? [])]) {
        if (told.has(text)) continue;
        told.add(text);
        log.warn(`Prometheus says, for ${job.where}: ${text}`, { query });
      }
    }
    yield { url: client.url("query_range"), params: { queries: job.queries, start, end, step }, items: [item] };
  };

  for (const [start, end] of chunkRanges(firstEnd, lastEnd, step, cfg.max_points)) yield* fetchChunk(start, end);
}

/** A refused query names the configured KPI or service and the key to fix. */
export function locate(error: unknown, job: Pick<RangeJob, "where" | "fields">): Error {
  if (!(error instanceof PrometheusError)) return error as Error;
  const hint = error.kind === "bad_data" || error.kind === "execution" ? `; check ${job.fields} in the config` : "";
  return new PrometheusError(`${job.where}: ${error.message}${hint}`, error.kind, error.status, error.errorType, error.query);
}

/** Sum over series per evaluation time (unix s), skipping NaN and infinities. */
export function sumByTime(result: PrometheusRangeQuery): Map<number, number> {
  const out = new Map<number, number>();
  for (const series of result.response.data.result) {
    for (const [t, v] of series.values) {
      const value = Number(v);
      if (Number.isFinite(value)) out.set(t, (out.get(t) ?? 0) + value);
    }
  }
  return out;
}
