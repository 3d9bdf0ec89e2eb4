/**
 * The registry of compared metrics: every metric key of metrics.pdp_comparison with its unit, the
 * direction that is better, how its baseline and final windows are compared, the DORA tier table that
 * applies and the configuration that measures it. Config (target keys), the comparison transform and
 * the report all read this one list.
 *
 * It lives in schemas/ because that is the layer every other layer may import (collectors,
 * transforms, reports, cli) and which imports none of them; beside the transform, the report could
 * not read it without reaching into transform code. It holds no wording: labels and sentences are
 * the report's (reports/format.ts).
 */

export type Direction = "lower" | "higher";

/**
 * How the two windows are compared (transforms/comparison/pdp_comparison.ts):
 * - median: medians, seeded bootstrap interval of the % change, Mann-Whitney p;
 * - quantile: a quantile (p90) with a bootstrap interval of its change;
 * - rate: successes ÷ trials, Newcombe interval of the difference, two-proportion p;
 * - poisson: events per covered week, rate-ratio interval;
 * - survival: durations that may still be running (open ones censored), Kaplan–Meier median, bootstrap
 *   interval of its change, log-rank p;
 * - days: a value from the summed counters or histogram buckets of a window's days, days resampled as
 *   wholes (day-level bootstrap interval and p).
 */
export type Comparison = "median" | "quantile" | "rate" | "poisson" | "survival" | "days";

/** What kind of number the value is, which decides how it is rounded and shown. */
export type Quantity = "per_week" | "hours" | "minutes" | "share" | "seconds" | "count" | "cost" | "text";

/** DORA keys (and their companions) or the plan's further KPIs. */
export type Family = "dora" | "plan_kpi";

/** seeds.dora_tiers metric whose tiers a metric is graded with. */
export type TierTable = "deployment_frequency" | "lead_time" | "change_failure_rate" | "failed_deployment_recovery";

export interface MetricSpec {
  key: string;
  family: Family;
  /** The unit stored in metrics.pdp_comparison.unit. */
  unit: string;
  quantity: Quantity;
  direction: Direction;
  comparison: Comparison;
  tiers?: TierTable;
  /** For comparison = quantile: which one. */
  p?: number;
  /**
   * Configurations that measure the metric: any one alternative suffices; within one, every config
   * path must be set (a value other than undefined, false or an empty list/object). `<service>`
   * stands for the service's name under `services:`.
   */
  measuredBy: string[][];
}

const DEPLOYMENTS = [
  ["sources.github", "services.<service>.github"],
  ["sources.gitlab", "services.<service>.gitlab"],
  ["sources.git", "services.<service>.git"],
  ["sources.argocd", "services.<service>.argocd"],
  // recorded, received or file events name their service themselves
  ["sources.events"],
  ["sources.demo"],
];
const INCIDENTS = [
  ["sources.pagerduty", "services.<service>.pagerduty"],
  ["sources.github.incidents", "services.<service>.github"],
  ["sources.gitlab.incidents", "services.<service>.gitlab"],
  ["sources.events"],
  ["sources.demo"],
];
/** Acknowledgement times exist only where a paging tool records them. */
const PAGES = [["sources.pagerduty", "services.<service>.pagerduty"], ["sources.demo"]];
const PIPELINES = [
  ["sources.github", "services.<service>.github"],
  ["sources.gitlab", "services.<service>.gitlab"],
  ["sources.demo"],
];
const AVAILABILITY = [["sources.prometheus", "services.<service>.availability"], ["sources.demo", "services.<service>.availability"]];
const LATENCY = [["sources.prometheus", "services.<service>.latency"], ["sources.demo", "services.<service>.latency"]];

type Entry = Omit<MetricSpec, "key">;
const dora = (e: Omit<Entry, "family">): Entry => ({ family: "dora", ...e });
const kpi = (e: Omit<Entry, "family">): Entry => ({ family: "plan_kpi", ...e });

