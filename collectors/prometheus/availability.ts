import { createHash } from "node:crypto";
import { z } from "zod";
import type { Config } from "../../schemas/config.ts";
import { PrometheusRangeQuery } from "../../schemas/prometheus.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { defineStream, type StreamDefinition } from "../core/stream.ts";
import type { PrometheusContext, PrometheusRun } from "./run.ts";
import type { PrometheusClient } from "./client.ts";
import { increaseQuery, rangeChunks, sumByTime } from "./range.ts";

/** One chunk of the `prometheus.availability` stream: the good and total counters over the same steps. */
export const PrometheusAvailabilityChunk = z.strictObject({ good: PrometheusRangeQuery, total: PrometheusRangeQuery });
export type PrometheusAvailabilityChunk = z.infer<typeof PrometheusAvailabilityChunk>;

export interface AvailabilityTarget {
  service: string;
  good: string;
  total: string;
  step: number;
  where: string;
  /** Short hash of the selectors and step: in the partition key, so changing them re-collects from the first day. */
  fingerprint: string;
}

/** Services with `availability:`; one partition each. */
export function availabilityTargets(config: Config): AvailabilityTarget[] {
  const step = config.sources.prometheus?.availability_step_seconds ?? 300;
  return Object.entries(config.services).flatMap(([service, s]) => {
    if (!s.availability) return [];
    const good = s.availability.good.trim();
    const total = s.availability.total.trim();
    const fingerprint = createHash("sha256").update(`${good}\u0000${total}\u0000${step}`).digest("hex").slice(0, 8);
    return [{ service, good, total, step, where: `services.${service}.availability`, fingerprint }];
  });
}

/**
 * prometheus.availability: per service, `sum(increase(<good>[step]))` and `sum(increase(<total>[step]))`
 * at `availability_step_seconds` (5 min by default, the shortest burn-rate window), stored as counts in
 * core.request_counts (bucket_start = t − step), never as ratios, so any window is exact.
 */
export function availabilityStream(options: { now?: () => Date; client: (ctx: PrometheusContext) => PrometheusClient }): StreamDefinition<PrometheusAvailabilityChunk, AvailabilityTarget, PrometheusRun> {
  const now = options.now ?? (() => new Date());
  return defineStream<PrometheusAvailabilityChunk, AvailabilityTarget, PrometheusRun>({
    id: "prometheus.availability",
    item: PrometheusAvailabilityChunk,
    itemId: (raw) => {
      const q = (raw as { total?: { start?: unknown; end?: unknown } })?.total;
      return q ? `${String(q.start)}..${String(q.end)}` : "chunk";
    },
    partitions: (ctx) => availabilityTargets(ctx.config),
    partitionKey: (t) => `${t.service}#${t.fingerprint}`,
    order: "asc",
    pages: (ctx, t, since) => {
      const step = t.step;
      return rangeChunks(
        ctx,
        options.client(ctx),
        { queries: { good: increaseQuery(t.good, step), total: increaseQuery(t.total, step) }, step, where: t.where, fields: `${t.where}.good and .total` },
        since,
        now(),
      );
    },
    toRows: (chunk, _ctx, t) => ({ "core.request_counts": requestCountRows(chunk, t) }),
    cursorOf: (chunk) => {
      const ends = [...sumByTime(chunk.total).keys()];
      return ends.length ? new Date(Math.max(...ends) * 1000).toISOString() : undefined;
    },
  });
}

/**
 * core.request_counts rows of one chunk (pure). A step with a total and no good series counts 0 good
 * (every request failed); good is capped at total (increase() extrapolates each counter on its own).
 * If the good selector matches nothing in a chunk where the total has requests, that is a config error.
 */
export function requestCountRows(chunk: PrometheusAvailabilityChunk, t: Pick<AvailabilityTarget, "service" | "where" | "good">): Row[] {
  const step = chunk.total.step;
  const good = sumByTime(chunk.good);
  const total = sumByTime(chunk.total);
  const anyRequests = [...total.values()].some((v) => v > 0);
  if (anyRequests && chunk.good.response.data.result.length === 0) {
    throw new Error(`${t.where}.good: ${t.good} matches no series while the total counts requests; check the selector`);
  }
  const rows: Row[] = [];
  for (const [time, n] of total) {
    const g = Math.min(Math.max(0, good.get(time) ?? 0), n);
    rows.push({ service: t.service, bucket_start: new Date((time - step) * 1000), bucket_seconds: step, good: g, total: n, source: "prometheus" });
  }
  return rows;
}
