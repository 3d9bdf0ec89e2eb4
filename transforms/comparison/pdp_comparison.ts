// grain: one row per metric × service (plus '*' for all services).
// inputs: metrics.lead_time_items, metrics.restore_items, metrics.deployment_items, metrics.deployment_frequency,
//         metrics.oncall_load, metrics.availability_windows, intermediate.int_latency_daily, core.request_counts
//         (when present), intermediate.int_plan_windows, intermediate.int_window_days (which window each local day
//         belongs to: every window is read through it), intermediate.int_deployments, intermediate.int_services,
//         staging.stg_incidents, seeds.settings, seeds.comparison, seeds.key_paths, seeds.availability, seeds.dora_tiers.
// definition: the baseline window against the final window (or, before it ends, the latest complete window of
//   its length: "interim"): medians with a seeded bootstrap 95 % interval of the change and a Mann-Whitney
//   test; durations that can still be running (time to restore, to acknowledge) as Kaplan–Meier medians
//   with the open ones censored, a bootstrap interval and a log-rank test; shares of deployments or pages
//   with Newcombe's interval of the difference and a two-proportion test; availability, SLO attainment
//   and p99 latency from days resampled as wholes; counts per week over the days with data, with a Poisson
//   rate ratio; Benjamini–Hochberg q-values across the rows of each table (DORA keys, key paths, KPIs),
//   and the verdict read from q; fewer than min_sample observations in either window → "insufficient
//   data"; a metric whose source is not configured → "not measured", naming the config key.
import { parseTarget, type Config, type ParsedTarget } from "../../schemas/config.ts";
import {
  FAMILIES,
  isMeasured,
  kpiQuantity,
  METRIC_KEYS,
  METRICS,
  metricSpec,
  type ComparisonRow,
  type MetricSpec,
  type Verdict,
} from "../../schemas/metrics.ts";
import type { TsTransform } from "../run.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import {
  benjaminiHochberg,
  bootstrapDays,
  bootstrapKmMedianChange,
  bootstrapMedianChange,
  bootstrapQuantileChange,
  histogramQuantile,
  kaplanMeier,
  kmMedian,
  logRank,
  mannWhitney,
  median,
  newcombeDifference,
  poissonRateRatio,
  quantileSorted,
  seedFrom,
  sorted,
  twoProportionP,
  type Survival,
} from "../lib/stats.ts";

const ALPHA = 0.05;
const DAYS_PER_MONTH = 365.25 / 12;

type Family = ComparisonRow["fdr_family"];
type Coverage = "deployments" | "incidents" | "requests";

/** Which data's days count as covered for a metric: counts per week divide by these. */
const COVERAGE: Record<string, Coverage> = {
  deployment_frequency: "deployments",
  deploy_days_per_week: "deployments",
  lead_time: "deployments",
  change_failure_rate: "deployments",
  rework_rate: "deployments",
  pipeline_time: "deployments",
  pipeline_time_p90: "deployments",
  time_to_restore: "incidents",
  failed_deployment_recovery: "incidents",
  time_to_acknowledge: "incidents",
  pages_per_week: "incidents",
  after_hours_share: "incidents",
  availability: "requests",
  error_budget_spent: "requests",
  burn_rate_episodes: "requests",
  latency_p99: "requests",
  slo: "requests",
};

/**
 * The registry's measuredBy in words: "sources.pagerduty with services.<service>.pagerduty, or …". The
 * generated demo organisation is left out: it is no source a user can configure for their own data.
 */
function measuredByText(spec: MetricSpec): string {
  return spec.measuredBy
    .filter((alt) => alt[0] !== "sources.demo")
    .map((alt) => alt.join(" with "))
    .join(", or ");
}

const COLUMNS = `metric VARCHAR, service VARCHAR, unit VARCHAR, direction VARCHAR, baseline_value DOUBLE, final_value DOUBLE,
  change_pct DOUBLE, better BOOLEAN, ci_low DOUBLE, ci_high DOUBLE, interval_of VARCHAR, p_value DOUBLE, n_baseline BIGINT,
  n_final BIGINT, tier_baseline VARCHAR, tier_final VARCHAR, tier_year INTEGER, verdict VARCHAR,
  target DOUBLE, target_op VARCHAR, target_of VARCHAR, target_met BOOLEAN, status VARCHAR, measured_by VARCHAR, window_kind VARCHAR,
  baseline_from DATE, baseline_to DATE, final_from DATE, final_to DATE, baseline_days_covered INTEGER, final_days_covered INTEGER,
  window_days INTEGER, n_open_baseline BIGINT, n_open_final BIGINT, q_value DOUBLE, interval_kind VARCHAR, fdr_family VARCHAR`;

type WindowName = "baseline" | "final";
const WINDOWS: WindowName[] = ["baseline", "final"];
type PerWindow<T> = Record<WindowName, T>;

interface Tier {
  metric: string;
  tier: string;
  tier_rank: number;
  measure: string | null;
  op: string | null;
  bound: number | null;
}

interface Context {
  minSample: number;
  tierYear: number;
  tiers: Tier[];
  /** Days in each window. */
  days: PerWindow<number>;
  /** Days of each window with data of each kind (rates divide by these). */
  covered: Record<Coverage, PerWindow<number>>;
  windowKind: ComparisonRow["window_kind"];
  /** Why there is no comparison (window_kind 'none'). */
  noComparison: string | null;
  windows: { baseline_from: string | null; baseline_to: string | null; final_from: string | null; final_to: string | null };
  /** The metric's source is not configured (for the service; '*': for any). */
  notMeasured: (key: string, service: string) => boolean;
  /** No incident source: change failure rate counts rollbacks and hotfixes only. */
  cfrWithoutIncidents: boolean;
}

/** A window's days for the day-level bootstrap, and the statistic over (weighted) days. */
interface DaySample<D> {
  kind: "days";
  days: PerWindow<D[]>;
  statistic: (days: readonly D[], weights: readonly number[]) => number | null;
  /** 'difference' (final − baseline, for shares) or 'ratio' (% change). */
  change: "difference" | "ratio";
  /** What the statistic is, for interval_kind. */
  of: string;
}

/** Input for one metric × service. */
type Sample =
  | { kind: "median"; values: PerWindow<number[]> }
  | { kind: "quantile"; p: number; values: PerWindow<number[]> }
  | { kind: "exact"; value: PerWindow<number | null>; n: PerWindow<number> }
  | { kind: "rate"; k: PerWindow<number>; n: PerWindow<number> }
  | { kind: "poisson"; k: PerWindow<number>; weeks: PerWindow<number> }
  | { kind: "survival"; values: PerWindow<Survival[]> }
  | DaySample<unknown>;

