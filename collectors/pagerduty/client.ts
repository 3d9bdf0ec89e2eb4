import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { api } from "@pagerduty/pdjs";
import type { Logger } from "../core/log.ts";
import { silentLogger } from "../core/log.ts";
import { AttemptFailed, RateLimitGate, numberHeader, retryAfterMs, sleepFor, withRetries, type RetryPolicy, type ServerWait } from "../core/retry.ts";
import { redact } from "../core/secrets.ts";

/** Query parameters as pdjs takes them: array keys carry their `[]` (`service_ids[]`). */
export type Query = Record<string, string | string[]>;

export interface PagerdutyClientOptions {
  token: string;
  /** https://api.pagerduty.com, https://api.eu.pagerduty.com, or a simulator's http:// URL. */
  baseUrl: string;
  /** Every HTTP request is counted here, including the retries pdjs makes on its own. */
  requests?: { count: number };
  log?: Logger;
  /** Retries of 5xx, 429 and network errors (core/retry.ts); unset fields keep RETRY_DEFAULTS. */
  retry?: Partial<RetryPolicy>;
  /** Wait before pdjs's own 429 retry when no `ratelimit-reset` has been seen yet (pdjs default: 20 s). */
  rateLimitFallbackMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PagerdutyResponse {
  status: number;
  /** Request URL with its query (no credentials). */
  url: string;
  data: Record<string, unknown>;
}

/** A PagerDuty API error: carries the HTTP status (401/403/404 skip a partition) and the API's error code. */
export class PagerdutyApiError extends Error {
  readonly code = "PAGERDUTY_API";
  constructor(
    readonly status: number | undefined,
    readonly url: string,
    readonly apiCode: number | undefined,
    detail: string,
  ) {
    super(redact(`PagerDuty ${status ?? "request"} on GET ${url}: ${detail}`));
  }
}

/** PagerDuty rejects offset + limit above 10,000 with HTTP 400 and this error code. */
export const OFFSET_CAP_ERROR_CODE = 2002;

export const RETRY_DEFAULTS: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  // Server waits are cut to maxDelayMs (see serverWait), so none is refused as too long.
  maxServerWaitMs: 60_000,
};
const RATE_LIMIT_FALLBACK_MS = 20_000;
const TIMEOUT_MS = 30_000;
// Land a little after the reset instant: `ratelimit-reset` is whole seconds.
const RESET_MARGIN_MS = 50;

/**
 * The official pdjs client with what it lacks: retries of 5xx and network errors with backoff and
 * rate-limit handling that honours `ratelimit-reset` / `Retry-After` (the shared policy,
 * core/retry.ts), request counting, and errors that name the URL but never the token.
 *
 * pdjs retries a 429 up to three times by itself after a fixed `retryTimeout`; that timeout is set
 * per request to the time left until the last `ratelimit-reset` seen, so its retries land after the
 * window resets. When pdjs gives up, this client waits as the 429 says and tries again.
 */
