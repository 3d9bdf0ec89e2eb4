import { createLogger } from "../../../collectors/core/log.ts";
import { collectSource, type SourceResult } from "../../../collectors/core/runner.ts";
import type { CollectContext } from "../../../collectors/core/stream.ts";
import { githubSource } from "../../../collectors/github/index.ts";
import { pagerdutySource } from "../../../collectors/pagerduty/index.ts";
import type { Config } from "../../../schemas/config.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";

export interface OrgRun {
  github: SourceResult;
  pagerduty: SourceResult;
  requests: { github: number; pagerduty: number };
}

/**
 * Collects the scale organisation through the real collectors (GitHub, then PagerDuty), as
 * `dora collect` does. `since` is the backfill start (`--since`); later runs leave it out.
 */
export async function collectOrg(w: Warehouse, config: Config, options: { since?: Date; runId?: string; logLevel?: "debug" | "info" | "warn" | "error" } = {}): Promise<OrgRun> {
  const runId = options.runId ?? `scale-${Date.now()}`;
  const ctx = (): CollectContext => ({
    config,
    log: createLogger({ level: options.logLevel ?? "error" }),
    runId,
    since: options.since,
    requests: { count: 0 },
    state: new Map(),
    warehouse: w,
  });
  const gh = ctx();
  const github = await collectSource(githubSource, gh);
  const pd = ctx();
  const pagerduty = await collectSource(pagerdutySource, pd);
  return { github, pagerduty, requests: { github: gh.requests.count, pagerduty: pd.requests.count } };
}
