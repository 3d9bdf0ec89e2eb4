import type { Config } from "../../schemas/config.ts";
import { PagerdutySource } from "../../schemas/sources/pagerduty.ts";
import { readSecret } from "../core/secrets.ts";
import type { CollectContext, SourceContext } from "../core/stream.ts";
import { PagerdutyClient, type PagerdutyClientOptions } from "./client.ts";
import type { IncidentFacts } from "./log-facts.ts";

/** A PagerDuty service id and the config service it feeds. */
export interface ServicePartition {
  pdServiceId: string;
  service: string;
}

export interface PagerdutySourceOptions {
  /** Client settings beyond the config's (tests shorten the back-off); the defaults otherwise. */
  client?: Pick<PagerdutyClientOptions, "retry" | "rateLimitFallbackMs" | "timeoutMs" | "sleep">;
}

/** What the two streams share during one run. */
export class PagerdutyRun {
  readonly settings: PagerdutySource;
  /** PagerDuty service id → config service name. */
  readonly services: Map<string, string>;
  /** Incidents of our services with log entries in this run's windows → their PagerDuty service id. */
  readonly touched = new Map<string, string>();
  /** Loaded once, after the log-entries stream has stored its pages. */
  facts?: Map<string, IncidentFacts>;
  /** Incidents re-read by id this run (a service id listed twice must not fetch them twice). */
  readonly refetched = new Set<string>();
  private builtClient: PagerdutyClient | undefined;

  constructor(
    private readonly ctx: SourceContext,
    private readonly options: PagerdutySourceOptions = {},
  ) {
    this.settings = settingsOf(ctx.config);
    this.services = new Map(servicePartitions(ctx.config).map((p) => [p.pdServiceId, p.service]));
  }

  /** Built on first use: the token is read once (PAGERDUTY_TOKEN or its _FILE) and never logged. */
  get client(): PagerdutyClient {
    this.builtClient ??= new PagerdutyClient({
      ...this.options.client,
      token: readSecret(this.settings.token_env),
      baseUrl: this.settings.base_url,
      requests: this.ctx.requests,
      log: this.ctx.log.child({ source: "pagerduty" }),
    });
    return this.builtClient;
  }
}

export type PagerdutyContext = CollectContext<PagerdutyRun>;

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

export function pagerdutyRun(ctx: PagerdutyContext): PagerdutyRun {
  return ctx.state;
}

/**
 * Where a stream starts: the cursor (already stepped back by the runner's overlap), else --since,
 * else the first day of the plan at midnight in the configured time zone.
 */
export function startOf(ctx: SourceContext, since: string | undefined): Date {
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
