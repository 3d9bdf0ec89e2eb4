import { createLogger } from "../../../collectors/core/log.ts";
import { collectSource, type SourceResult, type RunContext } from "../../../collectors/core/runner.ts";
import type { AnySource } from "../../../collectors/core/stream.ts";
import { githubSource } from "../../../collectors/github/index.ts";
import { gitlabSource } from "../../../collectors/gitlab/index.ts";
import { pagerdutySource } from "../../../collectors/pagerduty/index.ts";
import { prometheusSource } from "../../../collectors/prometheus/index.ts";
import type { Config } from "../../../schemas/config.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";

export interface OrgRun {
  /** A source the config does not enable collects nothing: `success`, no rows, no requests (see `enabled`). */
  github: SourceResult;
  gitlab: SourceResult;
  pagerduty: SourceResult;
  prometheus: SourceResult;
  requests: { github: number; gitlab: number; pagerduty: number; prometheus: number };
  /** The sources the config enables, in the order they ran. */
  enabled: string[];
}

const SOURCES = { github: githubSource, gitlab: gitlabSource, pagerduty: pagerdutySource, prometheus: prometheusSource } as const;

/**
 * Collects the scale organisation through the real collectors (GitHub, GitLab, PagerDuty, then
 * Prometheus: the ones the config enables), as `dora collect` does. `since` is the backfill start
 * (`--since`); later runs leave it out. `sources` replaces a source by one built with options (e.g.
 * GitLab's with short retry back-offs).
 */
export async function collectOrg(
  w: Warehouse,
  config: Config,
  options: { since?: Date; runId?: string; logLevel?: "debug" | "info" | "warn" | "error"; sources?: Partial<Record<keyof typeof SOURCES, AnySource>> } = {},
): Promise<OrgRun> {
  const runId = options.runId ?? `scale-${Date.now()}`;
  const results = {} as Record<keyof typeof SOURCES, SourceResult>;
  const requests = { github: 0, gitlab: 0, pagerduty: 0, prometheus: 0 };
  const enabled: string[] = [];
  for (const [name, standard] of Object.entries(SOURCES) as [keyof typeof SOURCES, AnySource][]) {
    const source = options.sources?.[name] ?? standard;
    const ctx: RunContext = {
      config,
      log: createLogger({ level: options.logLevel ?? "error" }),
      runId,
      since: options.since,
      requests: { count: 0 },
      warehouse: w,
    };
    if (source.enabled(config)) enabled.push(name);
    results[name] = source.enabled(config) ? await collectSource(source, ctx) : { source: name, status: "success", rows: 0, requests: 0, durationMs: 0, streams: [] };
    requests[name] = ctx.requests.count;
  }
  return { ...results, requests, enabled };
}