/**
 * Whether the config leaves a metric unmeasured for a service (the registry's measuredBy). A config that
 * names no source at all (rows loaded into core.* by other means) or no config leaves the warehouse's
 * data to speak for itself: nothing is marked missing.
 */
export function unmeasured(config: Config | undefined): (key: string, service: string) => boolean {
  if (!config || !Object.values(config.sources).some(Boolean)) return () => false;
  return (key, service) => !isMeasured(key, config, service);
}

async function run(w: Warehouse, options?: { config?: Config }): Promise<void> {
  const settings = await w.one<{ min_sample: number; tier_year: number }>("SELECT min_sample, tier_year FROM seeds.settings");
  if (!settings) throw new Error("seeds.settings is empty: write the seeds from the config before the transforms");
  const win = await w.one<Record<string, string | null>>(
    `SELECT baseline_from::VARCHAR AS baseline_from, baseline_to::VARCHAR AS baseline_to, final_from::VARCHAR AS final_from,
            final_to::VARCHAR AS final_to,
            date_diff('day', baseline_from, baseline_to) + 1 AS baseline_days, date_diff('day', final_from, final_to) + 1 AS final_days
     FROM intermediate.int_plan_windows`,
  );
  const cmp = (await exists(w, "seeds", "comparison"))
    ? await w.one<{ window_kind: string; as_of: string; final_from: string; final_to: string }>(
        "SELECT window_kind, as_of::VARCHAR AS as_of, final_from::VARCHAR AS final_from, final_to::VARCHAR AS final_to FROM seeds.comparison",
      )
    : null;
  const kind = cmp?.window_kind ?? "final";
  const plan = await w.one<{ plan_from: string }>("SELECT plan_from::VARCHAR AS plan_from FROM intermediate.int_plan_windows");
  const ctx: Context = {
    minSample: settings.min_sample,
    tierYear: settings.tier_year,
    tiers: await w.all<Tier>(
      "SELECT metric, tier, tier_rank, measure, op, bound FROM seeds.dora_tiers WHERE tier_year = ? ORDER BY metric, tier_rank",
      [settings.tier_year],
    ),
    days: { baseline: Number(win?.baseline_days ?? 0), final: Number(win?.final_days ?? 0) },
    covered: { deployments: { baseline: 0, final: 0 }, incidents: { baseline: 0, final: 0 }, requests: { baseline: 0, final: 0 } },
    windowKind: kind === "final" || kind === "interim" ? kind : "none",
    noComparison:
      kind === "not started"
        ? `The plan starts on ${plan?.plan_from ?? "?"} (data up to ${cmp?.as_of}): no comparison yet.`
        : kind === "too early"
          ? `Too early to compare: a window as long as the final one (${cmp?.final_from} … ${cmp?.final_to}) does not yet fit between the baseline and ${cmp?.as_of}; the first progress comparison comes when it does.`
          : null,
    windows: { baseline_from: win?.baseline_from ?? null, baseline_to: win?.baseline_to ?? null, final_from: win?.final_from ?? null, final_to: win?.final_to ?? null },
    notMeasured: unmeasured(options?.config),
    cfrWithoutIncidents: false,
  };
  ctx.cfrWithoutIncidents = ctx.notMeasured("time_to_restore", "*");
  ctx.covered = await coverage(w, ctx);
  const services = ["*", ...(await w.all<{ service: string }>("SELECT service FROM intermediate.int_services ORDER BY service")).map((r) => r.service)];

  const out: ComparisonRow[] = [];
  const { samples, measures, open } = await loadSamples(w, services, ctx);
  for (const metric of METRIC_KEYS.filter((k) => METRICS[k].family === "dora")) {
    for (const service of services) {
      const sample = samples.get(`${metric}|${service}`);
      if (sample) {
        const row = compare(METRICS[metric], service, sample, ctx, measures.get(service));
        const o = open.get(`${metric}|${service}`);
        if (o) Object.assign(row, { n_open_baseline: o.baseline, n_open_final: o.final });
        out.push(row);
      }
    }
  }
  out.push(...(await latencyRows(w, ctx)));
  out.push(...(await kpiRows(w, ctx)));
  applyFalseDiscoveryRate(out);
  await applyTargets(w, out);

  await w.run(`CREATE OR REPLACE TABLE metrics.pdp_comparison (${COLUMNS})`);
  for (const [column, doc] of Object.entries(COLUMN_DOCS)) await w.run(`COMMENT ON COLUMN metrics.pdp_comparison.${column} IS '${doc.replaceAll("'", "''")}'`);
  await w.append("metrics.pdp_comparison", out as unknown as Record<string, unknown>[]);
}

/** Column documentation, carried into docs/warehouse.md by `npm run docs`. */
const COLUMN_DOCS: Record<string, string> = {
  baseline_value: "the baseline window's value in `unit` (a Kaplan–Meier median for time to restore / acknowledge); NULL when not measured or not reached",
  final_value: "the compared window's value (final, or interim before the final window ends)",
  ci_low: "95 % interval, low end; what it is of: interval_of and interval_kind",
  interval_of: "change_pct (% change), difference (final − baseline, in `unit`; shares as fractions) or final_value",
  p_value: "two-sided p of the metric's test (Mann-Whitney, log-rank, two-proportion z, conditional binomial, or day-level bootstrap)",
  n_baseline: "observations in the baseline window, in the row's unit of analysis (deployments, incidents incl. open ones, days for availability / SLO / p99)",
  verdict: "improved | worse | no clear change (q ≥ 0.05 or the interval holds no change) | insufficient data | not measured",
  status: "measured | not measured (the metric's source is not configured; values are NULL, never 0)",
  measured_by: "the config key that measures the metric",
  window_kind: "final | interim (the final window has not ended: the latest complete window of its length) | none (plan not started or too early)",
  baseline_from: "first day of the baseline window (local date)",
  baseline_to: "last day of the baseline window",
  final_from: "first day of the compared window (final or interim)",
  final_to: "last day of the compared window",
  baseline_days_covered: "days of the baseline window with data of the metric's kind; rates per week divide by these",
  final_days_covered: "days of the compared window with data",
  window_days: "days in the compared window",
  n_open_baseline: "incidents still open (time to restore) or unacknowledged (time to acknowledge) in the baseline window, censored",
  n_open_final: "the same in the compared window",
  q_value: "Benjamini–Hochberg adjusted p across the rows of the row's table (family)",
  interval_kind: "plain words for the interval (method and what it is of)",
  fdr_family: "dora (headline cards), dora_services (per-service table), key_paths, kpis: the rows adjusted together",
};

