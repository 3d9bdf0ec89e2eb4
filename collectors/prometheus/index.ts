import { configured } from "../configured.ts";
import type { Source } from "../core/stream.ts";
import { PrometheusError, type PrometheusClient } from "./client.ts";
import { PrometheusRun, type PrometheusContext, type PrometheusSourceOptions } from "./run.ts";

export type { PrometheusSourceOptions } from "./run.ts";
import { availabilityStream, availabilityTargets } from "./availability.ts";
import { kpiSeries, kpiStream } from "./kpis.ts";
import { keyPaths, latencyStream } from "./latency.ts";

/**
 * Prometheus and servers with its HTTP API (Thanos, Mimir, Cortex, VictoriaMetrics): latency histograms
 * of the configured key paths, stored as bucket increases in core.latency_buckets.
 */
export function createPrometheusSource(options: PrometheusSourceOptions = {}): Source<PrometheusRun> {
  const clientFor = (ctx: PrometheusContext): PrometheusClient => ctx.state.client;

  return {
    name: "prometheus",
    enabled: configured.prometheus,
    credentials: (config) => {
      const auth = config.sources.prometheus?.auth;
      const names = auth?.type === "bearer" ? `the token in ${auth.token_env}` : auth?.type === "basic" ? `the user and password in ${auth.username_env} and ${auth.password_env}` : "whether the server needs credentials";
      return `${names} (sources.prometheus.auth)${Object.keys(config.sources.prometheus?.headers ?? {}).length ? " and the tenant header (sources.prometheus.headers)" : ""}`;
    },
    streams: [
      latencyStream({ now: options.now, client: clientFor }),
      availabilityStream({ now: options.now, client: clientFor }),
      kpiStream({ now: options.now, client: clientFor }),
    ],
    start: (ctx) => new PrometheusRun(ctx, options),
    check: async (ctx) => {
      const client = new PrometheusRun(ctx, options).client;
      const paths = keyPaths(ctx.config);
      let server: string;
      try {
        const info = await client.buildInfo();
        server = info.version ? `version ${info.version}` : "build info without a version";
      } catch (error) {
        // Thanos Query and some proxies have no buildinfo endpoint: a trivial query proves the API answers.
        if (!(error instanceof PrometheusError) || (error.kind !== "not_found" && error.kind !== "invalid_response")) throw error;
        await client.query("vector(1)");
        server = "query API answers";
      }
      // Each key path should match series: a misspelled metric or selector shows here, not as an empty report.
      const missing: string[] = [];
      for (const kp of keyPaths(ctx.config)) {
        const found = await client.query(`count(last_over_time(${kp.metric}_bucket${kp.selector}[1d]))`);
        const result = (found.data as { result?: unknown[] } | undefined)?.result ?? [];
        if (result.length === 0) missing.push(`${kp.where}: no ${kp.metric}_bucket${kp.selector} series in the last day`);
      }
      // KPI expressions and availability selectors: a bad one fails here naming the KPI, not in the nightly run
      for (const s of kpiSeries(ctx.config)) {
        try {
          await client.query(s.query);
        } catch (error) {
          if (error instanceof PrometheusError && (error.kind === "bad_data" || error.kind === "execution")) missing.push(`${s.fields}: ${error.message.split("\n")[0]}`);
          else throw error;
        }
      }
      for (const t of availabilityTargets(ctx.config)) {
        const found = await client.query(`count(last_over_time(${t.total}[1d]))`);
        if (((found.data as { result?: unknown[] } | undefined)?.result ?? []).length === 0) missing.push(`${t.where}.total: no ${t.total} series in the last day`);
      }
      if (missing.length) throw new Error(`${client.baseUrl}: ${server}, but check the metric and selector of ${missing.join("; ")}`);
      return `${client.baseUrl}: ${server}; ${paths.length} key path${paths.length === 1 ? "" : "s"} with series`;
    },
  };
}

export const prometheusSource = createPrometheusSource();
