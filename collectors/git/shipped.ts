import { resolve } from "node:path";
import { z } from "zod";
import type { Config } from "../../schemas/config.ts";
import { GitCommit } from "../../schemas/git.ts";
import { GithubCompareCommit } from "../../schemas/github.ts";
import { GitlabCommit, GitlabCompare } from "../../schemas/gitlab.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { httpStatusOf } from "../core/errors.ts";
import { defineStream, type CollectContext, type Page, type SourceContext } from "../core/stream.ts";
import { GithubRun } from "../github/run.ts";
import { restPages } from "../github/pages.ts";
import { GitlabRun, gitlabConfig, normalizePath, projectUrl } from "../gitlab/context.ts";
import { commitsBetween, git } from "./git.ts";

/**
 * Where the commits of the shas another source deployed are read, per service: a local clone, or
 * the service's GitHub repository or GitLab project (compare API, with that forge's token).
 */
export type ServiceClone =
  | {
      kind: "clone";
      service: string;
      dir: string;
      /** The config key that names it, for error messages (`sources.events.git.api`). */
      key: string;
    }
  | { kind: "github"; service: string; repo: string; key: string }
  | { kind: "gitlab"; service: string; project: string; key: string };

/** What one deployment shipped, as read from the clone: kept in raw.pages, so a rebuild re-derives the changes. */
export const ShippedCommits = z.object({
  deployment_id: z.string().min(1),
  service: z.string().min(1),
  repo: z.string().min(1),
  finished_at: z.iso.datetime({ offset: true }),
  commits: z.array(GitCommit),
});
export type ShippedCommits = z.infer<typeof ShippedCommits>;

const DEPLOYMENTS_PER_PAGE = 50;

/**
 * The commits each successful production deployment of `source` shipped, read from the service's
 * local clone: reachable from its sha and from no earlier deployed sha, so a commit counts at the
 * first deployment that contains it. The first deployment has no predecessor to compare with and
 * ships no attributed commits (as the first release tag of the git source); a deployment of a sha
 * deployed before (a rollback, a re-sync) ships none. Each deployment's commits are a page item, so
 * `dora rebuild` gives the same changes without the clone.
 */
/** What a source with a clone-or-forge changes stream keeps during a run: GitHub and GitLab clients for compares, each built on first use. */
export interface ForgeState {
  forge: GithubRun;
  gitlab: GitlabRun;
}

export function forgeState(ctx: SourceContext): ForgeState {
  return { forge: new GithubRun(ctx), gitlab: new GitlabRun(ctx) };
}

export function cloneChangesStream(options: { id: string; source: string; clones: (config: Config) => ServiceClone[] }) {
  return defineStream<ShippedCommits, ServiceClone, ForgeState>({
    id: options.id,
    item: ShippedCommits,
    itemId: (raw) => String((raw as { deployment_id?: unknown } | null)?.deployment_id ?? "?"),
    partitions: (ctx) => options.clones(ctx.config),
    partitionKey: (clone) => clone.service,
    order: "asc",
    // A deployment recorded late (an event file read the next night) can finish before the cursor.
    overlapMs: 7 * 24 * 3600_000,
    pages: (ctx, clone, since) =>
      clone.kind === "clone"
        ? shippedPages(ctx, options.source, clone, since)
        : clone.kind === "github"
          ? comparedPages(ctx, options.source, clone.service, clone.key, () => githubCompare(ctx, clone), since)
          : comparedPages(ctx, options.source, clone.service, clone.key, () => gitlabCompare(ctx, clone), since),
    toRows: (item) => ({
      "core.changes": item.commits.map(
        (c): Row => ({
          change_id: `${options.source}:change:${item.service}:${c.sha}`,
          source: options.source,
          service: item.service,
          repo: item.repo,
          deployment_id: item.deployment_id,
          commit_sha: c.sha,
          pr_id: null,
          title: c.subject,
          author: c.author,
          authored_at: c.authored_at,
          committed_at: c.committed_at,
        }),
      ),
    }),
    cursorOf: (item) => item.finished_at,
  });
}

interface Deployed {
  deployment_id: string;
  commit_sha: string;
  finished_at: Date;
}

function deployedOf(ctx: CollectContext, source: string, service: string): Promise<Deployed[]> {
  return ctx.warehouse.all<Deployed>(
    `SELECT deployment_id, commit_sha, finished_at FROM core.deployments
      WHERE source = ? AND service = ? AND is_production AND status = 'success' AND commit_sha IS NOT NULL AND finished_at IS NOT NULL
      ORDER BY finished_at, deployment_id`,
    [source, service],
  );
}