/**
 * Days of each window with data: for deployments and incidents the days from the first recorded one of
 * any service (a source collected from a later day cannot show the days before it); for requests the
 * days with counters or latency buckets (an outage of the metrics source leaves its days out).
 */
async function coverage(w: Warehouse, ctx: Context): Promise<Context["covered"]> {
  const zero = { baseline: 0, final: 0 };
  if (!ctx.windows.baseline_from || !ctx.windows.final_from) return { deployments: zero, incidents: zero, requests: zero };
  const span = async (firstDaySql: string): Promise<PerWindow<number>> => {
    const r = await w.one<{ b: number | null; f: number | null }>(
      `WITH s AS (${firstDaySql}), w AS (SELECT * FROM intermediate.int_plan_windows)
       SELECT greatest(0, date_diff('day', greatest(w.baseline_from, s.first_day), w.baseline_to) + 1)::INTEGER AS b,
              greatest(0, date_diff('day', greatest(w.final_from, s.first_day), w.final_to) + 1)::INTEGER AS f
       FROM w, s WHERE s.first_day IS NOT NULL`,
    );
    return r ? { baseline: Number(r.b ?? 0), final: Number(r.f ?? 0) } : ctx.days;
  };
  const deployments = await span("SELECT min(local_day) AS first_day FROM intermediate.int_deployments");
  const incidents = (await exists(w, "staging", "stg_incidents"))
    ? await span(`SELECT least(min(timezone(getvariable('tz'), created_at)::DATE), (SELECT min(local_day) FROM intermediate.int_deployments)) AS first_day FROM staging.stg_incidents`)
    : deployments;
  let requests: PerWindow<number> = ctx.days;
  const parts: string[] = [];
  if (await exists(w, "core", "request_counts")) parts.push("SELECT DISTINCT timezone(getvariable('tz'), bucket_start)::DATE AS day FROM core.request_counts");
  if (await exists(w, "intermediate", "int_latency_daily")) parts.push("SELECT DISTINCT local_date AS day FROM intermediate.int_latency_daily");
  if (parts.length) {
    const r = await w.one<{ b: number; f: number; any: number }>(
      `WITH d AS (${parts.join(" UNION ")}), w AS (SELECT * FROM intermediate.int_plan_windows)
       SELECT count(*) FILTER (WHERE d.day BETWEEN w.baseline_from AND w.baseline_to)::INTEGER AS b,
              count(*) FILTER (WHERE d.day BETWEEN w.final_from AND w.final_to)::INTEGER AS f, count(*)::INTEGER AS any
       FROM d, w`,
    );
    if (r && r.any > 0) requests = { baseline: r.b, final: r.f };
  }
  return { deployments, incidents, requests };
}

/**
 * Benjamini–Hochberg across the rows of each table (the DORA key cards, the per-service DORA table, the
 * key paths, the KPIs): a table of dozens of tests at 5 % has "improved" rows by chance alone; the verdict
 * is read from q, which keeps the expected share of false discoveries among the clear rows at ≤ 5 %.
 */
function applyFalseDiscoveryRate(rows: ComparisonRow[]): void {
  for (const family of ["dora", "dora_services", "key_paths", "kpis"] as Family[]) {
    const mine = rows.filter((r) => r.fdr_family === family);
    const q = benjaminiHochberg(mine.map((r) => (r.verdict === "insufficient data" || r.verdict === "not measured" ? null : r.p_value)));
    mine.forEach((r, i) => {
      r.q_value = q[i] ?? null;
      if ((r.verdict === "improved" || r.verdict === "worse") && r.q_value !== null && r.q_value >= ALPHA) r.verdict = "no clear change";
    });
  }
}

type Measures = PerWindow<Record<string, number | null>>;

/**
 * Every metric's two samples per service, keyed "metric|service", and per service the extra
 * measures the DORA frequency tiers are read with (deploy days per week and per month).
 */