/** Fixed metric keys in their order in metrics.pdp_comparison (DORA keys, then the plan KPIs). */
const ENTRIES = {
  deployment_frequency: dora({ unit: "deploys/week", quantity: "per_week", direction: "higher", comparison: "poisson", tiers: "deployment_frequency", measuredBy: DEPLOYMENTS }),
  deploy_days_per_week: dora({ unit: "days/week", quantity: "per_week", direction: "higher", comparison: "median", tiers: "deployment_frequency", measuredBy: DEPLOYMENTS }),
  lead_time: dora({ unit: "hours", quantity: "hours", direction: "lower", comparison: "median", tiers: "lead_time", measuredBy: DEPLOYMENTS }),
  change_failure_rate: dora({ unit: "share", quantity: "share", direction: "lower", comparison: "rate", tiers: "change_failure_rate", measuredBy: DEPLOYMENTS }),
  time_to_restore: dora({ unit: "hours", quantity: "hours", direction: "lower", comparison: "survival", tiers: "failed_deployment_recovery", measuredBy: INCIDENTS }),
  failed_deployment_recovery: dora({ unit: "hours", quantity: "hours", direction: "lower", comparison: "median", tiers: "failed_deployment_recovery", measuredBy: INCIDENTS }),
  time_to_acknowledge: dora({ unit: "minutes", quantity: "minutes", direction: "lower", comparison: "survival", measuredBy: PAGES }),
  rework_rate: dora({ unit: "share", quantity: "share", direction: "lower", comparison: "rate", measuredBy: DEPLOYMENTS }),
  pages_per_week: dora({ unit: "pages/week", quantity: "per_week", direction: "lower", comparison: "poisson", measuredBy: INCIDENTS }),
  after_hours_share: dora({ unit: "share", quantity: "share", direction: "lower", comparison: "rate", measuredBy: INCIDENTS }),
  pipeline_time: kpi({ unit: "minutes", quantity: "minutes", direction: "lower", comparison: "median", measuredBy: PIPELINES }),
  pipeline_time_p90: kpi({ unit: "minutes", quantity: "minutes", direction: "lower", comparison: "quantile", p: 0.9, measuredBy: PIPELINES }),
  availability: kpi({ unit: "share", quantity: "share", direction: "higher", comparison: "days", measuredBy: AVAILABILITY }),
  error_budget_spent: kpi({ unit: "share", quantity: "share", direction: "lower", comparison: "days", measuredBy: AVAILABILITY }),
  burn_rate_episodes: kpi({ unit: "episodes/week", quantity: "text", direction: "lower", comparison: "poisson", measuredBy: AVAILABILITY }),
  // the stored unit carries the configured currency: "<currency>/transaction" (see metricSpec)
  cost_per_transaction: kpi({ unit: "per transaction", quantity: "cost", direction: "lower", comparison: "median", measuredBy: [["sources.prometheus", "cost_per_transaction"], ["sources.demo", "cost_per_transaction"]] }),
} satisfies Record<string, Entry>;

export type MetricKey = keyof typeof ENTRIES;

export const METRICS: Readonly<Record<MetricKey, MetricSpec>> = Object.fromEntries(
  Object.entries(ENTRIES).map(([key, e]) => [key, { key, ...e }]),
) as Record<MetricKey, MetricSpec>;

export const METRIC_KEYS = Object.keys(ENTRIES) as MetricKey[];

/** Keyed families: one metric per key path or custom KPI, `<prefix>:<name>`. */
export const FAMILIES = {
  latency_p99: { unit: "seconds", quantity: "seconds", direction: "lower", comparison: "days", family: "plan_kpi", measuredBy: LATENCY },
  slo: { unit: "share", quantity: "share", direction: "higher", comparison: "days", family: "plan_kpi", measuredBy: LATENCY },
  /** Unit and direction come from the KPI's entry under `kpis:`. */
  kpi: { unit: "", quantity: "count", direction: "lower", comparison: "median", family: "plan_kpi", measuredBy: [["kpis"]] },
} satisfies Record<string, Entry>;

export type FamilyPrefix = keyof typeof FAMILIES;

export function isMetricKey(key: string): key is MetricKey {
  return Object.hasOwn(ENTRIES, key);
}

/** A keyed metric's family prefix ("slo" of "slo:GET /x"), when it is one. */
export function familyOf(key: string): FamilyPrefix | undefined {
  const i = key.indexOf(":");
  if (i <= 0 || i === key.length - 1) return undefined;
  const prefix = key.slice(0, i);
  return Object.hasOwn(FAMILIES, prefix) ? (prefix as FamilyPrefix) : undefined;
}

