// pdp_comparison: the platform development plan (PDP) comparison, the plan's baseline window against
// its final window for every metric of the registry (schemas/metrics.ts).
// grain: one row per metric × service (plus '*' for all services).
// inputs: see `reads` at the end of the file.
// definition: medians with a seeded bootstrap 95 % interval of the change and a Mann-Whitney test,
//   rates with a Wilson interval of the final rate and a two-proportion test, counts per week with a
//   Poisson rate ratio; fewer than min_sample observations in either window → "insufficient data".
//   Numbers only: the report words them (reports/format.ts).
import { parseTarget, type ParsedTarget } from "../../schemas/config.ts";
import { kpiQuantity, METRIC_KEYS, METRICS, metricSpec, type ComparisonRow, type MetricSpec, type Verdict } from "../../schemas/metrics.ts";
import type { TsTransform } from "../run.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import {
  bootstrapMedianChange,
  bootstrapQuantileChange,
  mannWhitney,
  median,
  poissonRateRatio,
  quantileSorted,
  seedFrom,
  sorted,
  twoProportionP,
  wilson,
} from "../lib/stats.ts";

const ALPHA = 0.05;
/** Histogram-based p99 has no sampling interval; smaller moves than this are read as no clear change. */
const LATENCY_MATERIAL_CHANGE_PCT = 5;
const DAYS_PER_MONTH = 365.25 / 12;

const COLUMNS = `metric VARCHAR, service VARCHAR, unit VARCHAR, direction VARCHAR, baseline_value DOUBLE, final_value DOUBLE,
  change_pct DOUBLE, better BOOLEAN, ci_low DOUBLE, ci_high DOUBLE, interval_of VARCHAR, p_value DOUBLE, n_baseline BIGINT,
  n_final BIGINT, tier_baseline VARCHAR, tier_final VARCHAR, tier_year INTEGER, verdict VARCHAR,
  target DOUBLE, target_op VARCHAR, target_of VARCHAR, target_met BOOLEAN`;

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
  days: PerWindow<number>;
}

/** Input for one metric × service. */
type Sample =
  | { kind: "median"; values: PerWindow<number[]> }
  | { kind: "quantile"; p: number; values: PerWindow<number[]> }
  | { kind: "exact"; value: PerWindow<number | null>; n: PerWindow<number> }
  | { kind: "rate"; k: PerWindow<number>; n: PerWindow<number> }
  | { kind: "poisson"; k: PerWindow<number>; weeks: PerWindow<number> }
  | { kind: "histogram"; value: PerWindow<number | null>; n: PerWindow<number> };

async function run(w: Warehouse): Promise<void> {
  const settings = await w.one<{ min_sample: number; tier_year: number }>("SELECT min_sample, tier_year FROM seeds.settings");
  if (!settings) throw new Error("seeds.settings is empty: write the seeds from the config before the transforms");
  const win = await w.one<Record<string, string | null>>(
    `SELECT baseline_from::VARCHAR AS baseline_from, baseline_to::VARCHAR AS baseline_to, final_from::VARCHAR AS final_from,
            final_to::VARCHAR AS final_to,
            date_diff('day', baseline_from, baseline_to) + 1 AS baseline_days, date_diff('day', final_from, final_to) + 1 AS final_days
     FROM intermediate.int_plan_windows`,
  );
  const ctx: Context = {
    minSample: settings.min_sample,
    tierYear: settings.tier_year,
    tiers: await w.all<Tier>(
      "SELECT metric, tier, tier_rank, measure, op, bound FROM seeds.dora_tiers WHERE tier_year = ? ORDER BY metric, tier_rank",
      [settings.tier_year],
    ),
    days: { baseline: Number(win?.baseline_days ?? 0), final: Number(win?.final_days ?? 0) },
  };
  const services = ["*", ...(await w.all<{ service: string }>("SELECT service FROM intermediate.int_services ORDER BY service")).map((r) => r.service)];

  const out: ComparisonRow[] = [];
  const { samples, measures } = await loadSamples(w, services, ctx);
  for (const metric of METRIC_KEYS.filter((k) => METRICS[k].family === "dora")) {
    for (const service of services) {
      const sample = samples.get(`${metric}|${service}`);
      if (sample) out.push(compare(METRICS[metric], service, sample, ctx, measures.get(service)));
    }
  }
  out.push(...(await latencyRows(w, ctx)));
  out.push(...(await kpiRows(w, ctx)));
  await applyTargets(w, out);

  await w.run(`CREATE OR REPLACE TABLE metrics.pdp_comparison (${COLUMNS})`);
  await w.append("metrics.pdp_comparison", out as unknown as Record<string, unknown>[]);
}

type Measures = PerWindow<Record<string, number | null>>;