async function loadSamples(
  w: Warehouse,
  services: string[],
  ctx: Context,
): Promise<{ samples: Map<string, Sample>; measures: Map<string, Measures>; open: Map<string, PerWindow<number>> }> {
  const out = new Map<string, Sample>();
  const measures = new Map<string, Measures>();
  const emptyValues = (): PerWindow<number[]> => ({ baseline: [], final: [] });
  const valuesOf = new Map<string, PerWindow<number[]>>();
  const push = (metric: string, service: string, window: WindowName, value: number | null) => {
    if (value === null || !Number.isFinite(value)) return;
    for (const s of [service, "*"]) {
      const key = `${metric}|${s}`;
      if (!valuesOf.has(key)) valuesOf.set(key, emptyValues());
      valuesOf.get(key)![window].push(value);
    }
  };
  const survivalOf = new Map<string, PerWindow<Survival[]>>();
  const pushSurvival = (metric: string, service: string, window: WindowName, time: number | null, censored: boolean) => {
    if (time === null || !Number.isFinite(time) || time < 0) return;
    for (const s of [service, "*"]) {
      const key = `${metric}|${s}`;
      if (!survivalOf.has(key)) survivalOf.set(key, { baseline: [], final: [] });
      survivalOf.get(key)![window].push({ time, event: !censored });
    }
  };

  // one list per service and window: far cheaper to hand to JS than one object per item
  const lists = await w.all<{ service: string; window_name: WindowName; lead: number[] }>(
    `SELECT i.service, m.window_name, list(i.lead_time_hours) AS lead
     FROM metrics.lead_time_items i JOIN intermediate.int_window_days m ON m.local_date = i.local_day
     WHERE i.lead_time_hours >= 0
     GROUP BY i.service, m.window_name`,
  );
  for (const r of lists) for (const v of r.lead ?? []) push("lead_time", r.service, r.window_name, v);
  // time to restore and to acknowledge: every incident of the window, the open ones censored
  const incidents = await w.all<{
    service: string;
    window_name: WindowName;
    restore: (number | null)[];
    open: boolean[];
    recovery: (number | null)[];
    ack: (number | null)[];
    unacked: boolean[];
  }>(
    `SELECT i.service, m.window_name, list(i.restore_observed_hours ORDER BY i.incident_id) AS restore, list(i.is_open ORDER BY i.incident_id) AS open,
            list(CASE WHEN i.recovery_hours >= 0 THEN i.recovery_hours END ORDER BY i.incident_id) AS recovery,
            list(i.ack_observed_minutes ORDER BY i.incident_id) AS ack, list(i.ack_censored ORDER BY i.incident_id) AS unacked
     FROM metrics.restore_items i JOIN intermediate.int_window_days m ON m.local_date = timezone(getvariable('tz'), i.created_at)::DATE
     GROUP BY i.service, m.window_name`,
  );
  const open = new Map<string, PerWindow<number>>();
  const countOpen = (metric: string, service: string, window: WindowName, n: number) => {
    for (const s of [service, "*"]) {
      const key = `${metric}|${s}`;
      if (!open.has(key)) open.set(key, { baseline: 0, final: 0 });
      open.get(key)![window] += n;
    }
  };
  for (const r of incidents) {
    (r.restore ?? []).forEach((t, i) => pushSurvival("time_to_restore", r.service, r.window_name, t, r.open[i]!));
    (r.ack ?? []).forEach((t, i) => pushSurvival("time_to_acknowledge", r.service, r.window_name, t, r.unacked[i]!));
    for (const v of r.recovery ?? []) push("failed_deployment_recovery", r.service, r.window_name, v);
    countOpen("time_to_restore", r.service, r.window_name, (r.open ?? []).filter(Boolean).length);
    countOpen("time_to_acknowledge", r.service, r.window_name, (r.unacked ?? []).filter(Boolean).length);
  }
  for (const service of services) {
    for (const metric of ["time_to_restore", "time_to_acknowledge"]) {
      if (!open.has(`${metric}|${service}`)) open.set(`${metric}|${service}`, { baseline: 0, final: 0 });
    }
  }
  // a week belongs to the window holding its Thursday (the ISO 8601 rule for weeks and years): whole
  // weeks only, since a cut week would read as a slow one, and a two-month window still has 8-9 of them.
  // The '*' rows count days with a deployment of any service, not the sum over services.
  for (const r of await w.all<{ service: string; window_name: WindowName; deploy_days: number }>(
    `SELECT f.service, m.window_name, f.deploy_days
     FROM metrics.deployment_frequency f JOIN intermediate.int_window_days m ON m.local_date = f.period_start + 3
     WHERE f.grain = 'week'`,
  )) {
    const key = `deploy_days_per_week|${r.service}`;
    if (!valuesOf.has(key)) valuesOf.set(key, emptyValues());
    valuesOf.get(key)![r.window_name].push(r.deploy_days);
  }

  const counts = await w.all<{ service: string; window_name: WindowName; n: number; failed: number; rework: number }>(
    `SELECT CASE WHEN grouping(i.service) = 1 THEN '*' ELSE i.service END AS service, m.window_name,
            count(*)::BIGINT AS n, count(*) FILTER (WHERE i.is_failed)::BIGINT AS failed, count(*) FILTER (WHERE i.is_rework)::BIGINT AS rework
     FROM metrics.deployment_items i JOIN intermediate.int_window_days m ON m.local_date = timezone(getvariable('tz'), i.finished_at)::DATE
     GROUP BY GROUPING SETS ((i.service, m.window_name), (m.window_name))`,
  );
  const pages = await w.all<{ service: string; window_name: WindowName; pages: number; after_hours: number; deploy_days: number }>(
    `SELECT o.service, m.window_name,
            sum(o.pages)::BIGINT AS pages, sum(o.after_hours_pages)::BIGINT AS after_hours, count(*) FILTER (WHERE f.deployments > 0)::BIGINT AS deploy_days
     FROM metrics.oncall_load o
     JOIN metrics.deployment_frequency f USING (grain, period_start, service)
     JOIN intermediate.int_window_days m ON m.local_date = o.period_start
     WHERE o.grain = 'day'
     GROUP BY ALL`,
  );
  const find = <T extends { service: string; window_name: WindowName }>(rows: T[], service: string, window: WindowName) =>
    rows.find((r) => r.service === service && r.window_name === window);
  // counts per week divide by the weeks with data, not by the window's length
  const weeksOf = (c: Coverage): PerWindow<number> => ({ baseline: ctx.covered[c].baseline / 7, final: ctx.covered[c].final / 7 });
  const weeks = weeksOf("incidents");

  for (const service of services) {
    const per = <T>(f: (window: WindowName) => T): PerWindow<T> => ({ baseline: f("baseline"), final: f("final") });
    for (const metric of ["lead_time", "failed_deployment_recovery", "deploy_days_per_week"]) {
      out.set(`${metric}|${service}`, { kind: "median", values: valuesOf.get(`${metric}|${service}`) ?? emptyValues() });
    }
    for (const metric of ["time_to_restore", "time_to_acknowledge"]) {
      out.set(`${metric}|${service}`, { kind: "survival", values: survivalOf.get(`${metric}|${service}`) ?? { baseline: [], final: [] } });
    }
    const n = per((x) => Number(find(counts, service, x)?.n ?? 0));
    out.set(`deployment_frequency|${service}`, { kind: "poisson", k: n, weeks: weeksOf("deployments") });
    out.set(`change_failure_rate|${service}`, { kind: "rate", k: per((x) => Number(find(counts, service, x)?.failed ?? 0)), n });
    out.set(`rework_rate|${service}`, { kind: "rate", k: per((x) => Number(find(counts, service, x)?.rework ?? 0)), n });
    const p = per((x) => Number(find(pages, service, x)?.pages ?? 0));
    out.set(`pages_per_week|${service}`, { kind: "poisson", k: p, weeks });
    out.set(`after_hours_share|${service}`, { kind: "rate", k: per((x) => Number(find(pages, service, x)?.after_hours ?? 0)), n: p });
    // the DORA frequency tiers read deploy days; "per month" normalizes windows of any length
    const weekly = valuesOf.get(`deploy_days_per_week|${service}`) ?? emptyValues();
    measures.set(
      service,
      per((x) => ({
        deploy_days_per_week: median(weekly[x]),
        deploy_days_per_month: ctx.covered.deployments[x] > 0 ? Number(find(pages, service, x)?.deploy_days ?? 0) / (ctx.covered.deployments[x] / DAYS_PER_MONTH) : null,
      })),
    );
  }
  return { samples: out, measures, open };
}

interface GoodTotal {
  good: number;
  total: number;
}

/** Σgood ÷ Σtotal over the days, each counted `weights[i]` times (a bootstrap resample). */
function goodShare(days: readonly GoodTotal[], weights: readonly number[]): number | null {
  let g = 0;
  let t = 0;
  days.forEach((d, i) => {
    g += weights[i]! * d.good;
    t += weights[i]! * d.total;
  });
  return t > 0 ? g / t : null;
}

