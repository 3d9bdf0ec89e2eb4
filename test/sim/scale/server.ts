import type { Config } from "../../../schemas/config.ts";
import { startGithubSim, type GithubSim, type SimFault as GithubFault } from "../github/server.ts";
import { startPagerdutySim, type PagerdutySim, type SimFault as PagerdutyFault } from "../pagerduty/server.ts";
import { buildScaleOrg, scaleConfig, type ScaleOrg, type ScaleOrgOptions } from "./org.ts";

export interface ScaleSimOptions extends ScaleOrgOptions {
  /** Delay added to every request, ms (both APIs). */
  latencyMs?: number;
  /** GitHub's primary rate limit (default: 5,000 requests an hour, as for one token). */
  githubRateLimit?: { limit?: number; windowSeconds?: number };
  /** PagerDuty's rate limit (default: 960 requests a minute). */
  pagerdutyRateLimit?: { limit: number; windowMs: number };
  githubFaults?: GithubFault[];
  pagerdutyFaults?: PagerdutyFault[];
  /** An organisation built earlier (skips generating it again). */
  org?: ScaleOrg;
}

export interface ScaleSim {
  org: ScaleOrg;
  github: GithubSim;
  pagerduty: PagerdutySim;
  /** A collector config for this organisation, tokens taken from SCALE_SIM_GITHUB_TOKEN / SCALE_SIM_PAGERDUTY_TOKEN. */
  config: Config;
  tokens: { github: string; pagerduty: string };
  close(): Promise<void>;
}

export const TOKEN_ENV = { github: "SCALE_SIM_GITHUB_TOKEN", pagerduty: "SCALE_SIM_PAGERDUTY_TOKEN" } as const;
// A fake token in GitHub's shape, joined at run time so secret scanners do not flag a fixture.
const TOKENS = { github: ["ghp", "ScaleSimToken0123456789abcdefghijklm"].join("_"), pagerduty: "pd-scale-sim-token-4c1e9b" };

/**
 * One synthetic organisation (see org.ts) on a GitHub (REST + GraphQL) and a PagerDuty simulator on
 * 127.0.0.1, with rate-limit budgets, latency and faults. Sets the two token variables in this process.
 */
export async function startScaleSim(options: ScaleSimOptions): Promise<ScaleSim> {
  const org = options.org ?? buildScaleOrg(options);
  const github = await startGithubSim({ token: TOKENS.github, state: org.github, latencyMs: options.latencyMs, rateLimit: options.githubRateLimit, faults: options.githubFaults });
  const pagerduty = await startPagerdutySim({
    token: TOKENS.pagerduty,
    services: org.pagerduty.services,
    incidents: org.pagerduty.incidents,
    latencyMs: options.latencyMs,
    rateLimit: options.pagerdutyRateLimit,
    faults: options.pagerdutyFaults,
  });
  process.env[TOKEN_ENV.github] = TOKENS.github;
  process.env[TOKEN_ENV.pagerduty] = TOKENS.pagerduty;
  const config = scaleConfig(org, { github: github.url, pagerduty: pagerduty.url }, TOKEN_ENV);
  return {
    org,
    github,
    pagerduty,
    config,
    tokens: TOKENS,
    close: async () => {
      await Promise.all([github.close(), pagerduty.close()]);
    },
  };
}
