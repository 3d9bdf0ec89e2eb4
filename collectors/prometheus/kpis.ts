import { createHash } from "node:crypto";
import { z } from "zod";
import type { Config } from "../../schemas/config.ts";
import { PrometheusRangeQuery } from "../../schemas/prometheus.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { defineStream, type StreamDefinition } from "../core/stream.ts";
import type { PrometheusContext, PrometheusRun } from "./run.ts";
import type { PrometheusClient } from "./client.ts";
import { increaseQuery, rangeChunks, sumByTime, withStep } from "./range.ts";

/** One chunk of the `prometheus.kpis` stream: the KPI's expression over a range of steps. */
export const PrometheusKpiChunk = z.strictObject({ value: PrometheusRangeQuery });
export type PrometheusKpiChunk = z.infer<typeof PrometheusKpiChunk>;

/** One PromQL series to store in core.kpi_samples: a `kpis:` entry, or one side of cost per transaction. */
export interface KpiSeries {
  /** core.kpi_samples.name: the KPI's name, or cost:amount / cost:transactions. */
  name: string;
  service: string;
  query: string;
  step: number;
  where: string;
  fields: string;
  fingerprint: string;
}

/** PromQL KPIs and the two cost-per-transaction series. */
export function kpiSeries(config: Config): KpiSeries[] {
  const out: Omit<KpiSeries, "fingerprint">[] = [];
  config.kpis.forEach((k, i) => {
    if (k.promql === undefined) return;
    const where = `kpis[${i}] (${k.name})`;
    out.push({ name: k.name, service: k.service, query: withStep(k.promql.trim(), k.step_seconds), step: k.step_seconds, where, fields: `${where}.promql` });
  });
  const cost = config.cost_per_transaction;
  if (cost) {
    out.push({ name: "cost:amount", service: "*", query: withStep(cost.cost.trim(), cost.step_seconds), step: cost.step_seconds, where: "cost_per_transaction", fields: "cost_per_transaction.cost" });
    out.push({
      name: "cost:transactions",
      service: "*",
      query: increaseQuery(cost.transactions, cost.step_seconds),
      step: cost.step_seconds,
      where: "cost_per_transaction",
      fields: "cost_per_transaction.transactions",
    });
  }
  return out.map((s) => ({ ...s, fingerprint: createHash("sha256").update(`${s.query}\u0000${s.step}`).digest("hex").slice(0, 8) }));
}

/**
 * prometheus.kpis: each PromQL KPI (and the cost and transaction series) evaluated at the end of every
 * step (local midnights for a day), summed over series, stored in core.kpi_samples for the step before.
 */
export function kpiStream(options: { now?: () => Date; client: (ctx: PrometheusContext) => PrometheusClient }): StreamDefinition<PrometheusKpiChunk, KpiSeries, PrometheusRun> {
  const now = options.now ?? (() => new Date());
  return defineStream<PrometheusKpiChunk, KpiSeries, PrometheusRun>({
    id: "prometheus.kpis",
    item: PrometheusKpiChunk,
    itemId: (raw) => {
      const q = (raw as { value?: { start?: unknown; end?: unknown } })?.value;
      return q ? `${String(q.start)}..${String(q.end)}` : "chunk";
    },
    partitions: (ctx) => kpiSeries(ctx.config),
    partitionKey: (s) => `${s.name}:${s.service}#${s.fingerprint}`,
    order: "asc",
    pages: (ctx, s, since) => rangeChunks(ctx, options.client(ctx), { queries: { value: s.query }, step: s.step, where: s.where, fields: s.fields }, since, now()),
    toRows: (chunk, _ctx, s) => ({ "core.kpi_samples": kpiSampleRows(chunk, s) }),
    cursorOf: (chunk) => {
      const ends = [...sumByTime(chunk.value).keys()];
      return ends.length ? new Date(Math.max(...ends) * 1000).toISOString() : undefined;
    },
  });
}

/** core.kpi_samples rows of one chunk (pure): the value at t is stored for the step (t − step, t]. */
export function kpiSampleRows(chunk: PrometheusKpiChunk, s: Pick<KpiSeries, "name" | "service">): Row[] {
  const step = chunk.value.step;
  return [...sumByTime(chunk.value)].map(([t, value]) => ({
    name: s.name,
    service: s.service,
    bucket_start: new Date((t - step) * 1000),
    bucket_seconds: step,
    value,
    source: "prometheus",
  }));
}
