import type { Config } from "../../schemas/config.ts";
import type { GithubDeploymentsRule, GithubSource } from "../../schemas/sources/github.ts";

/** One service's view of a repository: how it records production deployments. */
export interface RepoService {
  service: string;
  rule: GithubDeploymentsRule;
  paths: string[];
}

/** A stream partition: one repository and every service that lists it (several in a monorepo). */
export interface RepoTarget {
  repo: string;
  owner: string;
  name: string;
  services: RepoService[];
}

/** The repositories the config lists, each once, with the services that claim them (config order). */
export function repoTargets(config: Config): RepoTarget[] {
  const source = config.sources.github;
  if (!source) return [];
  const byRepo = new Map<string, RepoTarget>();
  for (const [service, def] of Object.entries(config.services)) {
    for (const ref of def.github) {
      const repo = typeof ref === "string" ? ref : ref.repo;
      const override = typeof ref === "string" ? {} : (ref.deployments ?? {});
      const paths = typeof ref === "string" ? def.paths : ref.paths.length ? ref.paths : def.paths;
      const rule = mergeRule(source.deployments, override);
      const [owner, name] = repo.split("/") as [string, string];
      const target = byRepo.get(repo) ?? { repo, owner, name, services: [] };
      target.services.push({ service, rule, paths });
      byRepo.set(repo, target);
    }
  }
  return [...byRepo.values()];
}

function mergeRule(base: GithubDeploymentsRule, override: Partial<GithubDeploymentsRule>): GithubDeploymentsRule {
  const out = { ...base };
  for (const [key, value] of Object.entries(override)) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}

/** Targets whose services record deployments the given way. */
export function targetsUsing(config: Config, from: GithubDeploymentsRule["from"]): RepoTarget[] {
  return repoTargets(config)
    .map((t) => ({ ...t, services: t.services.filter((s) => s.rule.from === from) }))
    .filter((t) => t.services.length > 0);
}

/**
 * Deterministic ids: `github:<entity>:<owner/name>:<key>`; when several services share the repository,
 * the service is appended so each service keeps its own row.
 */
export function entityId(entity: string, target: RepoTarget, key: string | number, service?: string): string {
  const base = `github:${entity}:${target.repo}:${key}`;
  return service && repoTargetShared(target) ? `${base}:${service}` : base;
}

export function repoTargetShared(target: RepoTarget): boolean {
  return new Set(target.services.map((s) => s.service)).size > 1;
}

export function githubSettings(config: Config): GithubSource {
  const source = config.sources.github;
  if (!source) throw new Error("sources.github is not configured");
  return source;
}

export function matches(pattern: string, value: string | null | undefined): boolean {
  return value != null && new RegExp(pattern).test(value);
}