export class PagerdutyClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly requests: { count: number };
  private readonly log: Logger;
  private readonly policy: RetryPolicy;
  private readonly rateLimitFallbackMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly agent: HttpAgent;
  /** When the rate-limit window resets, from the last response that said. */
  private resetAt: number | undefined;
  /** Closed while a response says nothing is left in the window. */
  private readonly gate: RateLimitGate;

  constructor(options: PagerdutyClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.requests = options.requests ?? { count: 0 };
    this.log = options.log ?? silentLogger;
    this.policy = { ...RETRY_DEFAULTS, ...options.retry };
    this.rateLimitFallbackMs = options.rateLimitFallbackMs ?? RATE_LIMIT_FALLBACK_MS;
    this.timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
    this.sleep = options.sleep ?? sleepFor;
    this.gate = new RateLimitGate("PagerDuty", this.log, this.sleep);
    this.agent = this.baseUrl.startsWith("https:") ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** GET a path (`/incidents`) with query parameters; throws PagerdutyApiError on a final non-2xx. */
  async get(path: string, query: Query = {}): Promise<PagerdutyResponse> {
    const url = `${this.baseUrl}/${path.replace(/^\/+/, "")}`;
    const shown = displayUrl(url, query);
    return withRetries(this.policy, { label: `PagerDuty GET ${shown}`, log: this.log, sleep: this.sleep }, async () => {
      await this.gate.pass();
      let status: number | undefined;
      let headers: HeadersLike | undefined;
      let data: unknown;
      let failure: string | undefined;
      try {
        const request = {
          token: this.token,
          url,
          method: "GET",
          queryParameters: query,
          // pdjs's own timer is a no-op that keeps the process alive; node-fetch's `timeout` is real.
          requestTimeout: 0,
          timeout: this.timeoutMs,
          retryTimeout: this.pdjsRetryMs(),
          // node-fetch calls a function-valued agent once per HTTP request, pdjs's hidden 429 retries
          // included: the one place every request can be counted.
          agent: () => {
            this.requests.count++;
            return this.agent;
          },
        };
        const response = await api(request);
        status = response.status;
        headers = response.headers;
        data = response.data;
      } catch (error) {
        // pdjs rejects with the Response itself when the body is not JSON (a proxy's 502 page).
        const response = error as { status?: unknown; headers?: HeadersLike };
        if (typeof response?.status === "number" && response.headers) {
          status = response.status;
          headers = response.headers;
        } else {
          failure = redact((error as Error)?.message ?? String(error));
        }
      }
      if (headers) this.noteRateLimit(headers);

      if (status !== undefined && status >= 200 && status < 300) {
        // pdjs hands over a 2xx whose body is not JSON as a Response with no data: say so, by URL.
        if (data === undefined || data === null || typeof data !== "object") {
          throw new PagerdutyApiError(status, shown, undefined, "the response is not valid JSON (a proxy or an incompatible server in front of the API?)");
        }
        return { status, url: shown, data: data as Record<string, unknown> };
      }
      const detail = failure ?? describeError(status, data);
      return new AttemptFailed(
        status === undefined ? "network error" : `HTTP ${status}`,
        status === undefined || status === 429 || status >= 500,
        ({ attempts }) => new PagerdutyApiError(status, shown, apiErrorCode(data), attempts > 1 ? `${detail} (after ${attempts} attempts)` : detail),
        headers ? this.serverWait(status, headers) : undefined,
      );
    });
  }

  /** Lets pending keep-alive sockets go. */
  close(): void {
    this.agent.destroy();
  }

  private pdjsRetryMs(): number {
    if (this.resetAt === undefined) return this.rateLimitFallbackMs;
    return Math.min(this.policy.maxDelayMs, Math.max(RESET_MARGIN_MS, this.resetAt - Date.now()));
  }

  private noteRateLimit(headers: HeadersLike): void {
    const reset = numberHeader(headers, "ratelimit-reset");
    const remaining = numberHeader(headers, "ratelimit-remaining");
    if (reset !== undefined) this.resetAt = Date.now() + reset * 1000 + RESET_MARGIN_MS;
    if (remaining === 0 && this.resetAt !== undefined) this.gate.closeUntil(this.resetAt);
  }

  /**
   * The wait a failed answer names: `Retry-After`, else on a 429 `ratelimit-reset` (seconds from now),
   * a little after the instant. PagerDuty's windows last a minute, so a longer wait is cut to
   * maxDelayMs and the next attempt asks again.
   */
  private serverWait(status: number | undefined, headers: HeadersLike): ServerWait | undefined {
    const retryAfter = retryAfterMs(headers);
    if (retryAfter !== undefined) return { ms: Math.min(this.policy.maxDelayMs, retryAfter + RESET_MARGIN_MS), from: "Retry-After" };
    const reset = status === 429 ? numberHeader(headers, "ratelimit-reset") : undefined;
    if (reset !== undefined) return { ms: Math.min(this.policy.maxDelayMs, reset * 1000 + RESET_MARGIN_MS), from: "ratelimit-reset" };
    return undefined;
  }
}

interface HeadersLike {
  get(name: string): string | null;
}

function apiErrorCode(data: unknown): number | undefined {
  const code = (data as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === "number" ? code : undefined;
}

function describeError(status: number | undefined, data: unknown): string {
  const error = (data as { error?: { message?: unknown; code?: unknown; errors?: unknown } } | undefined)?.error;
  if (!error) return status === undefined ? "no response" : `HTTP ${status}`;
  const parts = [typeof error.message === "string" ? error.message : `HTTP ${status}`];
  if (typeof error.code === "number") parts.push(`(code ${error.code})`);
  if (Array.isArray(error.errors) && error.errors.length) parts.push(`— ${error.errors.join("; ")}`);
  return parts.join(" ");
}

function displayUrl(url: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  const search = params.toString();
  return search ? `${url}?${decodeURIComponent(search)}` : url;
}