interface LatencyDay {
  total: number;
  /** Cumulative counts at the route's common bounds. */
  c: number[];
  /** Requests at or under the SLO threshold (read from the day's buckets as int_latency_stats does). */
  good: number;
}

/**
 * Requests at or under threshold `t` from cumulative counts at bounds `le` (+Inf last): the first finite
 * bound ≥ t, interpolated linearly from the previous bound (requests spread evenly inside a bucket); a
 * threshold above every finite bound reads the highest finite bound's count. As int_latency_stats.sql.
 */
export function goodAtThreshold(t: number, le: readonly number[], c: readonly number[]): number {
  for (let i = 0; i < le.length - 1; i++) {
    if (le[i]! >= t) {
      if (le[i] === t) return c[i]!;
      const prevLe = i === 0 ? 0 : le[i - 1]!;
      const prevC = i === 0 ? 0 : c[i - 1]!;
      return prevC + ((c[i]! - prevC) * (t - prevLe)) / (le[i]! - prevLe);
    }
  }
  return le.length > 1 ? c[le.length - 2]! : 0;
}

/**
 * `latency_p99:<route>` and `slo:<route>` rows, from the route's daily histogram buckets: the day is the
 * unit of analysis (a day's requests share its deploys, load and incidents, so they are not independent
 * draws), days are resampled as wholes and p99 and the share within the threshold recomputed from the
 * summed buckets of the resampled days. Only bounds present on every day of the route are used, so
 * every day's buckets add up. Without a configured key path: one "not measured" row.
 */
async function latencyRows(w: Warehouse, ctx: Context): Promise<ComparisonRow[]> {
  if (ctx.notMeasured("latency_p99:*", "*")) {
    const row = compare({ key: "latency_p99", ...FAMILIES.latency_p99 }, "*", { kind: "exact", value: { baseline: null, final: null }, n: { baseline: 0, final: 0 } }, ctx);
    row.fdr_family = "key_paths";
    return [row];
  }
  if (!(await exists(w, "intermediate", "int_latency_daily"))) return [];
  const rows = await w.all<{ service: string; route: string; window_name: WindowName; local_date: string; le: number[]; c: number[] }>(
    `SELECT d.service, d.route, m.window_name,
            d.local_date::VARCHAR AS local_date, list(d.le::DOUBLE ORDER BY d.le) AS le, list(d.cumulative_count::DOUBLE ORDER BY d.le) AS c
     FROM intermediate.int_latency_daily d JOIN intermediate.int_window_days m ON m.local_date = d.local_date
     GROUP BY ALL ORDER BY d.service, d.route, local_date`,
  );
  const paths = await w.all<{ service: string; route: string; threshold: number | null }>(
    "SELECT service, route, any_value(slo_threshold_seconds) AS threshold FROM seeds.key_paths GROUP BY ALL ORDER BY service, route",
  );
  const out: ComparisonRow[] = [];
  for (const { service, route, threshold } of paths) {
    const mine = rows.filter((r) => r.service === service && r.route === route);
    // the bounds every day has (a changed bucket layout leaves out the bounds not shared)
    let bounds = mine.length ? mine[0]!.le.map(Number) : [];
    for (const r of mine) bounds = bounds.filter((b) => r.le.map(Number).includes(b));
    const days: PerWindow<LatencyDay[]> = { baseline: [], final: [] };
    if (bounds.length >= 2 && bounds.at(-1) === Infinity) {
      for (const r of mine) {
        const c = bounds.map((b) => Number(r.c[r.le.map(Number).indexOf(b)]));
        for (let i = 1; i < c.length; i++) c[i] = Math.max(c[i]!, c[i - 1]!);
        const total = c.at(-1)!;
        if (total > 0) days[r.window_name].push({ total, c, good: threshold === null ? 0 : goodAtThreshold(threshold, bounds, c) });
      }
    }
    const summed = (ds: readonly LatencyDay[], wt: readonly number[]) => {
      const c = new Array<number>(bounds.length).fill(0);
      ds.forEach((d, i) => {
        if (wt[i]) for (let j = 0; j < c.length; j++) c[j]! += wt[i]! * d.c[j]!;
      });
      return c;
    };
    const p99: DaySample<LatencyDay> = {
      kind: "days",
      days,
      statistic: (ds, wt) => histogramQuantile(0.99, bounds, summed(ds, wt)),
      change: "ratio",
      of: "p99",
    };
    out.push(compare(metricSpec(`latency_p99:${route}`)!, service, p99 as DaySample<unknown>, ctx));
    if (threshold !== null) {
      const slo: DaySample<LatencyDay> = {
        kind: "days",
        days,
        statistic: goodShare,
        change: "difference",
        of: "the share within the threshold",
      };
      out.push(compare(metricSpec(`slo:${route}`)!, service, slo as DaySample<unknown>, ctx));
    }
  }
  for (const r of out) r.fdr_family = "key_paths";
  return out;
}

const INTERVAL_KIND: Record<Exclude<Sample["kind"], "days" | "exact">, string> = {
  median: "95 % percentile bootstrap interval of the % change of the median (items resampled within each window)",
  quantile: "95 % percentile bootstrap interval of the % change of the quantile (items resampled within each window)",
  survival: "95 % bootstrap interval of the % change of the Kaplan–Meier median (open items censored, items resampled within each window)",
  rate: "95 % Newcombe hybrid score interval of the difference final − baseline",
  poisson: "95 % log-normal interval of the rate ratio, as % change (per week of data)",
};

function coverageOf(spec: MetricSpec): Coverage | null {
  return COVERAGE[spec.key] ?? COVERAGE[spec.key.split(":")[0]!] ?? null;
}

