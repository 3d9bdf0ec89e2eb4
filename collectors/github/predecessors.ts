import { predecessorStored } from "../core/predecessor.ts";
import type { Page } from "../core/stream.ts";
import { githubClient } from "./client.ts";
import { graphqlPages, olderPages, type Connection } from "./pages.ts";
import type { GithubContext } from "./run.ts";
import type { RepoTarget } from "./targets.ts";

/**
 * An item as a deployment: the services (in the deployments mode, the environment) it is a successful
 * production deployment of, and when it finished.
 */
export interface Judged {
  deploys: string[];
  finished: string | null;
}

/**
 * A range that starts mid-history (--since, a cursor) needs, for each service it deployed, the last
 * successful production deployment before its start: the base its first deployment is compared with,
 * so that deployment's commits are attributed. These are the services still without a stored one
 * (asked once per service: only a service's very first deployment never has one).
 */
export async function servicesWaiting(ctx: GithubContext, target: RepoTarget, since: string, deployed: Iterable<string>): Promise<Set<string>> {
  const waiting = new Set<string>();
  for (const service of new Set(deployed)) {
    if (!(await predecessorStored(ctx.warehouse, { source: "github", repo: target.repo, service }, since))) waiting.add(service);
  }
  return waiting;
}

/**
 * The predecessors in a walk over the items created before `since`, newest first: an item that is a
 * successful production deployment of a waiting service (environment) is kept (stored as an ordinary page marked
 * `predecessor_of`, so a rebuild reproduces it); the service stops waiting at the first one that
 * finished before `since` (one created before but finished after belongs to the range by its time,
 * and is kept too). The walk ends as soon as no service waits.
 */
export async function* predecessorPages(older: AsyncIterable<Page>, waiting: Set<string>, since: string, judge: (raw: unknown) => Judged): AsyncGenerator<Page> {
  if (!waiting.size) return;
  for await (const page of older) {
    const found: unknown[] = [];
    for (const raw of page.items) {
      const { deploys, finished } = judge(raw);
      const theirs = deploys.filter((s) => waiting.has(s));
      if (!theirs.length) continue;
      found.push(raw);
      if (finished !== null && new Date(finished).toISOString() < since) for (const s of theirs) waiting.delete(s);
      if (!waiting.size) break;
    }
    if (found.length) yield { url: page.url, params: { ...page.params, predecessor_of: since }, items: found };
    if (!waiting.size) return;
  }
}

/**
 * A GraphQL mode's pages (releases, tags), newest first down to `since`; then, for the services the
 * range deployed whose base is not stored, the same walk goes on past `since` to their predecessors
 * (the rest of the page it stopped on first: often no further request).
 */
export async function* withPredecessors<T>(
  ctx: GithubContext,
  target: RepoTarget,
  since: string | undefined,
  walk: { query: string; variables: Record<string, unknown>; connectionOf: (data: unknown) => Connection<T> | null | undefined; before: (node: T, since: string) => boolean },
  judge: (raw: unknown) => Judged,
): AsyncGenerator<Page> {
  const client = githubClient(ctx);
  const pages = graphqlPages<T>(client, walk.query, walk.variables, walk.connectionOf, (node) => since !== undefined && walk.before(node, since));
  const deployed = new Set<string>();
  let step = await pages.next();
  for (; !step.done; step = await pages.next()) {
    for (const raw of step.value.items) for (const s of judge(raw).deploys) deployed.add(s);
    yield step.value;
  }
  const stopped = step.value;
  // The walk reached the start of the history: there is nothing before the range.
  if (!since || !stopped) return;
  const waiting = await servicesWaiting(ctx, target, since, deployed);
  yield* predecessorPages(olderPages(client, walk.query, walk.variables, walk.connectionOf, stopped), waiting, since, judge);
}
