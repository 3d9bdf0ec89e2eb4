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
 * How far before a range's start the releases and tags walks go on, for the items their order puts
 * before it that deployed inside it: releases are ordered by creation (GitHub documents a release's
 * creation time as its commit's date) and deploy when published, so a draft published days later
 * sorts before its own deployment; tags are ordered by their commit's date and an annotated tag
 * deploys at its tagger date, so a tag made today on last week's commit does too. An item ordered
 * earlier than this before the start is not looked for (README, --since).
 */
export const LOOK_BACK_MS = 30 * 24 * 3600_000;

/** Did an item (by its deployment time) finish at or after `since`? */
function finishedSince(finished: string | null, since: string): boolean {
  const at = finished === null ? Number.NaN : Date.parse(finished);
  return !Number.isNaN(at) && at >= Date.parse(since);
}

/**
 * A GraphQL mode's pages (releases, tags), newest first down to `since`, and on through the look-back
 * before it: an item ordered before `since` whose deployment time is at or after it is an item of the
 * range; the others are held. Then, for the services the range deployed whose base is not stored, the
 * base is among the held items the newest by deployment time, else the walk goes on past the
 * look-back to the first one (the rest of the page it stopped on first: often no further request).
 */
export async function* withPredecessors<T>(
  ctx: GithubContext,
  target: RepoTarget,
  since: string | undefined,
  walk: { query: string; variables: Record<string, unknown>; connectionOf: (data: unknown) => Connection<T> | null | undefined; before: (node: T, since: string) => boolean },
  judge: (raw: unknown) => Judged,
): AsyncGenerator<Page> {
  const client = githubClient(ctx);
  const lookFrom = since === undefined ? undefined : new Date(Date.parse(since) - LOOK_BACK_MS).toISOString();
  const pages = graphqlPages<T>(client, walk.query, walk.variables, walk.connectionOf, (node) => lookFrom !== undefined && walk.before(node, lookFrom));
  const deployed = new Set<string>();
  const held: Page[] = [];
  let step = await pages.next();
  for (; !step.done; step = await pages.next()) {
    const page = step.value;
    const items: T[] = page.items;
    const ofRange = (node: T) => since === undefined || !walk.before(node, since) || finishedSince(judge(node).finished, since);
    const range = items.filter(ofRange);
    const earlier = items.filter((node) => !ofRange(node));
    for (const raw of range) for (const s of judge(raw).deploys) deployed.add(s);
    if (range.length) yield { ...page, items: range };
    if (earlier.length) held.push({ ...page, items: earlier });
  }
  if (!since) return;
  const waiting = await servicesWaiting(ctx, target, since, deployed);
  yield* newestHeld(held, waiting, since, judge);
  const stopped = step.value;
  // The walk reached the start of the history: there is nothing before the look-back.
  if (!stopped) return;
  yield* predecessorPages(olderPages(client, walk.query, walk.variables, walk.connectionOf, stopped), waiting, since, judge);
}

/**
 * Each waiting service's base among the held items (all finished before `since`): the newest by
 * deployment time, as the attribution orders deployments, whatever their creation order. Those
 * found stop waiting; their pages are kept marked `predecessor_of`.
 */
function newestHeld(held: Page[], waiting: Set<string>, since: string, judge: (raw: unknown) => Judged): Page[] {
  const best = new Map<string, { raw: unknown; at: number }>();
  for (const page of held) {
    for (const raw of page.items) {
      const { deploys, finished } = judge(raw);
      const at = finished === null ? Number.NaN : Date.parse(finished);
      if (Number.isNaN(at)) continue;
      for (const s of deploys) if (waiting.has(s) && at > (best.get(s)?.at ?? -Infinity)) best.set(s, { raw, at });
    }
  }
  const chosen = new Set([...best.values()].map((b) => b.raw));
  for (const s of best.keys()) waiting.delete(s);
  return held
    .map((page) => ({ url: page.url, params: { ...page.params, predecessor_of: since }, items: page.items.filter((raw) => chosen.has(raw)) }))
    .filter((page) => page.items.length);
}