/** One comparison row. Exported for tests. */
export function compare(
  spec: MetricSpec,
  service: string,
  sample: Sample,
  ctx: Context,
  extraMeasures?: Measures,
): ComparisonRow {
  let baseline: number | null = null;
  let final: number | null = null;
  let n: PerWindow<number> = { baseline: 0, final: 0 };
  let changePct: number | null = null;
  let ci: { low: number; high: number } | null = null;
  let intervalOf: ComparisonRow["interval_of"] = null;
  let intervalKind: string | null = null;
  let p: number | null = null;
  let better: boolean | null = null;
  const measures: Measures = { baseline: { ...extraMeasures?.baseline }, final: { ...extraMeasures?.final } };
  const metric = spec.key;
  const notMeasured = ctx.notMeasured(metric === "latency_p99" ? "latency_p99:*" : metric, service);
  let measuredBy = measuredByText(spec);
  // without an incident source, failures are read from rollbacks and hotfixes alone: the row says so
  if (metric === "change_failure_rate" && ctx.cfrWithoutIncidents) measuredBy = `rollbacks and hotfixes only; incidents from ${measuredByText(METRICS.time_to_restore)}`;
  const seed = seedFrom(`${metric}|${service}`);

  if (!notMeasured && ctx.windowKind !== "none") {
    switch (sample.kind) {
      case "median": {
        n = { baseline: sample.values.baseline.length, final: sample.values.final.length };
        baseline = median(sample.values.baseline);
        final = median(sample.values.final);
        if (enough(n, ctx)) {
          ci = bootstrapMedianChange(sample.values.baseline, sample.values.final, { seed });
          intervalOf = ci ? "change_pct" : null;
          p = mannWhitney(sample.values.baseline, sample.values.final)?.p ?? null;
        }
        for (const x of WINDOWS) measures[x].median_hours = x === "baseline" ? baseline : final;
        break;
      }
      case "quantile": {
        n = { baseline: sample.values.baseline.length, final: sample.values.final.length };
        baseline = quantileSorted(sorted(sample.values.baseline), sample.p);
        final = quantileSorted(sorted(sample.values.final), sample.p);
        if (enough(n, ctx)) {
          const boot = bootstrapQuantileChange(sample.values.baseline, sample.values.final, sample.p, { seed });
          if (boot) {
            ci = { low: boot.low, high: boot.high };
            intervalOf = "change_pct";
            p = boot.p;
          }
        }
        break;
      }
      case "survival": {
        n = { baseline: sample.values.baseline.length, final: sample.values.final.length };
        baseline = n.baseline ? kmMedian(kaplanMeier(sample.values.baseline)) : null;
        final = n.final ? kmMedian(kaplanMeier(sample.values.final)) : null;
        if (enough(n, ctx)) {
          const boot = bootstrapKmMedianChange(sample.values.baseline, sample.values.final, { seed });
          if (boot) {
            ci = { low: boot.low, high: boot.high };
            intervalOf = "change_pct";
          }
          p = logRank(sample.values.baseline, sample.values.final)?.p ?? null;
          // a median not reached (over half still open) is longer than any observed one
          if (baseline === null && final !== null) better = spec.direction === "lower";
          if (final === null && baseline !== null) better = spec.direction !== "lower";
        }
        for (const x of WINDOWS) measures[x].median_hours = x === "baseline" ? baseline : final;
        break;
      }
      case "exact": {
        n = sample.n;
        baseline = n.baseline > 0 ? sample.value.baseline : null;
        final = n.final > 0 ? sample.value.final : null;
        break;
      }
      case "rate": {
        n = sample.n;
        baseline = n.baseline > 0 ? sample.k.baseline / n.baseline : null;
        final = n.final > 0 ? sample.k.final / n.final : null;
        if (enough(n, ctx)) {
          const d = newcombeDifference(sample.k.baseline, n.baseline, sample.k.final, n.final);
          if (d) {
            ci = { low: d.low, high: d.high };
            intervalOf = "difference";
          }
          p = twoProportionP(sample.k.baseline, n.baseline, sample.k.final, n.final);
        }
        for (const x of WINDOWS) measures[x].rate = x === "baseline" ? baseline : final;
        break;
      }
      case "poisson": {
        n = sample.k;
        baseline = sample.weeks.baseline > 0 ? sample.k.baseline / sample.weeks.baseline : null;
        final = sample.weeks.final > 0 ? sample.k.final / sample.weeks.final : null;
        if (enough(n, ctx)) {
          const rr = poissonRateRatio(sample.k.baseline, sample.weeks.baseline, sample.k.final, sample.weeks.final);
          if (rr.low !== null && rr.high !== null) {
            ci = { low: 100 * (rr.low - 1), high: 100 * (rr.high - 1) };
            intervalOf = "change_pct";
          }
          p = rr.p;
        }
        break;
      }
      case "days": {
        n = { baseline: sample.days.baseline.length, final: sample.days.final.length };
        const ones = (k: number) => new Array<number>(k).fill(1);
        baseline = n.baseline ? sample.statistic(sample.days.baseline, ones(n.baseline)) : null;
        final = n.final ? sample.statistic(sample.days.final, ones(n.final)) : null;
        if (enough(n, ctx)) {
          const change = sample.change === "ratio" ? (f: number, b: number) => (b === 0 ? null : 100 * (f / b - 1)) : (f: number, b: number) => f - b;
          const boot = bootstrapDays(sample.days.baseline, sample.days.final, sample.statistic, change, { seed });
          if (boot) {
            ci = { low: boot.low, high: boot.high };
            intervalOf = sample.change === "ratio" ? "change_pct" : "difference";
            p = boot.p;
          }
          intervalKind = `95 % day-level bootstrap interval of the ${sample.change === "ratio" ? "% change" : "difference final − baseline"} of ${sample.of} (days resampled as wholes)`;
        }
        break;
      }
    }
  }

  const sufficient = !notMeasured && ctx.windowKind !== "none" && enough(n, ctx);
  if (sufficient && baseline !== null && final !== null && baseline !== 0) changePct = 100 * (final / baseline - 1);
  if (sufficient && baseline !== null && final !== null) better = final !== baseline ? (spec.direction === "lower" ? final < baseline : final > baseline) : null;
  if (!sufficient) better = null;

  let verdict: Verdict;
  if (notMeasured) verdict = "not measured";
  else if (!sufficient || (baseline === null && final === null) || (sample.kind !== "survival" && (baseline === null || final === null))) verdict = "insufficient data";
  else {
    let clear = p !== null && p < ALPHA;
    // the interval must also exclude no change (the two methods can disagree near the edge)
    if (clear && ci && intervalOf) clear = ci.low > 0 || ci.high < 0;
    verdict = !clear || better === null ? "no clear change" : better ? "improved" : "worse";
  }
  const cov = coverageOf(spec);
  // a change failure rate from rollbacks and hotfixes alone is a lower bound: no DORA tier is read from it
  const partial = metric === "change_failure_rate" && ctx.cfrWithoutIncidents;
  const tier = (x: WindowName) => (spec.tiers && !partial && sufficient && n[x] >= ctx.minSample ? tierOf(ctx.tiers, spec.tiers, measures[x]) : null);
  const row: ComparisonRow = {
    metric,
    service,
    unit: spec.unit,
    direction: spec.direction,
    baseline_value: notMeasured ? null : baseline,
    final_value: notMeasured ? null : final,
    change_pct: changePct,
    better,
    ci_low: sufficient ? (ci?.low ?? null) : null,
    ci_high: sufficient ? (ci?.high ?? null) : null,
    interval_of: sufficient && ci ? intervalOf : null,
    p_value: sufficient ? p : null,
    n_baseline: n.baseline,
    n_final: n.final,
    tier_baseline: tier("baseline"),
    tier_final: tier("final"),
    tier_year: ctx.tierYear,
    verdict,
    target: null,
    target_op: null,
    target_of: null,
    target_met: null,
    status: notMeasured ? "not measured" : "measured",
    measured_by: measuredBy,
    window_kind: ctx.windowKind,
    ...ctx.windows,
    baseline_days_covered: cov ? ctx.covered[cov].baseline : null,
    final_days_covered: cov ? ctx.covered[cov].final : null,
    window_days: ctx.days.final || null,
    n_open_baseline: null,
    n_open_final: null,
    q_value: null,
    interval_kind: sufficient && ci ? (intervalKind ?? (sample.kind === "days" || sample.kind === "exact" ? null : INTERVAL_KIND[sample.kind])) : null,
    fdr_family: spec.family === "dora" ? (service === "*" ? "dora" : "dora_services") : "kpis",
  };
  return row;
}

