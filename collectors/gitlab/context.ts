import { GitlabProject } from "../../schemas/gitlab.ts";
import { GitlabSource } from "../../schemas/sources/gitlab.ts";
import { httpStatusOf } from "../core/errors.ts";
import { readSecret } from "../core/secrets.ts";
import type { CollectContext, RowsByTable, SourceContext } from "../core/stream.ts";
import { createGitlabClient, listAll, type GitlabClient, type RetryOptions } from "./client.ts";

/** A project to collect (one partition of every GitLab stream) and the config service it feeds. */
export interface GitlabProjectRef {
  /** path_with_namespace, e.g. "acme/platform/payments". */
  path: string;
  service: string;
}

export interface GitlabSourceOptions {
  /** Retry settings of the client (tests shorten the back-off); RETRY_DEFAULTS otherwise. */
  retry?: Partial<RetryOptions>;
}

/** Per project: environment id → tier. */
export interface DeploymentLookup {
  tiers: Map<number, string | null | undefined>;
}

/** What GitLab's streams share during one run: one client, the resolved projects, deployment lookups. */
export class GitlabRun {
  private builtClient: GitlabClient | undefined;
  private resolved: Promise<GitlabProjectRef[]> | undefined;
  /** Environment tiers (gitlab.environments, read by gitlab.deployments), per project path. */
  readonly lookups = new Map<string, DeploymentLookup>();
  /** What gitlab.changes attributed, per project path, until its finish step hands the rows over. */
  readonly changes = new Map<string, RowsByTable>();

  constructor(
    private readonly ctx: SourceContext,
    private readonly options: GitlabSourceOptions = {},
  ) {}

  /** Built on first use: the token is read once (GITLAB_TOKEN or GITLAB_TOKEN_FILE) and never logged. */
  get client(): GitlabClient {
    if (!this.builtClient) {
      const cfg = gitlabConfig(this.ctx);
      this.builtClient = createGitlabClient({
        host: cfg.base_url,
        token: readSecret(cfg.token_env),
        requests: this.ctx.requests,
        log: this.ctx.log.child({ source: "gitlab" }),
        retry: this.options.retry,
      });
    }
    return this.builtClient;
  }

  /**
   * The projects listed under services.<name>.gitlab, then every project of sources.gitlab.groups
   * (subgroups included, archived left out). A group project no service lists becomes its own
   * service named by its path. Resolved once per run.
   */
  projects(): Promise<GitlabProjectRef[]> {
    return (this.resolved ??= resolveProjects(this.ctx, () => this.client));
  }
}

export type GitlabContext = CollectContext<GitlabRun>;

export function gitlabConfig(ctx: Pick<SourceContext, "config">): GitlabSource {
  return ctx.config.sources.gitlab ?? GitlabSource.parse({});
}

/** The run's client. */
export function gitlabClient(ctx: GitlabContext): GitlabClient {
  return ctx.state.client;
}

/** GitLab paths are case-insensitive and users write them with stray slashes. */
export function normalizePath(path: string): string {
  return path.trim().replace(/^\/+|\/+$/g, "");
}

/** The run's projects (resolved once, see GitlabRun.projects). */
export function gitlabProjects(ctx: GitlabContext): Promise<GitlabProjectRef[]> {
  return ctx.state.projects();
}

async function resolveProjects(ctx: SourceContext, clientOf: () => GitlabClient): Promise<GitlabProjectRef[]> {
  const byPath = new Map<string, GitlabProjectRef>();
  for (const [service, def] of Object.entries(ctx.config.services)) {
    for (const raw of def.gitlab) {
      const path = normalizePath(raw);
      const known = byPath.get(path.toLowerCase());
      if (known && known.service !== service) {
        ctx.log.warn(`GitLab project ${path} is listed by services ${known.service} and ${service}; using ${known.service}`);
        continue;
      }
      byPath.set(path.toLowerCase(), { path, service });
    }
  }
  const cfg = gitlabConfig(ctx);
  if (cfg.groups.length > 0) {
    const client = clientOf();
    for (const group of cfg.groups.map(normalizePath)) {
      let items: unknown[];
      try {
        items = await listAll((page) =>
          client.groups.allProjects(group, { includeSubgroups: true, archived: false, perPage: 100, page, showExpanded: true } as never),
        );
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 404 || status === 403) {
          ctx.log.warn(`skipped GitLab group ${group}: ${status === 404 ? "not found" : "forbidden"} (check sources.gitlab.groups and the token's access)`);
          continue;
        }
        throw error;
      }
      for (const item of items) {
        const parsed = GitlabProject.safeParse(item);
        if (!parsed.success) throw new Error(`GitLab group ${group}: project item ${String((item as { id?: unknown })?.id)} has no path_with_namespace`);
        const path = parsed.data.path_with_namespace;
        if (!byPath.has(path.toLowerCase())) byPath.set(path.toLowerCase(), { path, service: path });
      }
    }
  }
  return [...byPath.values()];
}

/** API URL of a project resource, as kept with raw pages (no token: it travels in a header). */
export function projectUrl(client: GitlabClient, project: GitlabProjectRef, resource: string): string {
  return `${client.host}/api/v4/projects/${encodeURIComponent(project.path)}/${resource}`;
}
