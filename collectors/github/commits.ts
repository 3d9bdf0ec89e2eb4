import { z } from "zod";
import { GithubCommitAssociation, GithubCompareCommit, GithubPathCommit } from "../../schemas/github.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { defineStream, type FinishResult, type Page, type RowsByTable } from "../core/stream.ts";
import { githubClient } from "./client.ts";
import type { GithubContext, GithubRun } from "./run.ts";
import { graphqlPages, graphqlQuery, restPages } from "./pages.ts";
import { entityId, githubSettings, repoTargets, type RepoTarget } from "./targets.ts";

/**
 * Compare pages (commits); for commits no stored PR explains, their associated PRs (GraphQL); in a
 * monorepo, the commits touching each service's paths (GraphQL `history(path:)`).
 */
const ChangeItem = z.union([GithubCompareCommit, GithubCommitAssociation, GithubPathCommit]);
type ChangeItem = z.infer<typeof ChangeItem>;

const ASSOCIATION_BATCH = 100;

interface Deployed {
  deployment_id: string;
  service: string;
  commit_sha: string;
  ref: string | null;
  finished_at: Date;
}

/** What the pages of one repository brought, for finish(). */
export interface RepoWork {
  commits: Map<string, GithubCompareCommit>;
  /** Per service: the commits its compare ranges returned (a walk never leaves them). */
  ranges: Map<string, Set<string>>;
  associations: Map<string, number>;
  /** Per service with `paths`: the commits that touch them. */
  touching: Map<string, Set<string>>;
  /** Per service: deployments to attribute, oldest first, with the sha of the one before. */
  plan: Map<string, { deployment: Deployed; base: string | undefined }[]>;
  maxFinished: string | undefined;
}

/**
 * The commits each successful production deployment shipped: those between the previous successful
 * production deployment of the same service and this one (REST compare, paged past its 250-commit
 * cap), each counted at the first deployment that contains it, mapped to its pull request.
 *
 * One compare covers all new deployments of a service (their ancestry is walked locally through
 * `parents`), so the cost is one request per 100 new commits, not one per deployment.
 */
export const commits = defineStream<ChangeItem, RepoTarget, GithubRun>({
  id: "github.commits",
  concurrency: (ctx) => githubSettings(ctx.config).concurrency,
  item: ChangeItem,
  itemId: (raw) => String((raw as { sha?: unknown; oid?: unknown })?.sha ?? (raw as { oid?: unknown })?.oid ?? "?"),
  partitions: (ctx) => {
    const targets = repoTargets(ctx.config);
    ctx.state.commits.order = targets.map((t) => t.repo);
    return targets;
  },
  partitionKey: (t) => t.repo,
  order: "desc",
  pages: (ctx, target, since) => changePages(ctx, target, since),
  toRows: () => ({}),
  cursorOf: () => undefined,
  finish: (ctx, target) => finishRepo(ctx, target),
  replay: (ctx, target, pages) => replayRepo(ctx, target, pages),
});

/** What attributing one repository's commits reads from the warehouse: its stored rows. */
export interface StoredRepo {
  /** Its rows in core.changes (attributed or not). */
  changes: number;
  /** Its successful production deployments, oldest first. */
  deployed: Deployed[];
  pulls: (PullRow & { service: string })[];
  /** Its changes already attributed to a deployment. */
  attributed: { service: string; deployment_id: string; commit_sha: string }[];
}

/** What github.commits keeps during one run (GithubRun.commits). */
export class CommitsRun {
  /** The repositories in the order the stream collects them. */
  order: string[] = [];
  /** Stored rows loaded or loading, until the repository's finish() takes them. */
  readonly loading = new Map<string, Promise<StoredRepo>>();
  /** What the pages of each repository brought, until its finish(). */
  readonly work = new Map<string, RepoWork>();

  /** `chunk`: how many repositories' stored rows are read at once. */
  constructor(readonly chunk: number) {}
}

/**
 * The stored rows of a repository, read with those of the next repositories in the stream's order
 * (`chunk` at a time): one scan of each table per chunk instead of one per repository and service,
 * as these reads grow with the repositories of a nightly run (bench/RESULTS.md, nightly at 200
 * repositories). Each repository writes only its own rows, so what was read for the later ones is
 * still what they would read.
 */