function enough(n: PerWindow<number>, ctx: Context): boolean {
  return n.baseline >= ctx.minSample && n.final >= ctx.minSample;
}

/** The best tier whose condition holds; null when a needed measure is missing. */
export function tierOf(tiers: Tier[], metric: string, measures: Record<string, number | null>): string | null {
  for (const t of tiers.filter((x) => x.metric === metric).sort((a, b) => a.tier_rank - b.tier_rank)) {
    if (t.measure === null || t.bound === null) return t.tier;
    const v = measures[t.measure];
    if (v === null || v === undefined) return null;
    if (t.op === ">=" ? v >= t.bound : v <= t.bound) return t.tier;
  }
  return null;
}

const exists = async (w: Warehouse, schema: string, table: string) =>
  Boolean((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [schema, table]))?.n);

/**
 * Rows of the plan's KPIs beyond the DORA keys, each only where its data exist: deployment pipeline
 * time (median and p90), availability with the error budget spent and fast-burn episodes, cost per
 * transaction, and the custom KPIs of `kpis:` (as `kpi:<name>`).
 */
async function kpiRows(w: Warehouse, ctx: Context): Promise<ComparisonRow[]> {
  const out: ComparisonRow[] = [];
  const per = <T>(f: (window: WindowName) => T): PerWindow<T> => ({ baseline: f("baseline"), final: f("final") });
  const lists = async (sql: string) => {
    const rows = await w.all<{ key: string; service: string; window_name: WindowName; values: number[] }>(sql);
    const byKey = new Map<string, PerWindow<number[]>>();
    for (const r of rows) {
      const k = JSON.stringify([r.key, r.service]);
      if (!byKey.has(k)) byKey.set(k, { baseline: [], final: [] });
      byKey.get(k)![r.window_name] = (r.values ?? []).map(Number);
    }
    return [...byKey].map(([k, values]) => ({ key: (JSON.parse(k) as [string, string])[0], service: (JSON.parse(k) as [string, string])[1], values }));
  };
  const order = (a: { service: string }, b: { service: string }) => (a.service === "*" ? -1 : b.service === "*" ? 1 : a.service < b.service ? -1 : 1);

  // deployment pipeline time: every service with a pipeline run anywhere (an empty window reads "insufficient data")
  if (ctx.notMeasured("pipeline_time", "*")) {
    for (const spec of [METRICS.pipeline_time, METRICS.pipeline_time_p90]) {
      out.push(compare(spec, "*", { kind: "exact", value: { baseline: null, final: null }, n: { baseline: 0, final: 0 } }, ctx));
    }
  } else if (await exists(w, "metrics", "pipeline_items")) {
    const found = await lists(
      `WITH s AS (SELECT DISTINCT service FROM metrics.pipeline_items WHERE is_valid UNION ALL SELECT '*' WHERE EXISTS (SELECT 1 FROM metrics.pipeline_items WHERE is_valid)),
            x AS (SELECT s.service, x.window_name FROM s CROSS JOIN (VALUES ('baseline'), ('final')) x(window_name))
       SELECT 'pipeline' AS key, x.service, x.window_name, coalesce(list(i.pipeline_minutes) FILTER (WHERE i.pipeline_minutes IS NOT NULL), []) AS "values"
       FROM x LEFT JOIN (SELECT i.*, m.window_name AS member_of FROM metrics.pipeline_items i
                         JOIN intermediate.int_window_days m ON m.local_date = timezone(getvariable('tz'), i.finished_at)::DATE) i
         ON i.is_valid AND i.member_of = x.window_name AND (x.service = '*' OR i.service = x.service)
       GROUP BY ALL`,
    );
    for (const r of found.sort(order)) {
      out.push(compare(METRICS.pipeline_time, r.service, { kind: "median", values: r.values }, ctx));
      out.push(compare(METRICS.pipeline_time_p90, r.service, { kind: "quantile", p: METRICS.pipeline_time_p90.p!, values: r.values }, ctx));
    }
  }

  // availability and the error budget: the day is the unit of analysis, resampled as a whole
  const empty = (): PerWindow<number> => ({ baseline: 0, final: 0 });
  if (ctx.notMeasured("availability", "*")) {
    out.push(compare(METRICS.availability, "*", { kind: "exact", value: { baseline: null, final: null }, n: empty() }, ctx));
  } else if (await exists(w, "metrics", "availability_windows")) {
    const rows = await w.all<{ service: string; window_name: WindowName; pages: number }>(
      `SELECT service, window_name, page_episodes::DOUBLE AS pages FROM metrics.availability_windows WHERE window_name IN ('baseline', 'final')`,
    );
    const dayRows = await w.all<{ service: string; window_name: WindowName; good: number[]; total: number[]; target: number | null }>(
      `WITH d AS (
         SELECT CASE WHEN grouping(c.service) = 1 THEN '*' ELSE c.service END AS service, timezone(getvariable('tz'), c.bucket_start)::DATE AS day,
                sum(c.good)::DOUBLE AS good, sum(c.total)::DOUBLE AS total
         FROM core.request_counts c
         GROUP BY GROUPING SETS ((c.service, day), (day))
       )
       SELECT d.service, m.window_name,
              list(d.good ORDER BY d.day) AS good, list(d.total ORDER BY d.day) AS total, any_value(a.target) AS target
       FROM d JOIN intermediate.int_window_days m ON m.local_date = d.day LEFT JOIN seeds.availability a ON a.service = d.service
       WHERE d.total > 0
       GROUP BY ALL`,
    );
    const services = [...new Set(rows.map((r) => r.service))].map((service) => ({ service })).sort(order);
    const weeks: PerWindow<number> = { baseline: ctx.covered.requests.baseline / 7, final: ctx.covered.requests.final / 7 };
    type Day = GoodTotal;
    const share = goodShare;
    for (const { service } of services) {
      const at = (x: WindowName) => rows.find((r) => r.service === service && r.window_name === x);
      const daysOf = (x: WindowName): Day[] => {
        const r = dayRows.find((d) => d.service === service && d.window_name === x);
        return r ? r.good.map((g, i) => ({ good: Number(g), total: Number(r.total[i]) })) : [];
      };
      const days: PerWindow<Day[]> = { baseline: daysOf("baseline"), final: daysOf("final") };
      const avail: DaySample<Day> = { kind: "days", days, statistic: share, change: "difference", of: "availability" };
      out.push(compare(METRICS.availability, service, avail as DaySample<unknown>, ctx));
      const target = dayRows.find((d) => d.service === service)?.target ?? null;
      if (target !== null) {
        const spent: DaySample<Day> = {
          kind: "days",
          days,
          statistic: (ds, wt) => {
            const a = share(ds, wt);
            return a === null ? null : (1 - a) / (1 - target);
          },
          change: "difference",
          of: "the error budget spent",
        };
        out.push(compare(METRICS.error_budget_spent, service, spent as DaySample<unknown>, ctx));
        out.push(compare(METRICS.burn_rate_episodes, service, { kind: "poisson", k: per((x) => at(x)?.pages ?? 0), weeks }, ctx));
      }
    }
  }

  if (await exists(w, "metrics", "cost_per_transaction")) {
    const found = await lists(
      `WITH c AS (SELECT c.period_start, c.cost_per_transaction AS v, m.window_name
                  FROM metrics.cost_per_transaction c JOIN intermediate.int_window_days m ON m.local_date = c.period_start
                  WHERE c.grain = 'day' AND c.cost_per_transaction IS NOT NULL)
       SELECT 'cost' AS key, '*' AS service, x.window_name, coalesce(list(c.v) FILTER (WHERE c.v IS NOT NULL), []) AS "values"
       FROM (VALUES ('baseline'), ('final')) x(window_name) LEFT JOIN c USING (window_name)
       WHERE EXISTS (SELECT 1 FROM c)
       GROUP BY ALL`,
    );
    const currency = (await w.one<{ currency: string | null }>("SELECT any_value(currency) AS currency FROM seeds.cost"))?.currency ?? "";
    for (const r of found) {
      const spec: MetricSpec = { ...METRICS.cost_per_transaction, unit: currency ? `${currency}/transaction` : METRICS.cost_per_transaction.unit };
      out.push(compare(spec, r.service, { kind: "median", values: r.values }, ctx));
    }
  }

  if (await exists(w, "metrics", "kpi_values")) {
    const kpis = await w.all<{ ord: number; name: string; label: string; unit: string; direction: MetricSpec["direction"] }>("SELECT ord, name, label, unit, direction FROM seeds.kpis ORDER BY ord");
    const found = await lists(
      `SELECT v.kpi AS key, v.service, m.window_name, list(v.value) AS "values"
       FROM metrics.kpi_values v JOIN intermediate.int_window_days m ON m.local_date = v.day GROUP BY ALL`,
    );
    for (const k of kpis) {
      const spec: MetricSpec = { ...metricSpec(`kpi:${k.name}`)!, unit: k.unit, quantity: kpiQuantity(k.unit), direction: k.direction };
      const mine = found.filter((r) => r.key === k.name).sort(order);
      // a KPI with no observation in either window still gets its card, saying so
      for (const r of mine.length ? mine : [{ key: k.name, service: "*", values: { baseline: [], final: [] } }]) {
        out.push(compare(spec, r.service, { kind: "median", values: r.values }, ctx));
      }
    }
  }
  return out;
}

