import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { api } from "@pagerduty/pdjs";
import type { Logger } from "../core/log.ts";
import { silentLogger } from "../core/log.ts";
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
  /** Attempts per request (first try included) on 5xx, 429 and network errors. */
  maxAttempts?: number;
  /** First backoff for 5xx and network errors; doubles per attempt, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
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

const DEFAULTS = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  rateLimitFallbackMs: 20_000,
  timeoutMs: 30_000,
};
// Land a little after the reset instant: `ratelimit-reset` is whole seconds.
const RESET_MARGIN_MS = 50;

/**
 * The official pdjs client with what it lacks: retries of 5xx and network errors with backoff,
 * rate-limit handling that honours `ratelimit-reset` / `Retry-After`, request counting, and errors
 * that name the URL but never the token.
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
  private readonly options: typeof DEFAULTS;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly agent: HttpAgent;
  /** From the last response: when the rate-limit window resets, and what is left in it. */
  private resetAt: number | undefined;
  private remaining: number | undefined;

  constructor(options: PagerdutyClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.requests = options.requests ?? { count: 0 };
    this.log = options.log ?? silentLogger;
    this.options = {
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      baseDelayMs: options.baseDelayMs ?? DEFAULTS.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
      rateLimitFallbackMs: options.rateLimitFallbackMs ?? DEFAULTS.rateLimitFallbackMs,
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    };
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.agent = this.baseUrl.startsWith("https:") ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** GET a path (`/incidents`) with query parameters; throws PagerdutyApiError on a final non-2xx. */
  async get(path: string, query: Query = {}): Promise<PagerdutyResponse> {
    const url = `${this.baseUrl}/${path.replace(/^\/+/, "")}`;
    const shown = displayUrl(url, query);
    for (let attempt = 1; ; attempt++) {
      await this.waitForWindow();
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
          timeout: this.options.timeoutMs,
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
      const retryable = status === undefined || status === 429 || status >= 500;
      const detail = failure ?? describeError(status, data);
      if (!retryable || attempt >= this.options.maxAttempts) {
        throw new PagerdutyApiError(status, shown, apiErrorCode(data), attempt > 1 ? `${detail} (after ${attempt} attempts)` : detail);
      }
      const wait = this.retryDelay(status, headers, attempt);
      this.log.warn(`PagerDuty ${status ?? "network error"} on GET ${shown}; retrying in ${wait} ms`, { attempt });
      await this.sleep(wait);
    }
  }

  /** Lets pending keep-alive sockets go. */
  close(): void {
    this.agent.destroy();
  }

  private async waitForWindow(): Promise<void> {
    if (this.remaining === 0 && this.resetAt !== undefined) {
      const wait = this.resetAt - Date.now();
      if (wait > 0) {
        this.log.debug(`PagerDuty rate limit used up; waiting ${wait} ms for the window to reset`);
        await this.sleep(wait);
      }
      this.remaining = undefined;
    }
  }

  private pdjsRetryMs(): number {
    if (this.resetAt === undefined) return this.options.rateLimitFallbackMs;
    return Math.min(this.options.maxDelayMs, Math.max(RESET_MARGIN_MS, this.resetAt - Date.now()));
  }

  private noteRateLimit(headers: HeadersLike): void {
    const reset = numberHeader(headers, "ratelimit-reset");
    const remaining = numberHeader(headers, "ratelimit-remaining");
    if (reset !== undefined) this.resetAt = Date.now() + reset * 1000 + RESET_MARGIN_MS;
    if (remaining !== undefined) this.remaining = remaining;
  }

  private retryDelay(status: number | undefined, headers: HeadersLike | undefined, attempt: number): number {
    const retryAfter = headers ? retryAfterMs(headers) : undefined;
    if (retryAfter !== undefined) return Math.min(this.options.maxDelayMs, retryAfter + RESET_MARGIN_MS);
    if (status === 429 && headers) {
      const reset = numberHeader(headers, "ratelimit-reset");
      if (reset !== undefined) return Math.min(this.options.maxDelayMs, reset * 1000 + RESET_MARGIN_MS);
    }
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
  }
}

interface HeadersLike {
  get(name: string): string | null;
}

function numberHeader(headers: HeadersLike, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function retryAfterMs(headers: HeadersLike): number | undefined {
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
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
