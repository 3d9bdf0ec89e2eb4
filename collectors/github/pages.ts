import type { Page } from "../core/stream.ts";
import { nextLink, pathOf, type GithubClient } from "./client.ts";

export interface RestPage<T> extends Page {
  items: T[];
  data: unknown;
}

/**
 * Walks a REST list by its Link headers (GitHub's documented way; page numbers are not guessed).
 * `itemsOf` picks the array from wrapped answers such as `{ total_count, workflow_runs }`.
 */
export async function* restPages<T>(
  client: GithubClient,
  route: string,
  params: Record<string, unknown>,
  itemsOf: (data: unknown) => T[] = (d) => d as T[],
): AsyncGenerator<RestPage<T>> {
  const base = client.rest.request.endpoint.DEFAULTS.baseUrl;
  let response = await client.rest.request(route, { ...params, request: RAW_BODY });
  for (;;) {
    const data = await parseBody(response.data, response.url);
    yield { url: pathOf(response.url, base), params, items: itemsOf(data), data };
    const next = nextLink(response.headers.link);
    if (!next) return;
    response = await client.rest.request({ method: "GET", url: next, request: RAW_BODY });
  }
}

/**
 * @octokit/request parses every answer with json-with-bigint, which on Node 20 runs a regular
 * expression over the text and a reviver over every value, several times the cost of JSON.parse on
 * the pages a backfill reads most (bench/RESULTS.md, notes moved from code comments). List pages are
 * read raw and parsed here; GitHub's ids fit in a double. Errors (4xx/5xx) are still parsed by Octokit.
 */
const RAW_BODY = { parseSuccessResponseBody: false } as const;

async function parseBody(body: unknown, url: string): Promise<unknown> {
  const text = body === null || body === undefined ? "" : await new Response(body as BodyInit).text();
  if (text === "") return [];
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`GitHub answered ${url} with a body that is not JSON: ${text.slice(0, 120)}`, { cause: error });
  }
}

export interface Connection<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: (T | null)[];
}

/** Where a walk was stopped: the older nodes of its last page (read with `after`), and the cursor past it. */
export interface WalkStop<T> {
  after: string | null;
  older: T[];
  next: string | null;
}

/**
 * Walks a GraphQL connection (`first: 100` + `after`), newest first, until `stop(node)` says the rest
 * is older than wanted; returns where it stopped (for `olderPages`), or nothing at the end of the list.
 * `connectionOf` finds the connection in the answer.
 */
export async function* graphqlPages<T>(
  client: GithubClient,
  query: string,
  variables: Record<string, unknown>,
  connectionOf: (data: unknown) => Connection<T> | null | undefined,
  stop: (node: T) => boolean = () => false,
  after: string | null = null,
): AsyncGenerator<Page & { items: T[] }, WalkStop<T> | undefined> {
  for (;;) {
    const data: unknown = await graphqlQuery(client, query, { ...variables, after });
    const connection = connectionOf(data);
    if (!connection) throw notFound(`${String(variables.owner)}/${String(variables.name)}`);
    const all = connection.nodes.filter((n): n is T => n !== null);
    const kept = all.filter((n) => !stop(n));
    if (kept.length) yield { url: "/graphql", params: { ...variables, after }, items: kept };
    const next = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    if (kept.length < all.length) return { after, older: all.filter((n) => stop(n)), next };
    if (!next) return undefined;
    after = next;
  }
}

/** The nodes a stopped walk left, page by page: the rest of its last page, then the pages after it. */
export async function* olderPages<T>(
  client: GithubClient,
  query: string,
  variables: Record<string, unknown>,
  connectionOf: (data: unknown) => Connection<T> | null | undefined,
  stopped: WalkStop<T>,
): AsyncGenerator<Page & { items: T[] }> {
  yield { url: "/graphql", params: { ...variables, after: stopped.after }, items: stopped.older };
  if (stopped.next) yield* graphqlPages(client, query, variables, connectionOf, undefined, stopped.next);
}

function notFound(repo: string): Error {
  return Object.assign(new Error(`repository ${repo} not found (or the token cannot see it)`), { status: 404 });
}

/**
 * GraphQL through the same client. GitHub answers a missing repository with 200 and a NOT_FOUND error
 * in the body; it becomes a 404 like REST's, so the runner fails that repository alone.
 * An answer that is not JSON (a proxy's HTML page, a truncated body) reaches us as no data at all:
 * it is retried like a 5xx, then reported as not JSON with the URL, as REST pages are.
 */
export async function graphqlQuery<T = unknown>(client: GithubClient, query: string, variables: Record<string, unknown>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let data: unknown;
    try {
      data = await client.graphql<T>(query, variables);
    } catch (error) {
      const errors = (error as { errors?: { type?: string; message?: string }[] }).errors;
      if (errors?.some((e) => e.type === "NOT_FOUND")) throw Object.assign(notFound(`${String(variables.owner)}/${String(variables.name)}`), { cause: error });
      if (errors?.length) throw new Error(`GitHub GraphQL: ${errors.map((e) => e.message).join("; ")}`, { cause: error });
      throw error;
    }
    if (data !== null && typeof data === "object") return data as T;
    if (attempt >= client.retry.retries) {
      throw new Error(`GitHub answered POST ${client.graphqlUrl} with a body that is not JSON (${attempt + 1} attempts)`);
    }
    await new Promise((r) => setTimeout(r, client.retry.baseMs * 2 ** attempt));
  }
}
