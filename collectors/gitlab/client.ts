import { Deployments, Environments, Groups, Issues, MergeRequestNotes, MergeRequests, Repositories, Users } from "@gitbeaker/rest";
import { createRequesterFn } from "@gitbeaker/requester-utils";
import type { Logger } from "../core/log.ts";
import { silentLogger } from "../core/log.ts";
import { AttemptFailed, RateLimitGate, retryAfterMs, sleepFor, withRetries, type RetryPolicy, type ServerWait } from "../core/retry.ts";
import { redact } from "../core/secrets.ts";

/**
 * gitbeaker with our own request handler. gitbeaker 43.8's handler retries 429/502 ten times within
 * ~0.26 s and never reads `Retry-After` / `RateLimit-Reset`, so a rate-limited nightly run would burn
 * its retries in a blink and fail; this handler retries by the shared policy (core/retry.ts). `requesterFn` is gitbeaker's
 * documented transport hook: resources, query encoding and pagination stay gitbeaker's.
 */

/** Per-request retry settings: the shared policy plus a per-attempt timeout. */
export interface RetryOptions extends RetryPolicy {
  /** Per attempt; a rate-limit wait does not count against it. */
  timeoutMs: number;
}

export const RETRY_DEFAULTS: RetryOptions = {
  /** For 429, 5xx and network errors. */
  attempts: 7,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxServerWaitMs: 15 * 60_000,
  timeoutMs: 120_000,
};

export interface GitlabClientOptions {
  /** https://gitlab.com or a self-managed host (no /api/v4). */
  host: string;
  token: string;
  /** Every HTTP attempt (retries included) increments this counter: ctx.requests. */
  requests: { count: number };
  log?: Logger;
  retry?: Partial<RetryOptions>;
  /** Injected in tests to record the waits; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** An HTTP failure from GitLab; `status` lets the runner skip 401/403/404 per project. */
export class GitlabRequestError extends Error {
  readonly code = "GITLAB_REQUEST";
  constructor(
    readonly status: number | undefined,
    readonly method: string,
    readonly url: string,
    detail: string,
  ) {
    super(redact(`GitLab ${method} ${url} → ${status ?? "no response"}: ${detail}`));
    this.name = "GitlabRequestError";
  }
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * How long the server asks us to wait, from its headers: `Retry-After` (seconds or an HTTP date),
 * else — when the quota is spent (a 429, or `RateLimit-Remaining: 0`) — `RateLimit-Reset` (Unix
 * seconds). GitLab sends RateLimit-Reset on every response, so on a 5xx it means nothing.
 * Undefined: use backoff.
 */
export function serverWaitMs(headers: Headers, status: number, now = Date.now()): ServerWait | undefined {
  const retryAfter = retryAfterMs(headers, now);
  if (retryAfter !== undefined) return { ms: retryAfter, from: "Retry-After" };
  const spent = status === 429 || headers.get("ratelimit-remaining")?.trim() === "0";
  const reset = headers.get("ratelimit-reset");
  if (spent && reset !== null && /^\d+$/.test(reset.trim())) return { ms: Math.max(0, Number(reset) * 1000 - now), from: "RateLimit-Reset" };
  return undefined;
}

interface RequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  prefixUrl?: string;
  searchParams?: string;
  asStream?: boolean;
  signal?: AbortSignal;
}

function createRequestHandler(options: GitlabClientOptions) {
  const retry = { ...RETRY_DEFAULTS, ...options.retry };
  const sleep = options.sleep ?? sleepFor;
  const log = options.log ?? silentLogger;
  // When a successful response says the quota is spent, hold the next request until the reset.
  const gate = new RateLimitGate("GitLab", log, sleep);

  return async function handle(endpoint: string, opts: RequestOptions) {
    const base = opts.prefixUrl?.endsWith("/") ? opts.prefixUrl : `${opts.prefixUrl ?? ""}/`;
    const url = new URL(endpoint, base);
    url.search = opts.searchParams ?? "";
    const shown = `${url.pathname}${url.search}`;
    const method = opts.method;
    return withRetries(retry, { label: `GitLab ${method} ${shown}`, log, sleep }, async () => {
      await gate.pass();
      options.requests.count++;
      let response: Response;
      try {
        response = await fetch(url, { method, headers: opts.headers, body: opts.body, signal: AbortSignal.timeout(retry.timeoutMs) });
      } catch (error) {
        const reason = (error as Error).name === "TimeoutError" ? `timed out after ${retry.timeoutMs} ms` : ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
        return new AttemptFailed(reason, true, ({ attempts }) => new GitlabRequestError(undefined, method, shown, `${reason} (after ${attempts} attempts)`));
      }
      if (response.headers.get("ratelimit-remaining") === "0") {
        const wait = serverWaitMs(response.headers, response.status);
        if (wait && wait.ms > 0) gate.closeUntil(Date.now() + Math.min(wait.ms, retry.maxServerWaitMs));
      }
      if (response.ok) return parseResponse(response, opts.asStream ?? false);

      const detail = await errorDetail(response);
      const retryable = RETRY_STATUS.has(response.status);
      return new AttemptFailed(
        `HTTP ${response.status}`,
        retryable,
        ({ attempts, tooLong }) =>
          new GitlabRequestError(
            response.status,
            method,
            shown,
            tooLong
              ? `GitLab asks to wait ${Math.ceil(tooLong.ms / 1000)} s (${tooLong.from}), more than the ${Math.round(retry.maxServerWaitMs / 1000)} s we wait; run again later`
              : `${detail}${retryable ? ` (after ${attempts} attempts)` : ""}`,
          ),
        retryable ? serverWaitMs(response.headers, response.status) : undefined,
      );
    });
  };
}

async function parseResponse(response: Response, asStream: boolean) {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  if (asStream) return { body: response.body, headers, status: response.status };
  if (response.status === 204) return { body: null, headers, status: response.status };
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const text = await response.text();
  if (type === "application/json") {
    try {
      return { body: text ? JSON.parse(text) : {}, headers, status: response.status };
    } catch {
      throw new GitlabRequestError(response.status, "GET", new URL(response.url).pathname, `response is not valid JSON: ${text.slice(0, 120)}`);
    }
  }
  return { body: text, headers, status: response.status };
}

async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  let detail = text.trim();
  try {
    const json = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = json.message ?? json.error;
    if (m !== undefined) detail = typeof m === "string" ? m : JSON.stringify(m);
  } catch {
    // not JSON: keep the text
  }
  return (detail || response.statusText || "no body").slice(0, 300);
}

