import { readSecret, registerSecret } from "../core/secrets.ts";
import type { Logger } from "../core/log.ts";
import { AttemptFailed, retryAfterMs, sleepFor, withRetries, type RetryPolicy } from "../core/retry.ts";
import {
  PrometheusBuildInfo,
  PrometheusEnvelope,
  PrometheusMatrix,
  type PrometheusRangeQuery,
} from "../../schemas/prometheus.ts";
import type { PrometheusSource } from "../../schemas/sources/prometheus.ts";

const DEFAULTS = {
  timeoutMs: 120_000,
  retries: 3,
  /** First back-off; doubles per attempt. */
  backoffMs: 1_000,
  /** A Retry-After longer than this is not waited for: the run fails with a clear message instead. */
  maxServerWaitMs: 120_000,
};

/**
 * What went wrong, so callers can act on it: `timeout` → retry with a smaller range; `bad_data` and
 * `execution` → the query (the config) is wrong; `auth` → credentials; the rest → the server.
 */
export type PrometheusErrorKind = "bad_data" | "execution" | "timeout" | "too_large" | "auth" | "not_found" | "server" | "network" | "invalid_response";

/**
 * Server limits a smaller range gets under: Prometheus --query.max-samples and its 11,000-points check,
 * Mimir/Cortex max query length and chunk limits, VictoriaMetrics -search.maxSamplesPerQuery and
 * -search.maxPointsPerTimeseries.
 */
const TOO_LARGE = /too many samples|maxSamplesPerQuery|maximum resolution|time range exceeds|max number of chunks|too many points|maxPointsPerTimeseries/i;

export class PrometheusError extends Error {
  readonly code = "PROMETHEUS_ERROR";
  constructor(
    message: string,
    readonly kind: PrometheusErrorKind,
    /** HTTP status (the runner skips a partition on 401/403/404 like other sources). */
    readonly status: number | undefined,
    readonly errorType: string | undefined,
    readonly query: string | undefined,
  ) {
    super(message);
  }
}

export interface PrometheusClientOptions {
  /** API root without /api/v1. */
  baseUrl: string;
  auth?: PrometheusSource["auth"];
  /** Extra headers (X-Scope-OrgID …). */
  headers?: Record<string, string>;
  /** Extra query parameters on every query (Thanos partial_response=false, dedup …). */
  params?: Record<string, string>;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  /** Incremented once per HTTP request (ctx.requests of the run). */
  requests?: { count: number };
  log?: Logger;
  /** Injected transport (tests); defaults to the global fetch. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  env?: NodeJS.ProcessEnv;
}

export interface RangeParams {
  query: string;
  /** Unix seconds, both inclusive. */
  start: number;
  end: number;
  /** Seconds. */
  step: number;
}

/**
 * A small client for the Prometheus HTTP API (also Thanos Query, Mimir, Cortex, VictoriaMetrics):
 * GET requests with auth and extra headers, retries with back-off on network errors, 429 and 5xx,
 * and errors that name the query and the server's error type. Timeouts (errorType `timeout`, 503,
 * 504, or our own deadline) and size limits (`too_large`) are not retried here: the caller retries
 * with a smaller range.
 */