/**
 * Every metric's two samples per service, keyed "metric|service", and per service the extra
 * measures the DORA frequency tiers are read with (deploy days per week and per month).
 */
async function loadSamples(w: Warehouse, services: string[], ctx: Context): Promise<{ samples: Map<string, Sample>; measures: Map<string, Measures> }> {
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

  // one list per service and window: far cheaper to hand to JS than one object per item
  const lists = await w.all<{ service: string; window_name: WindowName; lead: number[]; restore: number[]; recovery: number[]; ack: number[] }>(
    `SELECT service, window_name, list(lead) FILTER (WHERE lead IS NOT NULL) AS lead, list(restore) FILTER (WHERE restore IS NOT NULL) AS restore,
            list(recovery) FILTER (WHERE recovery IS NOT NULL) AS recovery, list(ack) FILTER (WHERE ack IS NOT NULL) AS ack
     FROM (
       SELECT service, window_name, lead_time_hours AS lead, NULL::DOUBLE AS restore, NULL::DOUBLE AS recovery, NULL::DOUBLE AS ack
       FROM metrics.lead_time_items WHERE window_name IN ('baseline', 'final') AND lead_time_hours > 0
       UNION ALL
       SELECT service, window_name, NULL, CASE WHEN restore_hours >= 0 THEN restore_hours END, CASE WHEN recovery_hours >= 0 THEN recovery_hours END,
              CASE WHEN ack_minutes >= 0 THEN ack_minutes END
       FROM metrics.restore_items WHERE window_name IN ('baseline', 'final')
     )
     GROUP BY service, window_name`,
  );
  for (const r of lists) {
    for (const [metric, values] of [
      ["lead_time", r.lead],
      ["time_to_restore", r.restore],
      ["failed_deployment_recovery", r.recovery],
      ["time_to_acknowledge", r.ack],
    ] as const) {
      for (const v of values ?? []) push(metric, r.service, r.window_name, v);
    }
  }
  // a week belongs to the window holding its Thursday (the ISO 8601 rule for weeks and years): whole
  // weeks only, since a cut week would read as a slow one, and a two-month window still has 8-9 of them.
  // The '*' rows count days with a deployment of any service, not the sum over services.
  for (const r of await w.all<{ service: string; window_name: WindowName; deploy_days: number }>(
    `SELECT f.service, CASE WHEN f.period_start + 3 BETWEEN w.baseline_from AND w.baseline_to THEN 'baseline' ELSE 'final' END AS window_name, f.deploy_days
     FROM metrics.deployment_frequency f CROSS JOIN intermediate.int_plan_windows w
     WHERE f.grain = 'week' AND (f.period_start + 3 BETWEEN w.baseline_from AND w.baseline_to OR f.period_start + 3 BETWEEN w.final_from AND w.final_to)`,
  )) {
    const key = `deploy_days_per_week|${r.service}`;
    if (!valuesOf.has(key)) valuesOf.set(key, emptyValues());
    valuesOf.get(key)![r.window_name].push(r.deploy_days);
  }

  const counts = await w.all<{ service: string; window_name: WindowName; n: number; failed: number; rework: number }>(
    `SELECT CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service, window_name,
            count(*)::BIGINT AS n, count(*) FILTER (WHERE is_failed)::BIGINT AS failed, count(*) FILTER (WHERE is_rework)::BIGINT AS rework
     FROM metrics.deployment_items WHERE window_name IN ('baseline', 'final')
     GROUP BY GROUPING SETS ((service, window_name), (window_name))`,
  );
  const pages = await w.all<{ service: string; window_name: WindowName; pages: number; after_hours: number; deploy_days: number }>(
    `SELECT o.service, CASE WHEN o.period_start BETWEEN w.baseline_from AND w.baseline_to THEN 'baseline' ELSE 'final' END AS window_name,
            sum(o.pages)::BIGINT AS pages, sum(o.after_hours_pages)::BIGINT AS after_hours, count(*) FILTER (WHERE f.deployments > 0)::BIGINT AS deploy_days
     FROM metrics.oncall_load o
     JOIN metrics.deployment_frequency f USING (grain, period_start, service)
     CROSS JOIN intermediate.int_plan_windows w
     WHERE o.grain = 'day' AND (o.period_start BETWEEN w.baseline_from AND w.baseline_to OR o.period_start BETWEEN w.final_from AND w.final_to)
     GROUP BY ALL`,
  );
  const find = <T extends { service: string; window_name: WindowName }>(rows: T[], service: string, window: WindowName) =>
    rows.find((r) => r.service === service && r.window_name === window);
  const weeks: PerWindow<number> = { baseline: ctx.days.baseline / 7, final: ctx.days.final / 7 };

  for (const service of services) {
    const per = <T>(f: (window: WindowName) => T): PerWindow<T> => ({ baseline: f("baseline"), final: f("final") });
    for (const metric of ["lead_time", "time_to_restore", "failed_deployment_recovery", "time_to_acknowledge", "deploy_days_per_week"]) {
      out.set(`${metric}|${service}`, { kind: "median", values: valuesOf.get(`${metric}|${service}`) ?? emptyValues() });
    }
    const n = per((x) => Number(find(counts, service, x)?.n ?? 0));
    out.set(`deployment_frequency|${service}`, { kind: "poisson", k: n, weeks });
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
        deploy_days_per_month: ctx.days[x] > 0 ? Number(find(pages, service, x)?.deploy_days ?? 0) / (ctx.days[x] / DAYS_PER_MONTH) : null,
      })),
    );
  }
  return { samples: out, measures };
}

