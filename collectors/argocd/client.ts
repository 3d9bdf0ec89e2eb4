import type { Logger } from "../core/log.ts";
import { AttemptFailed, retryAfterMs, withRetries, type RetryPolicy } from "../core/retry.ts";
import { redact } from "../core/secrets.ts";

/**
 * A small client for the Argo CD API server (Swagger: ../../test/fixtures/contracts/argocd): GET
 * with the token as a bearer header, retries by the shared policy (core/retry.ts) on network
 * errors, 429 and 5xx, a `Retry-After` honoured up to the policy's limit, and errors that carry the
 * HTTP status and Argo CD's own message (`runtimeError.message`), so the runner can tell a refused
 * token (401/403) from an application that does not exist (404). Argo CD has no official
 * JavaScript client; its API is plain JSON over HTTP.
 */

export const ARGOCD_RETRY: RetryPolicy & { timeoutMs: number } = {
  attempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxServerWaitMs: 5 * 60_000,
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

export interface ArgocdClient {
  baseUrl: string;
  /** The JSON answer of GET `path` (with `params` as query), and the URL asked (no token: it is a header). */
  get(path: string, params?: Record<string, string | undefined>): Promise<{ url: string; body: unknown }>;
}

export function createArgocdClient(options: ArgocdClientOptions): ArgocdClient {
  const policy = { ...ARGOCD_RETRY, ...options.retry };
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  return {
    baseUrl,
    async get(path, params = {}) {
      const url = new URL(`${baseUrl}${path}`);
      for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
      const shown = `${url.pathname}${url.search}`;
      return withRetries(policy, { label: `Argo CD GET ${shown}`, log: options.log, sleep: options.sleep }, async () => {
        options.requests.count++;
        let response: Response;
        try {
          response = await fetch(url, { headers: { authorization: `Bearer ${options.token}`, accept: "application/json" }, signal: AbortSignal.timeout(policy.timeoutMs) });
        } catch (error) {
          const reason = (error as Error).name === "TimeoutError" ? `timed out after ${policy.timeoutMs} ms` : (((error as Error).cause as Error | undefined)?.message ?? (error as Error).message);
          return new AttemptFailed(reason, true, (end) => new ArgocdRequestError(undefined, shown, `${reason} (after ${end.attempts} attempts)`));
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
        const retryable = RETRY_STATUS.has(response.status);
        const asked = retryAfterMs(response.headers);
        return new AttemptFailed(
          `HTTP ${response.status}: ${detail}`,
          retryable,
          (end) =>
            new ArgocdRequestError(
              response.status,
              shown,
              end.tooLong
                ? `the server asks to wait ${Math.ceil(end.tooLong.ms / 1000)} s (Retry-After), more than the ${Math.round(policy.maxServerWaitMs / 1000)} s we wait; run again later`
                : `${detail}${retryable ? ` (after ${end.attempts} attempts)` : ""}`,
            ),
          asked === undefined ? undefined : { ms: asked, from: "Retry-After" },
        );
      });
    },
  };
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
