import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import type { CollectContext } from "../core/stream.ts";
import type { Logger } from "../core/log.ts";
import type { GithubSource } from "../../schemas/sources/github.ts";
import type { GithubRun } from "./run.ts";

const DoraOctokit = Octokit.plugin(throttling, retry);
export type GithubRest = InstanceType<typeof DoraOctokit>;
export type GithubGraphql = GithubRest["graphql"];

export interface GithubClient {
  rest: GithubRest;
  /** @octokit/graphql bound to the same auth, base URL, throttling, retries and request count. */
  graphql: GithubGraphql;
  /** Where GraphQL queries go (named in errors). */
  graphqlUrl: string;
  /** Attempts after the first, and the first wait (ms, doubling), for answers the plugins do not retry. */
  retry: { retries: number; baseMs: number };
}

export interface ClientOptions {
  settings: GithubSource;
  token: string;
  log: Logger;
  /** Every HTTP request (retries included) adds one. */
  requests: { count: number };
}

/**
 * Octokit with the throttling and retry plugins: waits out primary (`x-ratelimit-reset`) and secondary
 * (`retry-after`) rate limits, retries 5xx answers. The real fetch does the I/O; we only count.
 */
export function createGithubClient({ settings, token, log, requests }: ClientOptions): GithubClient {
  const countingFetch: typeof fetch = (input, init) => {
    requests.count++;
    return fetch(input, init);
  };
  const rest = new DoraOctokit({
    auth: token,
    baseUrl: settings.base_url.replace(/\/+$/, ""),
    userAgent: "dora-metrics",
    request: { fetch: countingFetch },
    log: { debug: () => undefined, info: () => undefined, warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) },
    retry: { retries: settings.retries, retryAfterBaseValue: settings.retry_base_ms },
    throttle: {
      // plugin-throttling's `write` group, which it also applies to every GraphQL POST
      write: spacedQueue(GRAPHQL_MIN_INTERVAL_MS) as never, // duck-typed: the plugin only calls key().schedule()
      onRateLimit: (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        log.warn(`GitHub rate limit reached; waiting ${retryAfter}s until it resets`, { request: `${options.method} ${options.url}` });
        return retryCount < settings.rate_limit_retries;
      },
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        log.warn(`GitHub secondary rate limit; waiting ${retryAfter}s`, { request: `${options.method} ${options.url}` });
        return retryCount < settings.rate_limit_retries;
      },
    },
  });
  const graphqlUrl = settings.graphql_url ?? defaultGraphqlUrl(settings.base_url);
  const graphql = rest.graphql.defaults({ url: graphqlUrl });
  return { rest, graphql, graphqlUrl, retry: { retries: settings.retries, baseMs: settings.retry_base_ms } };
}

/**
 * plugin-throttling spaces GraphQL requests 1 s apart, as if they were writes (they are POSTs). For
 * queries GitHub's secondary limits are 2,000 points a minute (1 point per query) and concurrency,
 * not spacing (bench/RESULTS.md has what the 1 s spacing cost). Query starts are spaced 40 ms apart, however many repositories are
 * collected at once (≤ 1,500 a minute, a quarter below the limit); dora makes no mutations. The
 * shape is the part of a Bottleneck group the plugin calls.
 */
const GRAPHQL_MIN_INTERVAL_MS = 40;

function spacedQueue(minMs: number) {
  let next = 0;
  let chain: Promise<void> = Promise.resolve();
  const schedule = <T>(_options: unknown, fn: () => Promise<T>): Promise<T> => {
    const turn = chain.then(async () => {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next = Date.now() + minMs;
    });
    chain = turn.catch(() => undefined);
    return turn.then(fn);
  };
  return { key: () => ({ schedule }) };
}

/** api.github.com → /graphql; GitHub Enterprise Server https://HOST/api/v3 → https://HOST/api/graphql. */
export function defaultGraphqlUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  return /\/api\/v3$/.test(base) ? base.replace(/\/v3$/, "/graphql") : `${base}/graphql`;
}

/** The run's client (GithubRun builds it on first use). */
export function githubClient(ctx: CollectContext<GithubRun>): GithubClient {
  return ctx.state.client;
}

/** The `rel="next"` URL of a Link header, if any. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

/** Strips the base URL so raw.pages keep a stable, credential-free path. */
export function pathOf(url: string, baseUrl: string): string {
  return url.startsWith(baseUrl) ? url.slice(baseUrl.length) || "/" : url;
}