/** `latency_p99:<route>` and `slo:<route>` rows from the Prometheus engineer's metrics.latency_windows, if built. */
async function latencyRows(w: Warehouse, ctx: Context): Promise<ComparisonRow[]> {
  const exists = await w.one<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = 'metrics' AND table_name = 'latency_windows'",
  );
  if (!exists?.n) return [];
  const rows = await w.all<{
    service: string;
    route: string;
    window_name: WindowName;
    requests: number | null;
    p99_seconds: number | null;
    good_requests: number | null;
    threshold_seconds: number | null;
  }>(
    `SELECT service, route, window_name, requests::DOUBLE AS requests, p99_seconds, good_requests::DOUBLE AS good_requests, threshold_seconds
     FROM metrics.latency_windows WHERE window_name IN ('baseline', 'final') ORDER BY service, route`,
  );
  const keys = [...new Set(rows.map((r) => JSON.stringify([r.service, r.route])))].map((k) => JSON.parse(k) as [string, string]);
  const out: ComparisonRow[] = [];
  for (const [service, route] of keys) {
    const at = (x: WindowName) => rows.find((r) => r.service === service && r.route === route && r.window_name === x);
    const n = { baseline: Math.round(at("baseline")?.requests ?? 0), final: Math.round(at("final")?.requests ?? 0) };
    out.push(
      compare(
        metricSpec(`latency_p99:${route}`)!,
        service,
        { kind: "histogram", value: { baseline: at("baseline")?.p99_seconds ?? null, final: at("final")?.p99_seconds ?? null }, n },
        ctx,
      ),
    );
    if (rows.some((r) => r.service === service && r.route === route && r.threshold_seconds !== null)) {
      out.push(
        compare(
          metricSpec(`slo:${route}`)!,
          service,
          { kind: "rate", k: { baseline: Math.round(at("baseline")?.good_requests ?? 0), final: Math.round(at("final")?.good_requests ?? 0) }, n },
          ctx,
        ),
      );
    }
  }
  return out;
}