async function storedOf(ctx: GithubContext, repo: string): Promise<StoredRepo> {
  const reads = ctx.state.commits;
  if (!reads.order.includes(repo)) reads.order.push(repo);
  const pending = reads.loading.get(repo);
  if (pending) return pending;
  const at = Math.max(0, reads.order.indexOf(repo));
  const chunk = [repo, ...reads.order.slice(at + 1, at + reads.chunk).filter((r) => r !== repo && !reads.loading.has(r))];
  const loaded = loadStored(ctx, chunk);
  for (const r of chunk) reads.loading.set(r, loaded.then((m) => m.get(r)!));
  return reads.loading.get(repo)!;
}

/** Forgets a repository's stored rows once its attribution is done. */
function releaseStored(ctx: GithubContext, repo: string): void {
  ctx.state.commits.loading.delete(repo);
}

async function loadStored(ctx: GithubContext, repos: string[]): Promise<Map<string, StoredRepo>> {
  const w = ctx.warehouse;
  const out = new Map<string, StoredRepo>(repos.map((r) => [r, { changes: 0, deployed: [], pulls: [], attributed: [] }]));
  const inChunk = "repo IN (SELECT unnest(string_split(?, chr(10))))";
  const list = repos.join("\n");
  for (const r of await w.all<{ repo: string; n: number }>(`SELECT repo, count(*)::INTEGER AS n FROM core.changes WHERE source = 'github' AND ${inChunk} GROUP BY repo`, [list])) {
    out.get(r.repo)!.changes = r.n;
  }
  for (const d of await w.all<Deployed & { repo: string }>(
    `SELECT deployment_id, repo, service, commit_sha, ref, finished_at FROM core.deployments
      WHERE source = 'github' AND ${inChunk} AND is_production AND status = 'success' AND commit_sha IS NOT NULL AND finished_at IS NOT NULL
      ORDER BY finished_at, deployment_id`,
    [list],
  )) {
    out.get(d.repo)!.deployed.push(d);
  }
  for (const p of await w.all<PullRow & { repo: string; service: string }>(
    `SELECT repo, service, pr_id, number, merge_commit_sha, commit_shas, opened_at, first_commit_at, first_review_at, merged_at, is_revert, is_hotfix
       FROM core.pull_requests WHERE source = 'github' AND ${inChunk} ORDER BY number, service`,
    [list],
  )) {
    out.get(p.repo)!.pulls.push(p);
  }
  for (const c of await w.all<StoredRepo["attributed"][number] & { repo: string }>(
    `SELECT repo, service, deployment_id, commit_sha FROM core.changes
      WHERE source = 'github' AND ${inChunk} AND deployment_id IS NOT NULL
      ORDER BY change_id`,
    [list],
  )) {
    out.get(c.repo)!.attributed.push(c);
  }
  return out;
}

function rangeOf(work: RepoWork, service: string): Set<string> {
  let range = work.ranges.get(service);
  if (!range) work.ranges.set(service, (range = new Set()));
  return range;
}

function workOf(ctx: GithubContext, target: RepoTarget): RepoWork {
  let work = ctx.state.commits.work.get(target.repo);
  if (!work) {
    work = { commits: new Map(), ranges: new Map(), associations: new Map(), touching: new Map(), plan: new Map(), maxFinished: undefined };
    ctx.state.commits.work.set(target.repo, work);
  }
  return work;
}

