import { z } from "zod";

/**
 * Prometheus HTTP API items (only the fields we read). Shapes follow docs/querying/api.md and the
 * server's OpenAPI golden file: sample values are JSON strings ("NaN", "+Inf" are possible),
 * timestamps are Unix seconds as numbers.
 */

/** One [unix_seconds, "value"] pair of a range-vector series. */
export const PrometheusSample = z.tuple([z.number(), z.string()]);
export type PrometheusSample = z.infer<typeof PrometheusSample>;

/** A series of a matrix result. Native-histogram series carry `histograms` instead of `values`; we read `values` only. */
export const PrometheusSeries = z.looseObject({
  metric: z.record(z.string(), z.string()),
  values: z.array(PrometheusSample).default([]),
});
export type PrometheusSeries = z.infer<typeof PrometheusSeries>;

export const PrometheusMatrix = z.looseObject({
  resultType: z.literal("matrix"),
  result: z.array(PrometheusSeries),
});
export type PrometheusMatrix = z.infer<typeof PrometheusMatrix>;

/** The response envelope, success or error. */
export const PrometheusEnvelope = z.looseObject({
  status: z.enum(["success", "error"]),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
});
export type PrometheusEnvelope = z.infer<typeof PrometheusEnvelope>;

/** A range query as sent, with its successful response kept untouched. */
export const PrometheusRangeQuery = z.strictObject({
  query: z.string(),
  /** Unix seconds of the first and last evaluation (both inclusive) and the step. */
  start: z.number(),
  end: z.number(),
  step: z.number().positive(),
  response: z.looseObject({
    status: z.literal("success"),
    data: PrometheusMatrix,
    warnings: z.array(z.string()).optional(),
    infos: z.array(z.string()).optional(),
  }),
});
export type PrometheusRangeQuery = z.infer<typeof PrometheusRangeQuery>;

/**
 * One item of the `prometheus.latency` stream: the bucket query over one chunk, and, when some steps
 * lack an `+Inf` bucket, the `_count` query over the same chunk (the `+Inf` bucket equals `_count`).
 */
export const PrometheusLatencyChunk = z.strictObject({
  buckets: PrometheusRangeQuery,
  count: PrometheusRangeQuery.optional(),
});
export type PrometheusLatencyChunk = z.infer<typeof PrometheusLatencyChunk>;

/** GET /api/v1/status/buildinfo → data (fields vary by server; all optional). */
export const PrometheusBuildInfo = z.looseObject({
  version: z.string().optional(),
  revision: z.string().optional(),
});
export type PrometheusBuildInfo = z.infer<typeof PrometheusBuildInfo>;
