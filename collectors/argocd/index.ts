import { configured } from "../configured.ts";
import { ArgocdApplication, type ArgocdOperationState, type ArgocdRevisionHistory } from "../../schemas/argocd.ts";
import type { Config } from "../../schemas/config.ts";
import type { ArgocdSource } from "../../schemas/sources/argocd.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { readSecret } from "../core/secrets.ts";
import { defineStream, type CollectContext, type Source, type SourceCheck, type SourceContext } from "../core/stream.ts";
import { GithubRun } from "../github/run.ts";
import { cloneChangesStream, configuredClones, type ForgeState } from "../git/shipped.ts";
import { GitlabRun } from "../gitlab/context.ts";
import { createArgocdClient, type ArgocdClient, type ArgocdRetry } from "./client.ts";

/** An application one service lists: `name`, or `namespace/name` outside Argo CD's own namespace. */
export interface ArgocdAppRef {
  service: string;
  name: string;
  namespace?: string;
  /** As written in the config: the partition key and the application part of ids. */
  key: string;
}

/** Argo CD's own default for spec.revisionHistoryLimit. */
export const DEFAULT_HISTORY_LIMIT = 10;

export function argocdApps(config: Config): ArgocdAppRef[] {
  return Object.entries(config.services).flatMap(([service, s]) =>
    s.argocd.map((key) => {
      const slash = key.indexOf("/");
      return slash < 0 ? { service, name: key, key } : { service, namespace: key.slice(0, slash), name: key.slice(slash + 1), key };
    }),
  );
}

function settings(config: Config): ArgocdSource {
  const cfg = config.sources.argocd;
  if (!cfg) throw new Error("sources.argocd is not configured (base_url, token_env): services list Argo CD applications");
  return cfg;
}

export interface ArgocdSourceOptions {
  /** Retry settings of the client (tests shorten the back-off); the client's defaults otherwise. */
  retry?: Partial<ArgocdRetry>;
}

/** What the Argo CD streams share during one run: its client, and GitHub and GitLab clients for compares. */
export class ArgocdRun implements ForgeState {
  readonly forge: GithubRun;
  readonly gitlab: GitlabRun;
  private built: ArgocdClient | undefined;

  constructor(
    private readonly ctx: SourceContext,
    private readonly options: ArgocdSourceOptions = {},
  ) {
    this.forge = new GithubRun(ctx);
    this.gitlab = new GitlabRun(ctx);
  }

  /** Built on first use: the token is read once (ARGOCD_TOKEN or ARGOCD_TOKEN_FILE) and never logged. */
  get client(): ArgocdClient {
    if (!this.built) {
      const cfg = settings(this.ctx.config);
      this.built = createArgocdClient({
        baseUrl: cfg.base_url,
        token: readSecret(cfg.token_env),
        requests: this.ctx.requests,
        log: this.ctx.log.child({ source: "argocd" }),
        retry: this.options.retry,
      });
    }
    return this.built;
  }
}

/** The run's client. */
export function argocdClient(ctx: CollectContext<ArgocdRun>): ArgocdClient {
  return ctx.state.client;
}

async function getApplication(client: ArgocdClient, app: ArgocdAppRef) {
  return client.get(`/api/v1/applications/${encodeURIComponent(app.name)}`, { appNamespace: app.namespace });
}

/** The commit sha among a revision's values; a Helm chart version ("1.4.2") is no commit. */
function commitOf(values: (string | null | undefined)[]): string | null {
  const sha = values.find((v): v is string => typeof v === "string" && /^[0-9a-f]{7,64}$/i.test(v));
  return sha ? sha.toLowerCase() : null;
}

/** `<cluster>/<namespace>` of the application's destination, the cluster by name, else by server URL. */
export function destinationOf(app: ArgocdApplication): string {
  const d = app.spec.destination;
  return `${d.name || d.server || ""}/${d.namespace ?? ""}`;
}

/** The id of the history entry, or of a failed operation (its start, in Unix seconds). */
export function argocdDeploymentId(app: ArgocdAppRef, key: string | number): string {
  return `argocd:deployment:${app.key}:${key}`;
}

