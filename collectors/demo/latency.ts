import type { Config } from "../../schemas/config.ts";
import { Clock, HOUR } from "./clock.ts";
import { createRandom, hash32 } from "./random.ts";
import { at, REGRESSION, story } from "./story.ts";
import type { Timeline } from "./timeline.ts";

/** Prometheus-style bucket bounds (seconds), as client libraries ship them by default, plus +Inf. */
export const LATENCY_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity] as const;

export type LatencyBucketRow = {
  service: string;
  route: string;
  bucket_start: Date;
  bucket_seconds: number;
  /** Upper bound in seconds; +Inf is the DOUBLE Infinity. */
  le: number;
  /** Requests in the bucket period with latency ≤ le (cumulative in le, as in Prometheus). */
  count: number;
  source: "demo";
};

/** Relative traffic by local hour: quiet nights, a late-morning and an early-evening peak. */
const DIURNAL = [
  0.18, 0.12, 0.1, 0.09, 0.1, 0.15, 0.3, 0.55, 0.8, 1.0, 1.15, 1.2, 1.2, 1.15, 1.1, 1.1, 1.15, 1.2, 1.25, 1.2, 1.0, 0.75, 0.5, 0.3,
];

/** Which key path regresses for a few weeks, and which one never improves: named ones if present. */
export function specialPaths(config: Config): { regressing: string; flat: string | undefined } {
  const keys = Object.entries(config.services).flatMap(([service, s]) => s.latency.map((k) => `${service} ${k.route}`));
  const regressing = keys.includes("search GET /search") ? "search GET /search" : (keys[Math.min(9, keys.length - 1)] ?? "");
  const flat = keys.includes("ledger POST /reconcile") ? "ledger POST /reconcile" : keys.length > 4 ? keys[keys.length - 1] : undefined;
  return { regressing, flat };
}

/**
 * Histogram buckets for every key path: a log-normal latency per bucket period whose tail shrinks
 * over the SLO phase (p99 from 1–2.4× the SLO threshold to 0.4–0.85× and at most half what it
 * was), one path that stays flat, and one that regresses for about five weeks.
 */
export function generateLatency(config: Config, timeline: Timeline, seed: number, bucketSeconds: number): LatencyBucketRow[] {
  const clock = timeline.clock;
  const { regressing, flat } = specialPaths(config);
  const step = bucketSeconds * 1000;
  if (!(step === HOUR || step === 6 * HOUR || step === 24 * HOUR)) throw new Error(`demo: bucket_seconds must be 3600, 21600 or 86400, got ${bucketSeconds}`);

  // Periods align to local midnight, so day/week/month grains in the configured zone get whole
  // buckets; on DST days a period is an hour shorter or longer and bucket_seconds says so.
  const periods: { start: Date; seconds: number; story: number; traffic: number }[] = [];
  for (let local = timeline.startLocal; local < timeline.endLocal; local += step) {
    const startUtc = clock.toUtc(local);
    const endUtc = clock.toUtc(local + step);
    const hour = Clock.minuteOfDay(local) / 60;
    let diurnal = 0;
    for (let h = 0; h < step / HOUR; h++) diurnal += DIURNAL[(hour + h) % 24]!;
    diurnal /= step / HOUR;
    const weekend = Clock.weekday(local) >= 6 ? 0.65 : 1;
    const s = timeline.storyOfLocal(local + step / 2);
    periods.push({ start: new Date(startUtc), seconds: (endUtc - startUtc) / 1000, story: s, traffic: diurnal * weekend * (1 + 0.25 * Math.max(0, s) / 12) });
  }

  const rows: LatencyBucketRow[] = [];
  for (const [service, svc] of Object.entries(config.services)) {
    for (const keyPath of svc.latency) {
      const key = `${service} ${keyPath.route}`;
      const rng = createRandom(seed, `latency:${key}`);
      const threshold = keyPath.slo?.threshold_seconds ?? 0.5;
      const h = hash32(key);
      const rps = 3 + (h % 60);
      const before = shape(threshold * (key === flat ? 0.95 : 1 + 1.4 * unit(h, 1)), key === flat ? 0.6 : 0.7 + 0.3 * unit(h, 2));
      const after = key === flat ? before : shape(threshold * Math.min(0.4 + 0.45 * unit(h, 3), 0.5 * before.p99 / threshold), 0.45 + 0.15 * unit(h, 4));
      for (const period of periods) {
        const p = at(story.latencyProgress, period.story);
        let median = (before.median + (after.median - before.median) * p) * Math.exp(0.06 * rng.normal());
        let sigma = before.sigma + (after.sigma - before.sigma) * p + 0.03 * rng.normal();
        if (key === regressing && period.story >= REGRESSION[0] && period.story < REGRESSION[1]) {
          median *= 1.35;
          sigma += 0.35;
        }
        const requests = Math.max(0, Math.round(rps * period.seconds * period.traffic * Math.exp(0.08 * rng.normal())));
        const logMedian = Math.log(median);
        let previous = 0;
        for (const le of LATENCY_BOUNDS) {
          const count = le === Infinity ? requests : Math.max(previous, Math.round(requests * normalCdf((Math.log(le) - logMedian) / sigma)));
          rows.push({ service, route: keyPath.route, bucket_start: period.start, bucket_seconds: period.seconds, le, count, source: "demo" });
          previous = count;
        }
      }
    }
  }
  return rows;
}

const Z99 = 2.3263; // the standard normal's 0.99 quantile

/** A log-normal latency with the given p99 and log-space sigma. */
function shape(p99: number, sigma: number): { median: number; sigma: number; p99: number } {
  return { median: p99 / Math.exp(Z99 * sigma), sigma, p99 };
}

/** A stable number in [0, 1) from bits of a hash, so each key path gets its own shape. */
function unit(hash: number, salt: number): number {
  return hash32(`${hash}:${salt}`) / 4294967296;
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