async function* shippedPages(ctx: CollectContext, source: string, clone: Extract<ServiceClone, { kind: "clone" }>, since: string | undefined): AsyncGenerator<Page> {
  try {
    await git(clone.dir, ["rev-parse", "--git-dir"]);
  } catch (error) {
    throw Object.assign(new Error(`${clone.key}: ${clone.dir} is not a git clone (${(error as Error).message})`), { status: 404 });
  }
  const deployed = await deployedOf(ctx, source, clone.service);
  // Earlier deployed shas the clone has: one missing from it cannot bound a range, and with none
  // (the first deployment) there is no range to read.
  const earlier: string[] = [];
  let items: ShippedCommits[] = [];
  for (const d of deployed) {
    // The full sha (a deployment may name an abbreviated one), or "" when the clone lacks it.
    const sha = (await git(clone.dir, ["rev-parse", "--verify", "--quiet", `${d.commit_sha}^{commit}`]).catch(() => "")).trim();
    if (!sha) {
      ctx.log.warn(`${d.deployment_id}: commit ${d.commit_sha} is not in ${clone.dir} (fetch the clone); its changes are not attributed yet`);
      continue;
    }
    if (earlier.includes(sha)) continue;
    const finished = d.finished_at.toISOString();
    if (earlier.length > 0 && (!since || finished >= since)) {
      items.push({ deployment_id: d.deployment_id, service: clone.service, repo: clone.dir, finished_at: finished, commits: await commitsBetween(clone.dir, sha, earlier) });
      if (items.length === DEPLOYMENTS_PER_PAGE) {
        yield { url: `file://${clone.dir}`, params: { source }, items };
        items = [];
      }
    }
    earlier.push(sha);
  }
  if (items.length) yield { url: `file://${clone.dir}`, params: { source }, items };
}

/** One forge's compare API as the shared walk below needs it. */
interface ForgeCompare {
  /** "GitHub" or "GitLab", for messages. */
  forge: string;
  /** owner/name or the project's path, stored with each item. */
  repo: string;
  /** The raw pages' URL (no token). */
  url: string;
  /** The config key of the token variable and its value, named when the token is refused. */
  tokenKey: string;
  tokenEnv: string;
  /** The commits of base..head (oldest first); `partial` when the forge says it stopped early. */
  compare(base: string, head: string): Promise<{ commits: GitCommit[]; partial?: boolean }>;
}

/**
 * The same rule through a forge's compare API (GitHub `base...head`, GitLab `from`/`to`): each
 * deployment against the last sha deployed before it; commits an earlier deployment shipped are not
 * counted again, and a deployment of an ancestor (a rollback) ships none. A sha the forge does not
 * know (404) is logged and left unattributed; a refused token fails the partition naming the token's
 * config key.
 */
async function* comparedPages(ctx: CollectContext<ForgeState>, source: string, service: string, key: string, forgeOf: () => ForgeCompare, since: string | undefined): AsyncGenerator<Page> {
  const deployed = await deployedOf(ctx, source, service);
  // the client is made (and its token read) once the partition runs, so a refused or missing token fails here
  const forge = forgeOf();
  const shipped = new Set<string>();
  const earlier: string[] = [];
  let items: ShippedCommits[] = [];
  for (const d of deployed) {
    const sha = d.commit_sha.toLowerCase();
    if (earlier.some((e) => e.startsWith(sha) || sha.startsWith(e))) continue;
    const base = earlier.at(-1);
    earlier.push(sha);
    const finished = d.finished_at.toISOString();
    // Every range is read (they build `shipped`), only new deployments become items.
    if (base === undefined) continue;
    let answer: Awaited<ReturnType<ForgeCompare["compare"]>>;
    try {
      answer = await forge.compare(base, sha);
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 401 || status === 403) {
        throw Object.assign(
          new Error(`${key} (${forge.repo}): ${forge.forge} refused the token in ${forge.tokenEnv} (${forge.tokenKey}) reading the commits of ${source} deployments: ${(error as Error).message}`),
          { status },
        );
      }
      if (status !== 404) throw error;
      ctx.log.warn(`${d.deployment_id}: ${forge.forge} ${forge.repo} cannot compare ${base.slice(0, 12)}...${sha.slice(0, 12)} (404: a sha not pushed there?); its changes are not attributed yet`);
      continue;
    }
    if (answer.partial) ctx.log.warn(`${d.deployment_id}: ${forge.forge} timed out comparing ${base.slice(0, 12)}...${sha.slice(0, 12)} in ${forge.repo}; the list of changes may be partial`);
    const commits = answer.commits.filter((c) => !shipped.has(c.sha));
    for (const c of commits) shipped.add(c.sha);
    if (!since || finished >= since) items.push({ deployment_id: d.deployment_id, service, repo: forge.repo, finished_at: finished, commits });
    if (items.length === DEPLOYMENTS_PER_PAGE) {
      yield { url: forge.url, params: { source }, items };
      items = [];
    }
  }
  if (items.length) yield { url: forge.url, params: { source }, items };
}

