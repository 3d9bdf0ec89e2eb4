import type { Config } from "../../schemas/config.ts";
import type { PrometheusSource } from "../../schemas/sources/prometheus.ts";
import type { CollectContext, SourceContext } from "../core/stream.ts";
import { PrometheusClient } from "./client.ts";

/** sources.prometheus, which every Prometheus stream needs (the source is enabled only with it). */
export function sourceConfig(config: Config): PrometheusSource {
  const cfg = config.sources.prometheus;
  if (!cfg) throw new Error("sources.prometheus is not configured");
  return cfg;
}

export interface PrometheusSourceOptions {
  /** Clock for the newest bucket to collect (tests pin it). */
  now?: () => Date;
  /** Transport (tests); the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Waits between retries (tests make them instant). */
  sleep?: (ms: number) => Promise<void>;
}

/** What the Prometheus streams share during one run: one client. */
export class PrometheusRun {
  private built: PrometheusClient | undefined;

  constructor(
    private readonly ctx: SourceContext,
    private readonly options: PrometheusSourceOptions = {},
  ) {}

  /** Built on first use: credentials are read from their variables then, inside a stream. */
  get client(): PrometheusClient {
    if (!this.built) {
      const cfg = sourceConfig(this.ctx.config);
      this.built = new PrometheusClient({
        baseUrl: cfg.base_url,
        auth: cfg.auth,
        headers: cfg.headers,
        params: cfg.query_params,
        timeoutMs: cfg.timeout_seconds * 1000,
        retries: cfg.retries,
        requests: this.ctx.requests,
        log: this.ctx.log.child({ source: "prometheus" }),
        fetch: this.options.fetch,
        sleep: this.options.sleep,
      });
    }
    return this.built;
  }
}

export type PrometheusContext = CollectContext<PrometheusRun>;