export class PrometheusClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  /** Network errors, 429 and 5xx other than timeouts are retried (core/retry.ts). */
  private readonly policy: RetryPolicy;
  private readonly requests: { count: number };
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: PrometheusClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
    this.headers = { Accept: "application/json", "User-Agent": "dora (DORA metrics collector)", ...options.headers, ...authHeader(options.auth, options.env) };
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.policy = {
      attempts: (options.retries ?? DEFAULTS.retries) + 1,
      baseDelayMs: options.backoffMs ?? DEFAULTS.backoffMs,
      maxDelayMs: Number.POSITIVE_INFINITY,
      maxServerWaitMs: DEFAULTS.maxServerWaitMs,
    };
    this.requests = options.requests ?? { count: 0 };
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? sleepFor;
  }

  /** The URL of an API path (no credentials: they travel in headers). */
  url(path: string): string {
    return `${this.baseUrl}/api/v1/${path.replace(/^\/+/, "")}`;
  }

  /** GET /api/v1/query_range; resolves with the untouched success envelope. */
  async queryRange(params: RangeParams): Promise<PrometheusRangeQuery> {
    const envelope = await this.get(
      "query_range",
      { ...this.options.params, query: params.query, start: String(params.start), end: String(params.end), step: String(params.step) },
      params.query,
    );
    const data = PrometheusMatrix.safeParse(envelope.data);
    if (!data.success) {
      throw new PrometheusError(
        `${this.url("query_range")}: expected a matrix result, got ${describe(envelope.data)}\n  query: ${params.query}`,
        "invalid_response",
        200,
        undefined,
        params.query,
      );
    }
    return { ...params, response: { ...envelope, status: "success", data: envelope.data as PrometheusMatrix } };
  }

  /** GET /api/v1/query (instant). */
  async query(query: string, time?: number): Promise<PrometheusEnvelope> {
    return this.get("query", { ...this.options.params, query, ...(time === undefined ? {} : { time: String(time) }) }, query);
  }

  /** GET /api/v1/status/buildinfo (Prometheus, Mimir, VictoriaMetrics; not every backend has it). */
  async buildInfo(): Promise<PrometheusBuildInfo> {
    const envelope = await this.get("status/buildinfo", {}, undefined);
    return PrometheusBuildInfo.parse(envelope.data ?? {});
  }

  private async get(path: string, params: Record<string, string>, query: string | undefined): Promise<PrometheusEnvelope> {
    const url = `${this.url(path)}${Object.keys(params).length ? `?${new URLSearchParams(params).toString()}` : ""}`;
    const shown = this.url(path);
    const about = query ? `\n  query: ${query}` : "";
    return withRetries(this.policy, { label: shown, log: this.options.log, sleep: this.sleep }, async () => {
      this.requests.count++;
      let response: Response;
      try {
        response = await this.fetchFn(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (error) {
        const name = (error as Error).name;
        if (name === "TimeoutError" || name === "AbortError") {
          throw new PrometheusError(`${shown}: no answer within ${this.timeoutMs / 1000}s${about}`, "timeout", undefined, undefined, query);
        }
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? (error as Error).message;
        return new AttemptFailed(
          `cannot connect (${reason})`,
          true,
          () => new PrometheusError(`${shown}: cannot connect (${reason}); is sources.prometheus.base_url right and the server up?`, "network", undefined, undefined, query),
        );
      }

      const text = await response.text();
      const parsed = parseEnvelope(text);
      const status = response.status;
      if (response.ok && parsed?.status === "success") return parsed;

      const errorType = parsed?.errorType;
      const serverSays = parsed?.error ?? (text.trim().slice(0, 200) || response.statusText);
      if (errorType === "timeout" || errorType === "canceled" || status === 503 || status === 504) {
        throw new PrometheusError(`${shown}: the query timed out on the server (HTTP ${status}${errorType ? `, ${errorType}` : ""}: ${serverSays})${about}`, "timeout", status, errorType, query);
      }
      if (TOO_LARGE.test(serverSays) && (status === 400 || status === 422 || errorType === "bad_data" || errorType === "execution")) {
        throw new PrometheusError(`${shown}: the server refuses a range this large (${serverSays})${about}`, "too_large", status, errorType, query);
      }
      if (errorType === "bad_data" || status === 400) {
        throw new PrometheusError(
          `${shown}: Prometheus rejected the query as bad_data: ${serverSays}${about}\n  check the key path's metric and selector in the config`,
          "bad_data",
          status,
          errorType,
          query,
        );
      }
      if (errorType === "execution" || status === 422) {
        throw new PrometheusError(`${shown}: the query cannot be executed: ${serverSays}${about}`, "execution", status, errorType, query);
      }
      if (status === 401 || status === 403) {
        throw new PrometheusError(
          `${shown}: HTTP ${status} ${status === 401 ? "unauthorized" : "forbidden"}; check sources.prometheus.auth and the credentials in its environment variables${
            this.options.headers && Object.keys(this.options.headers).length ? " (and the tenant header)" : ""
          }`,
          "auth",
          status,
          errorType,
          query,
        );
      }
      if (status === 404) {
        throw new PrometheusError(`${shown}: HTTP 404; is sources.prometheus.base_url the API root (the part before /api/v1)?`, "not_found", status, errorType, query);
      }
      if (status === 429) {
        const wait = retryAfterMs(response.headers);
        return new AttemptFailed(
          "HTTP 429 too many requests",
          true,
          () => new PrometheusError(`${shown}: HTTP 429 too many requests (rate limited by the server)${about}`, "server", status, errorType, query),
          wait === undefined ? undefined : { ms: wait, from: "Retry-After" },
        );
      }
      const failure = () =>
        response.ok && !parsed
          ? new PrometheusError(`${shown}: the answer is not a Prometheus API response (${describe(text)}); is base_url right?`, "invalid_response", status, undefined, query)
          : new PrometheusError(`${shown}: HTTP ${status}${errorType ? ` ${errorType}` : ""}: ${serverSays}${about}`, "server", status, errorType, query);
      return new AttemptFailed(`HTTP ${status}${errorType ? ` ${errorType}` : ""}: ${serverSays}`, status >= 500 || (response.ok && !parsed), failure);
    });
  }
}

function authHeader(auth: PrometheusSource["auth"] | undefined, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (!auth || auth.type === "none") return {};
  if (auth.type === "bearer") return { Authorization: `Bearer ${readSecret(auth.token_env, env)}` };
  const user = readSecret(auth.username_env, env);
  const password = readSecret(auth.password_env, env);
  const encoded = Buffer.from(`${user}:${password}`).toString("base64");
  registerSecret(encoded);
  return { Authorization: `Basic ${encoded}` };
}

function parseEnvelope(text: string): PrometheusEnvelope | undefined {
  try {
    const parsed = PrometheusEnvelope.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text === undefined) return "nothing";
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