async function* changePages(ctx: GithubContext, target: RepoTarget, cursor: string | undefined): AsyncGenerator<Page> {
  const client = githubClient(ctx);
  const work = workOf(ctx, target);
  // A cursor with no change behind it (core.changes cleaned by `dora rebuild --clean`, say) would
  // never re-attribute what it skipped: start over instead.
  const stored = await storedOf(ctx, target.repo);
  const since = stored.changes ? cursor : undefined;
  const compared = new Set<string>();
  const services = [...new Set(target.services.map((s) => s.service))];

  const compare = async function* (service: string, base: string, head: string): AsyncGenerator<Page> {
    const range = rangeOf(work, service);
    const key = `${base}...${head}`;
    if (compared.has(key)) {
      // Same range for another service of a monorepo: reuse what the pages brought.
      for (const sha of work.ranges.get(`compare:${key}`) ?? []) range.add(sha);
      return;
    }
    compared.add(key);
    const got = new Set<string>();
    work.ranges.set(`compare:${key}`, got);
    const params = { owner: target.owner, repo: target.name, basehead: key, per_page: 100 };
    for await (const page of restPages<unknown>(client, "GET /repos/{owner}/{repo}/compare/{basehead}", params, (d) => (d as { commits: unknown[] }).commits)) {
      yield { url: page.url, params: page.params, items: page.items };
      for (const raw of page.items) {
        const parsed = GithubCompareCommit.safeParse(raw);
        if (!parsed.success) continue; // the runner has already stopped on it
        work.commits.set(parsed.data.sha, parsed.data);
        got.add(parsed.data.sha);
        range.add(parsed.data.sha);
      }
    }
  };

  for (const service of services) {
    const deployed: Deployed[] = stored.deployed.filter((d) => d.service === service);
    const firstNew = deployed.findIndex((d) => !since || d.finished_at.toISOString() > since);
    if (firstNew < 0) continue;
    const plan = deployed.slice(firstNew).map((deployment, i) => ({ deployment, base: deployed[firstNew + i - 1]?.commit_sha }));
    work.plan.set(service, plan);
    for (const p of plan) {
      const at = p.deployment.finished_at.toISOString();
      if (!work.maxFinished || at > work.maxFinished) work.maxFinished = at;
    }
    const start = plan[0]!.base;
    const last = plan.at(-1)!.deployment.commit_sha;
    if (!start) {
      ctx.log.info(`${target.repo} (${service}): the first deployment has no earlier one to compare with; its commits are not attributed`);
    }
    // One compare from the last attributed deployment to the newest; deployments whose sha it did not
    // bring (another branch, a rollback to an older sha) get their own compare.
    const base = start ?? plan[0]!.deployment.commit_sha;
    if (base && base !== last) yield* compare(service, base, last);
    const range = rangeOf(work, service);
    const known = new Set(deployed.slice(0, firstNew).map((d) => d.commit_sha));
    if (base) known.add(base);
    for (const p of plan) {
      const sha = p.deployment.commit_sha;
      if (p.base && !range.has(sha) && !known.has(sha) && p.base !== sha) yield* compare(service, p.base, sha);
      known.add(sha);
    }
  }

  // Monorepo: a service with paths keeps only the commits that touch them.
  for (const s of target.services) {
    const paths = s.paths.map(pathPrefix).filter((p) => p !== "");
    const plan = work.plan.get(s.service);
    const range = work.ranges.get(s.service);
    if (!paths.length || !plan || !range?.size) continue;
    const touching = work.touching.get(s.service) ?? new Set<string>();
    work.touching.set(s.service, touching);
    const oldest = Math.min(...[...range].map((sha) => Date.parse(work.commits.get(sha)?.commit.committer?.date ?? "")).filter((t) => !Number.isNaN(t)));
    const since = new Date(oldest).toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const head of new Set(plan.map((p) => p.deployment.commit_sha).filter((sha) => range.has(sha)))) {
      for (const path of paths) {
        const variables = { owner: target.owner, name: target.name, oid: head, path, since, first: 100 };
        for await (const page of graphqlPages<unknown>(client, HISTORY_QUERY, variables, (d) => (d as { repository?: { object?: { history?: never } | null } | null }).repository?.object?.history)) {
          for (const raw of page.items) {
            const parsed = GithubPathCommit.safeParse(raw);
            if (parsed.success) touching.add(parsed.data.oid);
          }
          yield page;
        }
      }
    }
  }

  // Squash and merge commits are found through the stored PRs; what is left (rebase merges, direct
  // pushes) is asked of GraphQL, 100 commits per request.
  // A PR stored once per service of a monorepo is one PR here.
  const pulls = [...new Map(stored.pulls.map((p) => [p.number, p])).values()];
  const explained = pullOfCommit(work.commits, pulls);
  const unknown = [...work.commits.keys()].filter((sha) => !explained.has(sha));
  for (let i = 0; i < unknown.length; i += ASSOCIATION_BATCH) {
    const batch = unknown.slice(i, i + ASSOCIATION_BATCH);
    const data = await graphqlQuery<{ repository: Record<string, unknown> | null }>(client, associationQuery(batch), { owner: target.owner, name: target.name });
    const items = Object.values(data.repository ?? {}).filter((v) => v !== null);
    for (const raw of items) {
      const parsed = GithubCommitAssociation.safeParse(raw);
      const number = parsed.success ? parsed.data.associatedPullRequests.nodes[0]?.number : undefined;
      if (parsed.success && number !== undefined) work.associations.set(parsed.data.oid, number);
    }
    yield { url: "/graphql", params: { owner: target.owner, name: target.name, associatedPullRequests: batch.length }, items };
  }
}

