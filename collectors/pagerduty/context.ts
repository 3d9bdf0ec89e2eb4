import type { Config } from "../../schemas/config.ts";
import { PagerdutySource } from "../../schemas/sources/pagerduty.ts";
import { readSecret } from "../core/secrets.ts";
import type { CollectContext } from "../core/stream.ts";
import { PagerdutyClient } from "./client.ts";
import type { IncidentFacts } from "./log-facts.ts";

/** A PagerDuty service id and the config service it feeds. */
export interface ServicePartition {
  pdServiceId: string;
  service: string;
}

/** What the two streams share during one run (kept in ctx.state). */
export interface PagerdutyRun {
  client: PagerdutyClient;
  settings: PagerdutySource;
  /** PagerDuty service id → config service name. */
  services: Map<string, string>;
  /** Incidents of our services with log entries in this run's windows → their PagerDuty service id. */
  touched: Map<string, string>;
  /** Loaded once, after the log-entries stream has stored its pages. */
  facts?: Map<string, IncidentFacts>;
  /** Incidents re-read by id this run (a service id listed twice must not fetch them twice). */
  refetched: Set<string>;
}

const STATE_KEY = "pagerduty";
/** Tests (and embedders) may put a ready PagerdutyClient here before the run. */
export const CLIENT_STATE_KEY = "pagerduty.client";

/** PagerDuty service ids from `services.<name>.pagerduty`, each once (the first service listing it wins). */
export function servicePartitions(config: Config): ServicePartition[] {
  const seen = new Map<string, ServicePartition>();
  for (const [service, spec] of Object.entries(config.services)) {
    for (const pdServiceId of spec.pagerduty) if (!seen.has(pdServiceId)) seen.set(pdServiceId, { pdServiceId, service });
  }
  return [...seen.values()];
}

export function settingsOf(config: Config): PagerdutySource {
  return config.sources.pagerduty ?? PagerdutySource.parse({});
}

export function pagerdutyRun(ctx: CollectContext): PagerdutyRun {
  let run = ctx.state.get(STATE_KEY) as PagerdutyRun | undefined;
  if (!run) {
    const settings = settingsOf(ctx.config);
    const client =
      (ctx.state.get(CLIENT_STATE_KEY) as PagerdutyClient | undefined) ??
      new PagerdutyClient({
        token: readSecret(settings.token_env),
        baseUrl: settings.base_url,
        requests: ctx.requests,
        log: ctx.log.child({ source: "pagerduty" }),
      });
    run = {
      client,
      settings,
      services: new Map(servicePartitions(ctx.config).map((p) => [p.pdServiceId, p.service])),
      touched: new Map(),
      refetched: new Set(),
    };
    ctx.state.set(STATE_KEY, run);
  }
  return run;
}

/**
 * Where a stream starts: the cursor (already stepped back by the runner's overlap), else --since,
 * else the first day of the plan at midnight in the configured time zone.
 */
export function startOf(ctx: CollectContext, since: string | undefined): Date {
  if (since) return new Date(since);
  if (ctx.since) return ctx.since;
  return zonedMidnight(ctx.config.plan.start, ctx.config.timezone);
}

/** The UTC instant of 00:00 on an ISO date in an IANA time zone. */
export function zonedMidnight(date: string, timeZone: string): Date {
  const utc = Date.parse(`${date}T00:00:00Z`);
  // Two passes settle the offset even when midnight sits next to a DST change.
  let guess = utc;
  for (let i = 0; i < 2; i++) guess = utc - offsetMs(guess, timeZone);
  return new Date(guess);
}

function offsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** Timestamps come as `Z` or `+00:00`: cursors must compare as strings, so normalize. */
export function isoUtc(timestamp: string): string {
  return new Date(timestamp).toISOString();
}
