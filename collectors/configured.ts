import type { Config } from "../schemas/config.ts";

/**
 * Whether the config gives each source something to collect: pure functions of the config, apart
 * from the collectors themselves, so the registry can tell which sources a run needs before loading
 * their API clients. Each source's `enabled` is the function of the same name.
 */
const listing = (config: Config, key: "github" | "gitlab" | "git" | "pagerduty" | "argocd") =>
  Object.values(config.services).some((service) => service[key].length > 0);

export const configured = {
  github: (config: Config) => config.sources.github !== undefined && listing(config, "github"),
  // a group setting finds projects on its own
  gitlab: (config: Config) => listing(config, "gitlab") || (config.sources.gitlab?.groups.length ?? 0) > 0,
  git: (config: Config) => listing(config, "git"),
  pagerduty: (config: Config) => config.sources.pagerduty !== undefined && listing(config, "pagerduty"),
  prometheus: (config: Config) =>
    config.sources.prometheus !== undefined &&
    (Object.values(config.services).some((s) => s.latency.some((k) => k.metric) || s.availability) ||
      config.kpis.some((k) => k.promql !== undefined) ||
      Boolean(config.cost_per_transaction)),
  argocd: (config: Config) => config.sources.argocd !== undefined && listing(config, "argocd"),
  events: (config: Config) => config.sources.events !== undefined,
} satisfies Record<string, (config: Config) => boolean>;

export type SourceName = keyof typeof configured;
