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
    const data: unknown = await client.graphql(query, { ...variables, after });
    const connection = connectionOf(data);
    if (!connection) throw Object.assign(new Error(`GraphQL: repository ${String(variables.owner)}/${String(variables.name)} not found`), { status: 404 });
    const all = connection.nodes.filter((n): n is T => n !== null);
    const kept = all.filter((n) => !stop(n));
    if (kept.length) yield { url: "/graphql", params: { ...variables, after }, items: kept };
    if (kept.length < all.length || !connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) return;
    after = connection.pageInfo.endCursor;
  }
}