/** One comparison row of a metric × service from its two windows' sample. */
function compare(
  spec: MetricSpec,
  service: string,
  sample: Sample,
  ctx: Context,
  extraMeasures?: Measures,
): ComparisonRow {
  let baseline: number | null = null;
  let final: number | null = null;
  let n: PerWindow<number>;
  let changePct: number | null = null;
  let ci: { low: number; high: number } | null = null;
  let intervalOf: ComparisonRow["interval_of"] = null;
  let p: number | null = null;
  const measures: Measures = { baseline: { ...extraMeasures?.baseline }, final: { ...extraMeasures?.final } };

  switch (sample.kind) {
    case "median": {
      n = { baseline: sample.values.baseline.length, final: sample.values.final.length };
      baseline = median(sample.values.baseline);
      final = median(sample.values.final);
      if (enough(n, ctx)) {
        ci = bootstrapMedianChange(sample.values.baseline, sample.values.final, { seed: seedFrom(`${spec.key}|${service}`) });
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
        const boot = bootstrapQuantileChange(sample.values.baseline, sample.values.final, sample.p, { seed: seedFrom(`${spec.key}|${service}`) });
        if (boot) {
          ci = { low: boot.low, high: boot.high };
          intervalOf = "change_pct";
          p = boot.p;
        }
      }
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
        ci = wilson(sample.k.final, n.final);
        intervalOf = "final_value";
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
    case "histogram": {
      n = sample.n;
      baseline = n.baseline > 0 ? sample.value.baseline : null;
      final = n.final > 0 ? sample.value.final : null;
      break;
    }
  }

  const sufficient = enough(n, ctx);
  if (sufficient && baseline !== null && final !== null && baseline !== 0) changePct = 100 * (final / baseline - 1);
  const better = sufficient && baseline !== null && final !== null && final !== baseline ? (spec.direction === "lower" ? final < baseline : final > baseline) : null;

  let verdict: Verdict;
  if (!sufficient || baseline === null || final === null) verdict = "insufficient data";
  else {
    let clear: boolean;
    if (sample.kind === "histogram" || sample.kind === "exact") clear = changePct !== null && Math.abs(changePct) >= LATENCY_MATERIAL_CHANGE_PCT;
    else {
      clear = p !== null && p < ALPHA;
      // for a change interval, it must also exclude 0 (the two methods can disagree near the edge)
      if (clear && intervalOf === "change_pct" && ci) clear = ci.low > 0 || ci.high < 0;
    }
    verdict = !clear || better === null ? "no clear change" : better ? "improved" : "worse";
  }

  const tier = (x: WindowName) => (spec.tiers && n[x] >= ctx.minSample ? tierOf(ctx.tiers, spec.tiers, measures[x]) : null);
  const row: ComparisonRow = {
    metric: spec.key,
    service,
    unit: spec.unit,
    direction: spec.direction,
    baseline_value: baseline,
    final_value: final,
    change_pct: changePct,
    better,
    ci_low: sufficient ? (ci?.low ?? null) : null,
    ci_high: sufficient ? (ci?.high ?? null) : null,
    interval_of: sufficient ? intervalOf : null,
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
  if (await exists(w, "metrics", "pipeline_items")) {
    const found = await lists(
      `WITH s AS (SELECT DISTINCT service FROM metrics.pipeline_items WHERE is_valid UNION ALL SELECT '*' WHERE EXISTS (SELECT 1 FROM metrics.pipeline_items WHERE is_valid)),
            x AS (SELECT s.service, x.window_name FROM s CROSS JOIN (VALUES ('baseline'), ('final')) x(window_name))
       SELECT 'pipeline' AS key, x.service, x.window_name, coalesce(list(i.pipeline_minutes) FILTER (WHERE i.pipeline_minutes IS NOT NULL), []) AS "values"
       FROM x LEFT JOIN metrics.pipeline_items i ON i.is_valid AND i.window_name = x.window_name AND (x.service = '*' OR i.service = x.service)
       GROUP BY ALL`,
    );
    for (const r of found.sort(order)) {
      out.push(compare(METRICS.pipeline_time, r.service, { kind: "median", values: r.values }, ctx));
      out.push(compare(METRICS.pipeline_time_p90, r.service, { kind: "quantile", p: METRICS.pipeline_time_p90.p!, values: r.values }, ctx));
    }
  }

  if (await exists(w, "metrics", "availability_windows")) {
    const rows = await w.all<{ service: string; window_name: WindowName; good: number; total: number; spent: number | null; pages: number }>(
      `SELECT service, window_name, good_requests::DOUBLE AS good, total_requests::DOUBLE AS total, error_budget_spent AS spent, page_episodes::DOUBLE AS pages
       FROM metrics.availability_windows WHERE window_name IN ('baseline', 'final')`,
    );
    const services = [...new Set(rows.map((r) => r.service))].map((service) => ({ service })).sort(order);
    const weeks: PerWindow<number> = { baseline: ctx.days.baseline / 7, final: ctx.days.final / 7 };
    for (const { service } of services) {
      const at = (x: WindowName) => rows.find((r) => r.service === service && r.window_name === x);
      const n = per((x) => at(x)?.total ?? 0);
      out.push(compare(METRICS.availability, service, { kind: "rate", k: per((x) => at(x)?.good ?? 0), n }, ctx));
      if (rows.some((r) => r.service === service && r.spent !== null)) {
        out.push(compare(METRICS.error_budget_spent, service, { kind: "exact", value: per((x) => at(x)?.spent ?? null), n }, ctx));
        out.push(compare(METRICS.burn_rate_episodes, service, { kind: "poisson", k: per((x) => at(x)?.pages ?? 0), weeks }, ctx));
      }
    }
  }

  if (await exists(w, "metrics", "cost_per_transaction")) {
    const found = await lists(
      `WITH c AS (SELECT c.period_start, c.cost_per_transaction AS v, CASE WHEN c.period_start BETWEEN w.baseline_from AND w.baseline_to THEN 'baseline'
                         WHEN c.period_start BETWEEN w.final_from AND w.final_to THEN 'final' END AS window_name
                  FROM metrics.cost_per_transaction c CROSS JOIN intermediate.int_plan_windows w WHERE c.grain = 'day' AND c.cost_per_transaction IS NOT NULL)
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
      `SELECT kpi AS key, service, window_name, list(value) AS "values" FROM metrics.kpi_values WHERE window_name IN ('baseline', 'final') GROUP BY ALL`,
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
    row.target_met = row.verdict === "insufficient data" || value === null ? null : meets(value, parsed.op, parsed.value);
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
    "intermediate.int_services",
    "seeds.dora_tiers",
  ],
  run,
};
export default transform;
