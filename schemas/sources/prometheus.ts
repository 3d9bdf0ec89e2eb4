import { z } from "zod";
import { EnvName, Url } from "./common.ts";

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like "2026-01-31"');

/**
 * sources.prometheus: any server with the Prometheus HTTP API (Prometheus, Thanos Query, Mimir,
 * Cortex, VictoriaMetrics). Secrets are read from the named environment variables, never from here.
 */
export const PrometheusSource = z.strictObject({
  /** API root without /api/v1, e.g. http://prometheus:9090 or https://mimir.example.com/prometheus */
  base_url: Url.default("http://localhost:9090"),
  auth: z
    .discriminatedUnion("type", [
      z.strictObject({ type: z.literal("none") }),
      z.strictObject({ type: z.literal("basic"), username_env: EnvName, password_env: EnvName }),
      z.strictObject({ type: z.literal("bearer"), token_env: EnvName }),
    ])
    .default({ type: "none" }),
  /** Extra request headers, e.g. { X-Scope-OrgID: tenant-1 } for Mimir/Cortex/Thanos multi-tenancy. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Extra query parameters on every query, e.g. { partial_response: "false" } so Thanos fails instead of answering with missing stores. */
  query_params: z.record(z.string(), z.string()).default({}),
  /** Width of one stored bucket period; the query is increase(…[step]) evaluated every step. */
  step_seconds: z
    .number()
    .int()
    .min(60)
    .refine((s) => 86_400 % s === 0, "step_seconds must divide a day (e.g. 300, 900, 3600) so periods split on whole steps")
    .default(3600),
  /**
   * Width of one stored request-count period for availability: burn rates are read over windows down to
   * 5 minutes, so the default is 300; a window shorter than this is read as one period.
   */
  availability_step_seconds: z
    .number()
    .int()
    .min(60)
    .refine((s) => 86_400 % s === 0, "availability_step_seconds must divide a day (e.g. 300, 900, 3600)")
    .default(300),
  /**
   * Points per series per request (one stored page): the API refuses more than 11,000. The default,
   * 1,000 (42 days at a 1 h step), keeps a page's rows near one write batch, so the collector's memory
   * does not grow with the history collected; larger chunks mean fewer requests and more memory.
   */
  max_points: z.number().int().min(1).max(11_000).default(1_000),
  /** First day to collect when there is no cursor (default: the earlier of plan.start and the baseline's start). */
  from: Day.optional(),
  /** Re-read this many hours before the cursor on each run, so late samples (remote write, Thanos uploads) are picked up. */
  overlap_hours: z.number().int().min(0).max(168).default(3),
  /** Per-request timeout; a query that times out is retried in smaller chunks. */
  timeout_seconds: z.number().positive().max(3600).default(120),
  /** Attempts per request on network errors, 429, 5xx other than timeouts. */
  retries: z.number().int().min(0).max(10).default(3),
});
export type PrometheusSource = z.infer<typeof PrometheusSource>;