/** The gitbeaker resources the collector uses, sharing one request handler (and its rate-limit pause). */
export function createGitlabClient(options: GitlabClientOptions) {
  const handler = createRequestHandler(options);
  const requesterFn = createRequesterFn((_service, requestOptions) => Promise.resolve(requestOptions), handler as never);
  // queryTimeout 0: gitbeaker's one signal would span our retries and rate-limit waits; we time out per attempt.
  const common = { host: options.host.replace(/\/+$/, ""), token: options.token, requesterFn, queryTimeout: 0 };
  return {
    host: common.host,
    deployments: new Deployments(common),
    environments: new Environments(common),
    groups: new Groups(common),
    issues: new Issues(common),
    mergeRequests: new MergeRequests(common),
    mergeRequestNotes: new MergeRequestNotes(common),
    repositories: new Repositories(common),
    users: new Users(common),
  };
}

export type GitlabClient = ReturnType<typeof createGitlabClient>;

/** One page of an offset-paginated list, as gitbeaker returns it with `showExpanded: true`. */
interface ExpandedPage {
  data: unknown[];
  paginationInfo: { next: number | null; total: number; totalPages: number };
}

export interface ListPage {
  page: number;
  items: unknown[];
}

/**
 * Walks an offset-paginated list one page at a time (gitbeaker's `all()` would hold every page in
 * memory before the first write). The next page comes from `x-next-page`, never from `x-total`:
 * past 10,000 records GitLab omits `x-total`, `x-total-pages` and `rel="last"`.
 */
export async function* listPages(fetchPage: (page: number) => Promise<unknown>): AsyncGenerator<ListPage> {
  let page: number | null = 1;
  while (page !== null) {
    const result = (await fetchPage(page)) as ExpandedPage;
    if (!Array.isArray(result?.data)) throw new Error(`GitLab list page ${page}: expected an array, got ${typeof result?.data}`);
    yield { page, items: result.data };
    const next: number | null = result.paginationInfo?.next ?? null;
    // An empty page with a next link would loop forever on a misbehaving proxy.
    page = next !== null && next > page && result.data.length > 0 ? next : null;
  }
}

/** Every item of a (small) list, e.g. a project's environments or an MR's commits. */
export async function listAll(fetchPage: (page: number) => Promise<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const p of listPages(fetchPage)) out.push(...p.items);
  return out;
}
