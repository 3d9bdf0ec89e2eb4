import { Clock } from "../../../collectors/demo/clock.ts";
import { generateRequestCounts } from "../../../collectors/demo/kpis.ts";
import { generateLatency, specialPaths } from "../../../collectors/demo/latency.ts";
import { Timeline } from "../../../collectors/demo/timeline.ts";
import type { Config } from "../../../schemas/config.ts";
import { parseMatchers, type Matcher, type SeriesSource, type SimSeries } from "../prometheus/server.ts";
import type { ScaleOrg } from "./org.ts";

// The scale organisation's latency histograms and request counters as Prometheus series, from the demo
// generator at an hourly bucket (its rows are the ground truth): per key path one
// `<metric>_bucket{<the key path's selector labels>, le}` series per bound and `<metric>_count`, per
// service `http_requests_total{service, code="200"|"500"}` (good, and total − good).
//
// Slots are UTC hours from the first generated day. The generator's one two-hour period on the autumn
// DST night (local 02:00 happens twice) puts its requests in the first of its two hours and 0 in the
// second: same day, same sums, so every day/week/month figure is unchanged.
//
// A large organisation's hourly histograms would not fit in memory (200 services × 14 months ≈ 70 M
// rows), so a service's series are generated when a query names it (`service="…"`) and a few services
// are kept. The generator picks one regressing and one flat key path from the whole config (`search`
// and `ledger` when there are ≥ 6 services), so a service is generated together with those two,
// which keeps its numbers identical to the full run's.

export const BUCKET_SECONDS = 3600;
const CACHED_SERVICES = 24;

export function scaleSeriesSource(org: ScaleOrg, seed: number): SeriesSource {
  const demo = org.demo;
  const names = Object.keys(demo.services);
  const clock = new Clock(demo.timezone, demo.oncall.working_hours);
  const timeline = new Timeline(clock, demo.plan.start, demo.plan.months, demo.sources.demo?.months_before ?? 2);
  const base = timeline.startUtc / 1000;
  const slots = Math.round((timeline.endUtc - timeline.startUtc) / 1000 / BUCKET_SECONDS);
  const full = specialPaths(demo);
  const small = names.length < 6;
  const cache = new Map<string, SimSeries[]>();

  const generate = (services: string[]) => {
    const config: Config = { ...demo, services: Object.fromEntries(names.filter((n) => services.includes(n)).map((n) => [n, demo.services[n]!])) };
    const special = specialPaths(config);
    if (!small && (special.regressing !== full.regressing || special.flat !== full.flat)) {
      throw new Error(`scale Prometheus: generating ${services.join(", ")} alone would change the special key paths`);
    }
    const byKey = new Map<string, { labels: Record<string, string>; increases: Float64Array }>();
    const series = (labels: Record<string, string>) => {
      const key = JSON.stringify(labels);
      let s = byKey.get(key);
      if (!s) byKey.set(key, (s = { labels, increases: new Float64Array(slots) }));
      return s.increases;
    };
    const slotOf = (start: Date) => Math.round((start.getTime() / 1000 - base) / BUCKET_SECONDS);
    for (const row of generateLatency(config, timeline, seed, BUCKET_SECONDS)) {
      const kp = config.services[row.service]!.latency.find((k) => k.route === row.route)!;
      const labels = selectorLabels(kp.selector);
      const metric = (kp.metric ?? "http_request_duration_seconds").replace(/_bucket$/, "");
      const k = slotOf(row.bucket_start);
      if (k < 0 || k >= slots) continue;
      series({ __name__: `${metric}_bucket`, ...labels, le: row.le === Infinity ? "+Inf" : String(row.le) })[k]! += row.count;
      if (row.le === Infinity) series({ __name__: `${metric}_count`, ...labels })[k]! += row.count;
    }
    const incidents = org.truth["core.incidents"].filter((i) => services.includes(i.service));
    for (const row of generateRequestCounts(config, timeline, seed, incidents)) {
      const k = slotOf(row.bucket_start);
      if (k < 0 || k >= slots) continue;
      series({ __name__: "http_requests_total", service: row.service, code: "200" })[k]! += row.good;
      series({ __name__: "http_requests_total", service: row.service, code: "500" })[k]! += row.total - row.good;
    }
    const byService = new Map<string, SimSeries[]>(services.map((s) => [s, []]));
    for (const s of byKey.values()) byService.get(s.labels.service!)?.push({ labels: s.labels, start: base, slotSeconds: BUCKET_SECONDS, increases: s.increases });
    for (const [service, list] of byService) {
      cache.delete(service);
      cache.set(service, list);
    }
    while (cache.size > (small ? names.length : CACHED_SERVICES)) cache.delete(cache.keys().next().value!);
  };

  const ofService = (service: string): SimSeries[] => {
    const hit = cache.get(service);
    if (hit) {
      cache.delete(service);
      cache.set(service, hit);
      return hit;
    }
    if (!demo.services[service]) return [];
    generate(small ? names : [...new Set([service, "search", "ledger"])]);
    return cache.get(service) ?? [];
  };

  return (_name: string, matchers: Matcher[]) => {
    const named = matchers.find((m) => m.name === "service" && m.op === "=");
    if (named) return ofService(named.value);
    return names.flatMap((s) => ofService(s));
  };
}

/** `{service="a",route="/x"}` → its equality labels. */
function selectorLabels(selector: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of parseMatchers(selector ?? "")) if (m.op === "=") labels[m.name] = m.value;
  return labels;
}