/** GitHub's compare API, paginated. */
function githubCompare(ctx: CollectContext<ForgeState>, target: Extract<ServiceClone, { kind: "github" }>): ForgeCompare {
  const [owner, name] = target.repo.split("/") as [string, string];
  return {
    forge: "GitHub",
    repo: target.repo,
    url: `github:${target.repo}`,
    tokenKey: "sources.github.token_env",
    tokenEnv: ctx.config.sources.github?.token_env ?? "GITHUB_TOKEN",
    async compare(base, head) {
      const commits: GitCommit[] = [];
      const params = { owner, repo: name, basehead: `${base}...${head}`, per_page: 100 };
      for await (const page of restPages<unknown>(ctx.state.forge.client, "GET /repos/{owner}/{repo}/compare/{basehead}", params, (data) => (data as { commits?: unknown[] }).commits ?? [])) {
        for (const raw of page.items) {
          const c = GithubCompareCommit.parse(raw);
          const committed = c.commit.committer?.date ?? c.commit.author?.date;
          commits.push({
            sha: c.sha,
            parents: c.parents.map((p) => p.sha),
            author: c.commit.author?.name ?? c.author?.login ?? "",
            authored_at: new Date(c.commit.author?.date ?? committed!).toISOString(),
            committed_at: new Date(committed ?? c.commit.author!.date).toISOString(),
            subject: c.commit.message.split("\n")[0] ?? "",
          });
        }
      }
      return { commits };
    },
  };
}

/** GitLab's repository compare API (`from`, `to`; one answer, not paginated). */
function gitlabCompare(ctx: CollectContext<ForgeState>, target: Extract<ServiceClone, { kind: "gitlab" }>): ForgeCompare {
  const client = ctx.state.gitlab.client;
  return {
    forge: "GitLab",
    repo: target.project,
    url: projectUrl(client, { path: target.project, service: target.service }, "repository/compare"),
    tokenKey: "sources.gitlab.token_env",
    tokenEnv: gitlabConfig(ctx).token_env,
    async compare(from, to) {
      const raw = await client.repositories.compare(target.project, from, to, { straight: false });
      const parsed = GitlabCompare.safeParse(raw);
      if (!parsed.success) throw new Error(`${target.key} (${target.project}): GitLab compare ${from}...${to}: unexpected response (${parsed.error.issues[0]?.message})`);
      return { commits: parsed.data.commits.map(gitlabCommit), partial: parsed.data.compare_timeout === true };
    },
  };
}

function gitlabCommit(c: GitlabCommit): GitCommit {
  const committed = c.committed_date ?? c.created_at ?? c.authored_date;
  const authored = c.authored_date ?? committed;
  if (!committed || !authored) throw new Error(`GitLab commit ${c.id} has no date`);
  const parents = (c as { parent_ids?: unknown }).parent_ids;
  return {
    sha: c.id,
    parents: Array.isArray(parents) ? parents.filter((p): p is string => typeof p === "string") : [],
    author: c.author_name ?? "",
    authored_at: new Date(authored).toISOString(),
    committed_at: new Date(committed).toISOString(),
    subject: c.title ?? "",
  };
}

/**
 * Per service: its local clone in the source's `git` setting (paths resolved from the working
 * directory), else — with sources.github configured — the first GitHub repository the service lists,
 * else — with sources.gitlab configured — the first GitLab project it lists.
 */
export function configuredClones(config: Config, git: Record<string, string> | undefined, key: string, services?: string[]): ServiceClone[] {
  const clones: ServiceClone[] = Object.entries(git ?? {}).map(([service, dir]) => ({ kind: "clone", service, dir: resolve(dir), key: `${key}.${service}` }));
  for (const [service, def] of Object.entries(config.services)) {
    if (clones.some((c) => c.service === service) || (services && !services.includes(service))) continue;
    const github = config.sources.github ? def.github[0] : undefined;
    const gitlab = config.sources.gitlab ? def.gitlab[0] : undefined;
    if (github) clones.push({ kind: "github", service, repo: typeof github === "string" ? github : github.repo, key: `services.${service}.github` });
    else if (gitlab) clones.push({ kind: "gitlab", service, project: normalizePath(gitlab), key: `services.${service}.gitlab` });
  }
  return clones;
}
