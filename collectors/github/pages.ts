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
  let response = await client.rest.request(route, params);
  for (;;) {
    yield { url: pathOf(response.url, base), params, items: itemsOf(response.data), data: response.data };
    const next = nextLink(response.headers.link);
    if (!next) return;
    response = await client.rest.request({ method: "GET", url: next });
  }
}

interface Connection<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: (T | null)[];
}

/**
 * Walks a GraphQL connection (`first: 100` + `after`), newest first, until `stop(node)` says the rest
 * is older than wanted. `connectionOf` finds the connection in the answer.
 */
export async function* graphqlPages<T>(
  client: GithubClient,
  query: string,
  variables: Record<string, unknown>,
  connectionOf: (data: unknown) => Connection<T> | null | undefined,
  stop: (node: T) => boolean = () => false,
): AsyncGenerator<Page & { items: T[] }> {
  let after: string | null = null;
  for (;;) {
    const data: unknown = await graphqlQuery(client, query, { ...variables, after });
    const connection = connectionOf(data);
    if (!connection) throw notFound(`${String(variables.owner)}/${String(variables.name)}`);
    const all = connection.nodes.filter((n): n is T => n !== null);
    const kept = all.filter((n) => !stop(n));
    if (kept.length) yield { url: "/graphql", params: { ...variables, after }, items: kept };
    if (kept.length < all.length || !connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) return;
    after = connection.pageInfo.endCursor;
  }
}

function notFound(repo: string): Error {
  return Object.assign(new Error(`repository ${repo} not found (or the token cannot see it)`), { status: 404 });
}

/**
 * GraphQL through the same client. GitHub answers a missing repository with 200 and a NOT_FOUND error
 * in the body; it becomes a 404 like REST's, so the runner skips that repository alone.
 */
export async function graphqlQuery<T = unknown>(client: GithubClient, query: string, variables: Record<string, unknown>): Promise<T> {
  try {
    return await client.graphql<T>(query, variables);
  } catch (error) {
    const errors = (error as { errors?: { type?: string; message?: string }[] }).errors;
    if (errors?.some((e) => e.type === "NOT_FOUND")) throw Object.assign(notFound(`${String(variables.owner)}/${String(variables.name)}`), { cause: error });
    if (errors?.length) throw new Error(`GitHub GraphQL: ${errors.map((e) => e.message).join("; ")}`, { cause: error });
    throw error;
  }
}