/**
 * Fills target, target_op, target_of and target_met from seeds.targets: a `<metric>@<service>` target
 * wins over a `<metric>` one, which applies to every service row. A target is read against the final
 * value (or the % change); with insufficient data target_met stays NULL.
 */
async function applyTargets(w: Warehouse, rows: ComparisonRow[]): Promise<void> {
  if (!(await exists(w, "seeds", "targets"))) return;
  const targets = await w.all<{ metric: string; service: string | null; spec: string }>("SELECT metric, service, spec FROM seeds.targets");
  if (!targets.length) return;
  for (const row of rows) {
    const t = targets.find((x) => x.metric === row.metric && x.service === row.service) ?? targets.find((x) => x.metric === row.metric && x.service === null);
    if (!t) continue;
    const spec = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(t.spec.trim()) ? Number(t.spec) : t.spec;
    const parsed = parseTarget(spec, row.direction);
    if (!parsed) continue;
    row.target = parsed.value;
    row.target_op = parsed.op;
    row.target_of = parsed.of;
    const value = parsed.of === "final_value" ? row.final_value : row.change_pct;
    row.target_met = row.verdict === "insufficient data" || row.verdict === "not measured" || value === null ? null : meets(value, parsed.op, parsed.value);
  }
}

function meets(v: number, op: ParsedTarget["op"], bound: number): boolean {
  // a share stored as good/total can miss 0.999 by a rounding error: compare at 12 significant digits
  const x = Number(v.toPrecision(12));
  return op === "<" ? x < bound : op === "<=" ? x <= bound : op === ">" ? x > bound : x >= bound;
}

const transform: TsTransform = {
  reads: [
    "metrics.lead_time_items",
    "metrics.restore_items",
    "metrics.deployment_items",
    "metrics.deployment_frequency",
    "metrics.oncall_load",
    "metrics.latency_windows",
    "metrics.pipeline_items",
    "metrics.availability_windows",
    "metrics.cost_per_transaction",
    "metrics.kpi_values",
    "intermediate.int_plan_windows",
    "intermediate.int_window_days",
    "intermediate.int_services",
    "intermediate.int_deployments",
    "intermediate.int_latency_daily",
    "staging.stg_incidents",
    "core.request_counts",
    "seeds.dora_tiers",
    "seeds.comparison",
    "seeds.key_paths",
    "seeds.availability",
  ],
  run,
};
export default transform;