/**
 * An application's page as deployments: every `status.history` entry is a sync that completed
 * (Argo CD appends one per sync, at most revisionHistoryLimit kept); an operation that ended Failed
 * or Error is a failed deployment (it never reaches the history). History entries never change, so
 * the same entry read from a later page gives the same row. Whether an entry rolled back (a
 * revision the application ran before) is decided across all stored entries, in SQL
 * (transforms/intermediate/int_deployments.sql): one page holds only the last entries.
 */
export function applicationRows(app: ArgocdApplication, config: Config, ref: ArgocdAppRef): Row[] {
  const cfg = settings(config);
  const environment = destinationOf(app);
  const production = new RegExp(cfg.production).test(environment);
  const url = `${cfg.base_url.replace(/\/+$/, "")}/applications/${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
  const common = { source: "argocd", service: ref.service, repo: ref.key, environment, is_production: production, is_rollback: false, is_rework: false, url };
  const rows: Row[] = (app.status?.history ?? []).map((h: ArgocdRevisionHistory) => {
    const revisions = [h.revision, ...(h.revisions ?? [])];
  return {
      ...common,
      deployment_id: argocdDeploymentId(ref, h.id),
      commit_sha: commitOf(revisions),
      ref: revisions.filter(Boolean).join(" ") || null,
      started_at: new Date(h.deployStartedAt ?? h.deployedAt),
      finished_at: new Date(h.deployedAt),
      status: "success",
      original_status: h.initiatedBy?.automated ? "synced (automated)" : "synced",
      updated_at: new Date(h.deployedAt),
    };
  });
  const op: ArgocdOperationState | null | undefined = app.status?.operationState;
  if (op && (op.phase === "Failed" || op.phase === "Error")) {
    const revisions = [op.syncResult?.revision, ...(op.syncResult?.revisions ?? []), op.operation?.sync?.revision, ...(op.operation?.sync?.revisions ?? [])];
    const finished = op.finishedAt ?? op.startedAt;
    rows.push({
      ...common,
      deployment_id: argocdDeploymentId(ref, `op-${Math.floor(Date.parse(op.startedAt) / 1000)}`),
      commit_sha: commitOf(revisions),
      ref: revisions.filter(Boolean)[0] ?? null,
      started_at: new Date(op.startedAt),
      finished_at: new Date(finished),
      status: op.phase === "Failed" ? "failure" : "error",
      original_status: `operation ${op.phase}`,
      updated_at: new Date(finished),
    });
  }
  return rows;
}

/** The history ids stored for an application, ascending (failed operations have none). */
async function storedIds(ctx: SourceContext, app: ArgocdAppRef): Promise<number[]> {
  const rows = await ctx.warehouse.all<{ n: number }>(
    `SELECT DISTINCT TRY_CAST(regexp_extract(deployment_id, '[^:]+$') AS BIGINT)::DOUBLE AS n FROM core.deployments
      WHERE source = 'argocd' AND repo = ? AND n IS NOT NULL ORDER BY n`,
    [app.key],
  );
  return rows.map((r) => r.n);
}

interface IdRange {
  from: number;
  to: number;
}

/**
 * History entries never stored: gaps between stored ids, and the entries between the last stored
 * one and the oldest Argo CD still keeps (those are lost once the application's page is read).
 */
function missingEntries(app: ArgocdApplication, stored: number[]): IdRange[] {
  const out: IdRange[] = [];
  for (let i = 1; i < stored.length; i++) if (stored[i]! > stored[i - 1]! + 1) out.push({ from: stored[i - 1]! + 1, to: stored[i]! - 1 });
  const kept = (app.status?.history ?? []).map((h) => h.id);
  const last = stored.at(-1);
  if (last !== undefined && kept.length > 0 && Math.min(...kept) > last + 1) out.push({ from: last + 1, to: Math.min(...kept) - 1 });
  return out;
}

const ranges = (list: IdRange[]) => list.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}…${r.to}`)).join(", ");

/**
 * One page per application and run: the application as the API returns it (its history, the last
 * operation, its destination). Argo CD keeps only the last revisionHistoryLimit syncs (default 10),
 * so the history beyond them exists only in what earlier runs stored: entries are upserted, never
 * removed, and a gap (more syncs between two runs than the limit) is logged.
 */
