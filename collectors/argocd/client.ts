import type { Logger } from "../core/log.ts";
import { silentLogger } from "../core/log.ts";
import { redact } from "../core/secrets.ts";

/**
 * A small client for the Argo CD API server (Swagger: ../../test/fixtures/contracts/argocd): GET
 * with the token as a bearer header, retries with back-off on network errors, 429 and 5xx (a
 * `Retry-After` is honoured up to `maxWaitMs`), and errors that carry the HTTP status and Argo CD's
 * own message (`runtimeError.message`), so the runner can tell a refused token (401/403) from an
 * application that does not exist (404). Argo CD has no official JavaScript client; its API is
 * plain JSON over HTTP.
 */

export const ARGOCD_RETRY = {
  /** Attempts after the first one. */
  maxRetries: 4,
  /** Back-off when the server gives no wait: base × 2^attempt, capped. */
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  /** A server asking us to wait longer than this fails the request with a clear message instead. */
  maxWaitMs: 5 * 60_000,
  /** Per attempt. An application with thousands of resources is a large answer. */
  timeoutMs: 60_000,
};
export type ArgocdRetry = typeof ARGOCD_RETRY;

export interface ArgocdClientOptions {
  baseUrl: string;
  token: string;
  /** Incremented once per HTTP attempt (ctx.requests of the run). */
  requests: { count: number };
  log?: Logger;
  retry?: Partial<ArgocdRetry>;
  sleep?: (ms: number) => Promise<void>;
}

export class ArgocdRequestError extends Error {
  readonly code = "ARGOCD_REQUEST";
  constructor(
    readonly status: number | undefined,
    readonly url: string,
    detail: string,
  ) {
    super(redact(`Argo CD GET ${url} → ${status ?? "no response"}: ${detail}`));
    this.name = "ArgocdRequestError";
  }
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ArgocdClient {
  baseUrl: string;
  /** The JSON answer of GET `path` (with `params` as query), and the URL asked (no token: it is a header). */
  get(path: string, params?: Record<string, string | undefined>): Promise<{ url: string; body: unknown }>;
}

export function createArgocdClient(options: ArgocdClientOptions): ArgocdClient {
  const retry = { ...ARGOCD_RETRY, ...options.retry };
  const sleep = options.sleep ?? defaultSleep;
  const log = options.log ?? silentLogger;
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  return {
    baseUrl,
    async get(path, params = {}) {
      const url = new URL(`${baseUrl}${path}`);
      for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
      const shown = `${url.pathname}${url.search}`;
      for (let attempt = 0; ; attempt++) {
        options.requests.count++;
        let response: Response;
        try {
          response = await fetch(url, { headers: { authorization: `Bearer ${options.token}`, accept: "application/json" }, signal: AbortSignal.timeout(retry.timeoutMs) });
        } catch (error) {
          const reason = (error as Error).name === "TimeoutError" ? `timed out after ${retry.timeoutMs} ms` : (((error as Error).cause as Error | undefined)?.message ?? (error as Error).message);
          if (attempt >= retry.maxRetries) throw new ArgocdRequestError(undefined, shown, `${reason} (after ${attempt + 1} attempts)`);
          const ms = backoff(retry, attempt);
          log.warn(`Argo CD GET ${shown}: ${reason}; retry ${attempt + 1}/${retry.maxRetries} in ${ms} ms`);
          await sleep(ms);
          continue;
        }
        const text = await response.text();
        if (response.ok) {
          try {
            return { url: url.toString(), body: JSON.parse(text) as unknown };
          } catch {
            throw new ArgocdRequestError(response.status, shown, `the answer is not JSON: ${text.slice(0, 120)}`);
          }
        }
        const detail = errorDetail(text, response.statusText);
        if (!RETRY_STATUS.has(response.status) || attempt >= retry.maxRetries) {
          throw new ArgocdRequestError(response.status, shown, `${detail}${RETRY_STATUS.has(response.status) ? ` (after ${attempt + 1} attempts)` : ""}`);
        }
        const asked = retryAfterMs(response.headers.get("retry-after"));
        const ms = asked ?? backoff(retry, attempt);
        if (ms > retry.maxWaitMs) {
          throw new ArgocdRequestError(response.status, shown, `the server asks to wait ${Math.ceil(ms / 1000)} s (Retry-After), more than the ${Math.round(retry.maxWaitMs / 1000)} s we wait; run again later`);
        }
        log.warn(`Argo CD GET ${shown} → ${response.status}; retry ${attempt + 1}/${retry.maxRetries} in ${ms} ms`);
        await sleep(ms);
      }
    },
  };
}

function backoff(retry: ArgocdRetry, attempt: number): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Argo CD answers errors as runtimeError { code, error, message }; the message names the cause. */
function errorDetail(text: string, statusText: string): string {
  let detail = text.trim();
  try {
    const json = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = json.message ?? json.error;
    if (typeof m === "string" && m) detail = m;
  } catch {
    // not JSON: keep the text
  }
  return (detail || statusText || "no body").slice(0, 300);
}
