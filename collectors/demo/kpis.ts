import type { Config } from "../../schemas/config.ts";
import { Clock, HOUR, MINUTE } from "./clock.ts";
import { createRandom, hash32 } from "./random.ts";
import { at, type Curve } from "./story.ts";
import type { Timeline } from "./timeline.ts";

/**
 * The demo's availability, cost and custom-KPI series, as Prometheus would have returned them:
 * hourly request counts per service (good and total), daily cost, transactions and CI flakiness.
 *
 * Story: errors come from the incidents the generator already made (a share of requests fails
 * from a few minutes before an incident is opened until it is resolved), plus a small background
 * rate; faster restores (playbooks) and fewer bad deployments (canaries) lift availability from
 * ~99.85 % to ~99.97 %. Cost grows slower than traffic; CI flakiness falls with the CI/CD phase.
 */

export type RequestCountRow = {
  service: string;
  bucket_start: Date;
  bucket_seconds: number;
  good: number;
  total: number;
  source: "demo";
};

export type KpiSampleRow = {
  name: string;
  service: string;
  bucket_start: Date;
  bucket_seconds: number;
  value: number;
  source: "demo";
};

/** Stored request-count period: hourly keeps the default demo small (61k rows); burn windows shorter than an hour read one hour. */
export const DEMO_REQUEST_BUCKET_SECONDS = 3600;

/** Relative traffic by local hour (same shape as the latency traffic). */
const DIURNAL = [
  0.18, 0.12, 0.1, 0.09, 0.1, 0.15, 0.3, 0.55, 0.8, 1.0, 1.15, 1.2, 1.2, 1.15, 1.1, 1.1, 1.15, 1.2, 1.25, 1.2, 1.0, 0.75, 0.5, 0.3,
];

/** Background share of failed requests (no incident): retries, client aborts counted as 5xx. */
const BACKGROUND_ERRORS: Curve = [[2, 0.0004], [9, 0.00012]];
/** Daily infrastructure cost of the organisation per service, in EUR (rightsizing in the consolidation phase). */
const COST_PER_SERVICE_DAY: Curve = [[2, 240], [9, 228], [11, 196]];
/** Share of CI test runs retried because a test was flaky. */
const FLAKY_SHARE: Curve = [[2, 0.052], [5, 0.03], [8, 0.018], [12, 0.014]];

export interface IncidentWindow {
  service: string;
  urgency: string;
  created_at: Date;
  resolved_at: Date | null;
}

export function generateRequestCounts(config: Config, timeline: Timeline, seed: number, incidents: readonly IncidentWindow[]): RequestCountRow[] {
  const clock = timeline.clock;
  const step = DEMO_REQUEST_BUCKET_SECONDS * 1000;
  const rows: RequestCountRow[] = [];
  const services = Object.entries(config.services).filter(([, s]) => s.availability);
  for (const [service] of services) {
    const rng = createRandom(seed, `requests:${service}`);
    const rps = 20 + (hash32(`rps:${service}`) % 180);
    // high-urgency incidents hurt: a share of requests fails from 10 minutes before the page to the resolution (capped at 8 h)
    const outages = incidents
      .filter((i) => i.service === service && i.urgency === "high")
      .map((i) => {
        const r = createRandom(seed, `outage:${service}:${i.created_at.getTime()}`);
        const start = i.created_at.getTime() - 10 * MINUTE;
        const end = Math.min(i.resolved_at?.getTime() ?? start + 2 * HOUR, start + 8 * HOUR);
        // mostly partial failures; now and then a hard outage
        return { start, end, errorShare: r.chance(0.06) ? r.uniform(0.2, 0.6) : r.uniform(0.01, 0.05) };
      });
    for (let local = timeline.startLocal; local < timeline.endLocal; local += step) {
      const startUtc = clock.toUtc(local);
      const endUtc = clock.toUtc(local + step);
      if (endUtc <= startUtc) continue; // the hour skipped at the spring DST change
      const s = timeline.storyOfLocal(local + step / 2);
      const hour = Math.floor(Clock.minuteOfDay(local) / 60);
      const weekend = Clock.weekday(local) >= 6 ? 0.65 : 1;
      const total = Math.round(rps * ((endUtc - startUtc) / 1000) * DIURNAL[hour]! * weekend * (1 + (0.25 * Math.max(0, s)) / 12) * Math.exp(0.05 * rng.normal()));
      let bad = total * at(BACKGROUND_ERRORS, s) * Math.exp(0.3 * rng.normal());
      for (const o of outages) {
        const overlap = Math.min(o.end, endUtc) - Math.max(o.start, startUtc);
        if (overlap > 0) bad += (total * o.errorShare * overlap) / (endUtc - startUtc);
      }
      const failed = Math.min(total, Math.round(bad));
      rows.push({ service, bucket_start: new Date(startUtc), bucket_seconds: (endUtc - startUtc) / 1000, good: total - failed, total, source: "demo" });
    }
  }
  return rows;
}

/**
 * Daily core.kpi_samples: cost:amount and cost:transactions (the requests of every service that day)
 * when cost_per_transaction is configured, and each PromQL KPI the demo knows (flaky_test_share).
 */
export function generateKpiSamples(config: Config, timeline: Timeline, seed: number, requests: readonly RequestCountRow[]): KpiSampleRow[] {
  const clock = timeline.clock;
  const rows: KpiSampleRow[] = [];
  const services = Object.keys(config.services).length;
  const perDay = new Map<number, number>();
  for (const r of requests) {
    const day = Clock.startOfDay(clock.toLocal(r.bucket_start.getTime()));
    perDay.set(day, (perDay.get(day) ?? 0) + r.total);
  }
  const rng = createRandom(seed, "kpis");
  for (const day of timeline.days()) {
    const start = clock.toUtc(day);
    const seconds = (clock.toUtc(day + 24 * HOUR) - start) / 1000;
    const s = timeline.storyOfLocal(day + 12 * HOUR);
    const sample = (name: string, value: number) => rows.push({ name, service: "*", bucket_start: new Date(start), bucket_seconds: seconds, value, source: "demo" });
    if (config.cost_per_transaction) {
      sample("cost:amount", Math.round(services * at(COST_PER_SERVICE_DAY, s) * (seconds / 86_400) * Math.exp(0.04 * rng.normal()) * 100) / 100);
      sample("cost:transactions", perDay.get(day) ?? 0);
    }
    if (config.kpis.some((k) => k.name === "flaky_test_share" && k.promql !== undefined)) {
      sample("flaky_test_share", Math.max(0, at(FLAKY_SHARE, s) * Math.exp(0.2 * rng.normal())));
    }
  }
  return rows;
}