export const applications = defineStream<ArgocdApplication, ArgocdAppRef, ArgocdRun>({
  id: "argocd.applications",
  item: ArgocdApplication,
  itemId: (raw) => String((raw as { metadata?: { name?: unknown } } | null)?.metadata?.name ?? "(no name)"),
  partitions: (ctx) => argocdApps(ctx.config),
  partitionKey: (app) => app.key,
  order: "asc",
  async *pages(ctx, app) {
    const { url, body } = await getApplication(argocdClient(ctx), app);
    const parsed = ArgocdApplication.safeParse(body);
    if (parsed.success) {
      const stored = await storedIds(ctx, app);
      const last = stored.at(-1);
      const lost = missingEntries(parsed.data, stored).filter((r) => last !== undefined && r.from > last);
      if (lost.length) {
        ctx.log.warn(
          `Argo CD application ${app.key}: history entries ${ranges(lost)} were dropped by Argo CD before a run stored them (more syncs since the last run than spec.revisionHistoryLimit keeps); those deployments are missing — collect more often`,
        );
      }
    }
    yield { url, params: app.namespace ? { appNamespace: app.namespace } : {}, items: [body] };
  },
  toRows: (app, ctx, ref) => ({ "core.deployments": applicationRows(app, ctx.config, ref) }),
  cursorOf: (app) =>
    (app.status?.history ?? [])
      .map((h) => new Date(h.deployedAt).toISOString())
      .sort()
      .at(-1),
});

/** The commits each production sync shipped, read from the service's clone (`sources.argocd.git`). */
export const argocdChanges = cloneChangesStream({
  id: "argocd.changes",
  source: "argocd",
  clones: (config) => configuredClones(config, config.sources.argocd?.git, "sources.argocd.git", [...new Set(argocdApps(config).map((a) => a.service))]),
});

export function createArgocdSource(options: ArgocdSourceOptions = {}): Source<ArgocdRun> {
  return {
    name: "argocd",
    enabled: configured.argocd,
    streams: [applications, argocdChanges],
    start: (ctx) => new ArgocdRun(ctx, options),
    async check(ctx): Promise<SourceCheck> {
      const client = new ArgocdRun(ctx, options).client;
      const { body } = await client.get("/api/v1/session/userinfo");
      const user = body as { loggedIn?: boolean; username?: string };
      const warnings: SourceCheck["warnings"] = [];
      const lines: string[] = [];
      for (const app of argocdApps(ctx.config)) {
        const parsed = ArgocdApplication.safeParse((await getApplication(client, app)).body);
        if (!parsed.success) throw new Error(`Argo CD application ${app.key}: the answer is not an application (${parsed.error.issues[0]?.message ?? "invalid"})`);
        const a = parsed.data;
        const limit = a.spec.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT;
        const history = a.status?.history ?? [];
        const stored = await storedIds(ctx, app);
        const environment = destinationOf(a);
        const production = new RegExp(settings(ctx.config).production).test(environment);
        lines.push(`${app.key} → ${environment}${production ? " (production)" : ""}: ${history.length} of ${limit} history entries kept`);
        if (!production) {
          warnings.push({
            detail: `${app.key} deploys to ${environment}, which sources.argocd.production does not match: its syncs are not production deployments`,
            fix: "adjust sources.argocd.production (a pattern over <cluster>/<namespace>) if this is production",
          });
        }
        const lost = missingEntries(a, stored);
        if (lost.length) {
          warnings.push({
            detail: `${app.key}: history entries ${ranges(lost)} were dropped by Argo CD before a run stored them: those deployments are missing for good`,
            fix: `collect at least once every ${limit} syncs (schedule dora run more often), or raise spec.revisionHistoryLimit of the application`,
          });
        }
      }
      return {
        detail:
          `${user.loggedIn === false ? "not logged in" : `authenticated as ${user.username ?? "?"}`} on ${client.baseUrl}; ${lines.join("; ")}. ` +
          "Argo CD keeps only the last revisionHistoryLimit syncs (default 10) of an application: the nightly collection builds the history, and what it stored is kept",
        warnings,
      };
    },
  };
}

export const argocdSource = createArgocdSource();