/** The spec of a fixed or keyed metric key; undefined for an unknown key. */
export function metricSpec(key: string): MetricSpec | undefined {
  if (isMetricKey(key)) return METRICS[key];
  const family = familyOf(key);
  return family ? { key, ...FAMILIES[family] } : undefined;
}

/** Map units a value is shown in without further words. */
const QUANTITY_UNITS: readonly string[] = ["per_week", "hours", "minutes", "share", "seconds"];

/** The quantity of a custom KPI from its configured unit: a known one, or free text ("orders/day"), or a plain count. */
export function kpiQuantity(unit: string | null | undefined): Quantity {
  if (unit && QUANTITY_UNITS.includes(unit)) return unit as Quantity;
  return unit ? "text" : "count";
}

function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

function lookup(config: unknown, path: string[]): unknown {
  let v: unknown = config;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/**
 * Whether the config (a parsed Config; typed by shape so this module imports nothing from config.ts)
 * measures a metric for a service ('*': for any service). A keyed metric (e.g.
 * `slo:<route>`) counts as measured when its family's configuration is present.
 */
export function isMeasured(key: string, config: { sources: object; services: Record<string, object> }, service = "*"): boolean {
  const spec = metricSpec(key);
  if (!spec) return false;
  const services = service === "*" ? Object.keys(config.services) : [service];
  return spec.measuredBy.some((alternative) => {
    const fixed = alternative.filter((p) => !p.includes("<service>"));
    const perService = alternative.filter((p) => p.includes("<service>"));
    if (!fixed.every((p) => isSet(lookup(config, p.split("."))))) return false;
    if (!perService.length) return true;
    return services.some((s) => perService.every((p) => isSet(lookup(config, p.split(".").map((x) => (x === "<service>" ? s : x))))));
  });
}

export const VERDICTS = ["improved", "worse", "no clear change", "insufficient data", "not measured"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** One row of metrics.pdp_comparison: one metric × service (service '*' = all services). */
export interface ComparisonRow {
  metric: string;
  service: string;
  /** The value's unit (MetricSpec.unit; a custom KPI's configured unit; "<currency>/transaction"). */
  unit: string;
  direction: Direction;
  baseline_value: number | null;
  final_value: number | null;
  change_pct: number | null;
  better: boolean | null;
  ci_low: number | null;
  ci_high: number | null;
  /** What [ci_low, ci_high] bounds: the % change, the final window's value, or the difference final − baseline (in the unit; shares as fractions). */
  interval_of: "change_pct" | "final_value" | "difference" | null;
  p_value: number | null;
  n_baseline: number;
  n_final: number;
  tier_baseline: string | null;
  tier_final: string | null;
  tier_year: number;
  verdict: Verdict;
  /** The plan's target: threshold in the metric's unit (or the change in % when target_of = change_pct). */
  target: number | null;
  target_op: "<" | "<=" | ">" | ">=" | null;
  target_of: "final_value" | "change_pct" | null;
  /** NULL without a target or with insufficient data. */
  target_met: boolean | null;
  /** 'measured', or 'not measured' when the metric's source is not configured (values NULL, never 0). */
  status: "measured" | "not measured";
  /** The configurations that measure the metric, in words ("sources.pagerduty with services.<service>.pagerduty or …"). */
  measured_by: string | null;
  /** 'final', 'interim' (before the final window ends: the latest complete window of its length), or 'none' (no comparison yet). */
  window_kind: "final" | "interim" | "none";
  baseline_from: string | null;
  baseline_to: string | null;
  /** The compared window (final or interim). */
  final_from: string | null;
  final_to: string | null;
  baseline_days_covered: number | null;
  final_days_covered: number | null;
  /** Days in the compared window. */
  window_days: number | null;
  /** Items still running at the window's report (open incidents, unacknowledged pages), censored. */
  n_open_baseline: number | null;
  n_open_final: number | null;
  /** Benjamini–Hochberg adjusted p across the rows of the row's table (`fdr_family`). */
  q_value: number | null;
  /** Plain words for the interval: method and what it is of. */
  interval_kind: string | null;
  /** The table whose rows were adjusted together: dora (headline cards), dora_services, key_paths, kpis. */
  fdr_family: "dora" | "dora_services" | "key_paths" | "kpis";
}