const HISTORY_QUERY = `query($owner: String!, $name: String!, $oid: GitObjectID!, $path: String!, $since: GitTimestamp!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    object(oid: $oid) {
      ... on Commit {
        history(first: $first, after: $after, path: $path, since: $since) { pageInfo { hasNextPage endCursor } nodes { oid } }
      }
    }
  }
}`;

/** GitHub's `history(path:)` takes a directory or file, not a glob: "services/web/**" → "services/web". */
export function pathPrefix(path: string): string {
  return path.replace(/^\.\//, "").replace(/[*?[{].*$/, "").replace(/\/+$/, "");
}

/** One aliased `object(oid:)` per commit (shas are validated hex, so inlining them is safe). */
export function associationQuery(shas: string[]): string {
  const fields = shas.map((sha, j) => `    c${j}: object(oid: "${sha}") { ... on Commit { oid associatedPullRequests(first: 1) { nodes { number } } } }`);
  return ["query($owner: String!, $name: String!) {", "  repository(owner: $owner, name: $name) {", ...fields, "  }", "}"].join("\n");
}

/**
 * The PR each commit came from, with no request: a PR's merge commit (merge, squash, or the last
 * commit of a rebase), its first commit, and for a merge commit every commit it brought in (reachable
 * from its second parent but not its first). What is left (rebased commits, direct pushes) needs GraphQL.
 */
export function pullOfCommit<P extends Pick<PullRow, "number" | "merge_commit_sha" | "commit_shas">>(
  commits: Map<string, GithubCompareCommit>,
  pulls: P[],
): Map<string, P> {
  const out = new Map<string, P>();
  const range = new Set(commits.keys());
  for (const p of pulls) {
    const merge = p.merge_commit_sha ? commits.get(p.merge_commit_sha) : undefined;
    if (!merge || merge.parents.length < 2) continue;
    const mainline = new Set(ancestors(merge.parents[0]!.sha, range, commits));
    for (const parent of merge.parents.slice(1)) {
      for (const sha of ancestors(parent.sha, range, commits)) if (!mainline.has(sha) && !out.has(sha)) out.set(sha, p);
    }
  }
  for (const p of pulls) for (const sha of p.commit_shas ?? []) out.set(sha, p);
  for (const p of pulls) if (p.merge_commit_sha) out.set(p.merge_commit_sha, p);
  return out;
}

interface PullRow {
  pr_id: string;
  number: number;
  merge_commit_sha: string | null;
  commit_shas: string[] | null;
  opened_at: Date | null;
  first_commit_at: Date | null;
  first_review_at: Date | null;
  merged_at: Date | null;
  is_revert: boolean;
  is_hotfix: boolean;
}

async function finishRepo(ctx: GithubContext, target: RepoTarget): Promise<FinishResult> {
  const work = workOf(ctx, target);
  ctx.state.commits.work.delete(target.repo);
  const stored = await storedOf(ctx, target.repo);
  releaseStored(ctx, target.repo);
  const rows: Row[] = [];
  for (const [service, plan] of work.plan) {
    // Commits already counted at an earlier deployment stay there.
    const newIds = new Set(plan.map((p) => p.deployment.deployment_id));
    const assigned = new Set(stored.attributed.filter((c) => c.service === service && !newIds.has(c.deployment_id)).map((c) => c.commit_sha));
    rows.push(...attribute(target, work, stored, service, plan, assigned));
  }
  // The runner writes the changes and the cursor in one transaction. Rollback and rework flags are
  // derived from the stored rows by the transforms (intermediate.int_deployment_flags).
  return { rows: { "core.changes": rows }, cursor: work.maxFinished };
}

/**
 * The changes of a repository made again from its stored pages (`dora rebuild`): the compare pages'
 * commits, the associated PRs and the commits touching each service's paths, attributed over all its
 * stored deployments at once, each to the first that contains it, as the runs that fetched the pages
 * attributed them one range at a time. A service's range is what the compares between its own
 * deployments brought.
 */
async function replayRepo(ctx: GithubContext, target: RepoTarget, pages: Page[]): Promise<RowsByTable> {
  const stored = (await loadStored(ctx, [target.repo])).get(target.repo)!;
  const work: RepoWork = { commits: new Map(), ranges: new Map(), associations: new Map(), touching: new Map(), plan: new Map(), maxFinished: undefined };
  const compares = new Map<string, Set<string>>();
  const history: { path: string; oids: string[] }[] = [];
  for (const page of pages) {
    const basehead = page.params?.basehead;
    if (typeof basehead === "string") {
      const got = compares.get(basehead) ?? new Set<string>();
      compares.set(basehead, got);
      for (const raw of page.items) {
        const parsed = GithubCompareCommit.safeParse(raw);
        if (!parsed.success) continue;
        work.commits.set(parsed.data.sha, parsed.data);
        got.add(parsed.data.sha);
      }
    } else if (typeof page.params?.path === "string") {
      history.push({ path: page.params.path, oids: page.items.flatMap((raw) => (GithubPathCommit.safeParse(raw).data?.oid ?? [])) });
    } else {
      for (const raw of page.items) {
        const parsed = GithubCommitAssociation.safeParse(raw);
        const number = parsed.success ? parsed.data.associatedPullRequests.nodes[0]?.number : undefined;
        if (parsed.success && number !== undefined) work.associations.set(parsed.data.oid, number);
      }
    }
  }
  const rows: Row[] = [];
  for (const s of target.services) {
    if (work.plan.has(s.service)) continue;
    const deployed = stored.deployed.filter((d) => d.service === s.service);
    const plan = deployed.map((deployment, i) => ({ deployment, base: deployed[i - 1]?.commit_sha }));
    work.plan.set(s.service, plan);
    const shas = new Set(deployed.map((d) => d.commit_sha));
    const range = rangeOf(work, s.service);
    for (const [basehead, got] of compares) {
      const [base, head] = basehead.split("...");
      if (shas.has(base!) && shas.has(head!)) for (const sha of got) range.add(sha);
    }
    const paths = target.services.filter((t) => t.service === s.service).flatMap((t) => t.paths.map(pathPrefix)).filter((p) => p !== "");
    if (paths.length) work.touching.set(s.service, new Set(history.filter((h) => paths.includes(h.path)).flatMap((h) => h.oids)));
    rows.push(...attribute(target, work, stored, s.service, plan, new Set()));
  }
  return { "core.changes": rows };
}

/** The commits each planned deployment of `service` shipped, skipping those `assigned` already (it grows). */
function attribute(
  target: RepoTarget,
  work: RepoWork,
  stored: StoredRepo,
  service: string,
  plan: { deployment: Deployed; base: string | undefined }[],
  assigned: Set<string>,
): Row[] {
  const rows: Row[] = [];
  const pulls = stored.pulls.filter((p) => p.service === service);
  const byNumber = new Map(pulls.map((p) => [p.number, p]));
  const bySha = pullOfCommit(work.commits, pulls);
  const range = work.ranges.get(service) ?? new Set<string>();
  const touching = work.touching.get(service);
  for (const { deployment, base } of plan) {
    if (!base) continue;
    for (const sha of ancestors(deployment.commit_sha, range, work.commits)) {
      if (assigned.has(sha) || (touching && !touching.has(sha))) continue;
      assigned.add(sha);
      const commit = work.commits.get(sha)!;
      const associated = work.associations.get(sha);
      const pr = bySha.get(sha) ?? (associated !== undefined ? byNumber.get(associated) : undefined);
      const prId = pr?.pr_id ?? (associated !== undefined ? entityId("pr", target, associated, service) : null);
      rows.push({
        change_id: entityId("change", target, sha, service),
        source: "github",
        service,
        repo: target.repo,
        deployment_id: deployment.deployment_id,
        commit_sha: sha,
        pr_id: prId,
        title: commit.commit.message.split("\n")[0],
        author: commit.author?.login ?? commit.commit.author?.name ?? null,
        authored_at: commit.commit.author?.date ?? null,
        committed_at: commit.commit.committer?.date ?? null,
        pr_first_commit_at: pr?.first_commit_at ?? null,
        pr_opened_at: pr?.opened_at ?? null,
        first_review_at: pr?.first_review_at ?? null,
        merged_at: pr?.merged_at ?? null,
      });
    }
  }
  return rows;
}

/** Commits reachable from `head` through parents, without leaving `range`. */
function ancestors(head: string, range: Set<string>, all: Map<string, GithubCompareCommit>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const stack = [head];
  while (stack.length) {
    const sha = stack.pop()!;
    if (seen.has(sha) || !range.has(sha)) continue;
    seen.add(sha);
    out.push(sha);
    for (const p of all.get(sha)?.parents ?? []) stack.push(p.sha);
  }
  return out;
}
