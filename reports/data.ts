import type { Warehouse } from "../warehouse/warehouse.ts";
import type { ComparisonRow } from "../schemas/metrics.ts";
import { normalizeVerdict } from "./format.ts";

/**
 * Everything the report shows, read from metrics.* and seeds.* (plus sync.runs for the data's age).
 * A missing table is not an error: its sections say "no data" and the table is listed in `missing`.
 */
export interface ReportData {
  settings: {
    title: string;
    timezone: string;
    tierYear: number | null;
    minSample: number | null;
    fingerprint: string | null;
  };
  windows: { plan: DateRange | null; baseline: DateRange | null; final: DateRange | null };
  phases: { name: string; from: Date; to: Date }[];
  milestones: { date: Date; label: string }[];
  services: string[];
  keyPaths: { service: string; route: string; threshold: number | null; target: number | null }[];
  comparison: ComparisonRow[];
  /** Labels of custom KPIs (metrics.kpi_periods), by KPI name. */
  kpiLabels: Record<string, string>;
  /** Plan KPIs beyond the DORA keys (all-services rows); empty in warehouses that predate them. */
  kpi: {
    availability: { period_start: Date; availability: number | null; target: number | null; good_requests: number | null; total_requests: number | null }[];
    availabilityWindows: { service: string; window_name: string; availability: number | null; target: number | null; error_budget_spent: number | null; burn_episodes: number | null; page_episodes: number | null }[];
    burnEpisodes: { service: string; severity: string; pair: string | null; started_at: Date; ended_at: Date | null; peak_burn_rate: number | null; is_open: boolean | null }[];
    pipeline: { period_start: Date; runs: number | null; median_minutes: number | null; p90_minutes: number | null }[];
    cost: { period_start: Date; currency: string | null; cost: number | null; transactions: number | null; cost_per_transaction: number | null }[];
  };
  weekly: {
    deployments: { period_start: Date; service: string; deployments: number; deploy_days: number | null }[];
    leadTime: { period_start: Date; service: string; changes: number; median_hours: number | null }[];
    restore: { period_start: Date; incidents: number; median_hours: number | null; mtta_median_minutes: number | null }[];
    oncall: { period_start: Date; pages: number; after_hours_pages: number; mtta_median_minutes: number | null }[];
    latency: { period_start: Date; service: string; route: string; requests: number | null; p99_seconds: number | null }[];
  };
  monthly: {
    cfr: { period_start: Date; deployments: number; failed_deployments: number; rate: number | null; ci_low: number | null; ci_high: number | null }[];
    slo: { period_start: Date; service: string; route: string; attainment: number | null; target: number | null }[];
  };
  items: {
    leadTime: { service: string; window_name: string; lead_time_hours: number }[];
    restore: { service: string; window_name: string; restore_hours: number }[];
  };
  /**
   * The items behind the cards' numbers, in the baseline and final windows, with their title and page at
   * the source (url: http(s) only, else null): the evidence lists.
   */
  itemLists: {
    deployments: { window_name: string; service: string; finished_at: Date; title: string | null; url: string | null; is_failed: boolean; failed_reason: string | null; is_rework: boolean }[];
    changes: { window_name: string; service: string; deployed_at: Date; title: string | null; url: string | null; lead_time_hours: number | null; commits: number | null }[];
    incidents: { window_name: string; service: string; created_at: Date; title: string | null; url: string | null; restore_hours: number | null; ack_minutes: number | null; is_open: boolean; link_kind: string | null }[];
  };
  stages: { window_name: string; stage: string; hours: number | null; changes: number }[];
  quality: { check_name: string; description: string | null; failing_rows: number | null; total_rows: number | null; checked_at: Date | null }[];
  links: { link_kind: string; incidents: number }[];
  deploymentsWithChanges: { deployments: number; with_changes: number } | null;
  dataRange: { from: Date | null; to: Date | null };
  /** Week starts left out of weekly charts because the data covers them only in part. */
  partialWeeks: Date[];
  /** The oldest of the sources' last successful collections: the data is as fresh as its stalest source. */
  lastSync: { finished_at: Date | null; source: string | null } | null;
  /** Per source: its last successful collection, and whether its newest run failed (or was abandoned). */
  collections: { source: string; last_success: Date | null; newest_status: string; newest_at: Date | null }[];
  /** When the transforms last built metrics.* (metrics.transform_run); null when not recorded. */
  transformedAt: Date | null;
  /** The newest successful collection of any source. */
  collectedAt: Date | null;
  /** A collection succeeded after the metrics were built: they do not show the latest data. */
  stale: boolean;
  missing: string[];
  /** The engineer's own evidence (config `evidence:`), by phase index (0-based; null = no phase). */
  evidence: { date: Date; phase: number | null; title: string; link: string | null; number: number | null; unit: string | null; metric: string | null; markdown: string | null }[];
  /** Markdown notes per phase index (plan.phases[].notes). */
  phaseNotes: Record<number, string>;
  /** What comes next (config `next:`): targets for the coming period. */
  next: { title: string; metric: string | null; target: string | null; by: Date | null }[];
  /** Optional columns of metrics.pdp_comparison about windows and measurement, by `metric\0service`. */
  comparisonExtra: Record<string, ComparisonExtra>;
}

export interface ComparisonExtra {
  status: string | null;
  measured_by: string | null;
  window_kind: string | null;
  baseline_days_covered: number | null;
  final_days_covered: number | null;
  window_days: number | null;
  q_value: number | null;
  interval_kind: string | null;
}

export interface DateRange {
  from: Date;
  to: Date;
}

type Row = Record<string, unknown>;

export async function loadReportData(w: Warehouse): Promise<ReportData> {
  const tables = new Set(
    (await w.all<{ name: string }>("SELECT schema_name || '.' || table_name AS name FROM duckdb_tables() UNION SELECT schema_name || '.' || view_name FROM duckdb_views()")).map((r) => r.name),
  );
  const missing = new Set<string>();
  /** Rows of `sql` when every table it names exists; else [] and the table is noted as missing. */
  async function query<T = Row>(needs: string[], sql: string, params?: unknown[]): Promise<T[]> {
    const absent = needs.filter((t) => !tables.has(t));
    if (absent.length) {
      absent.forEach((t) => missing.add(t));
      return [];
    }
    return w.all<T>(sql, params);
  }


  const settings = (await query<Row>(["seeds.settings"], "SELECT * FROM seeds.settings LIMIT 1"))[0] ?? {};
  const windowRows = await query<{ window_name: string; from_date: Date; to_date: Date }>(["seeds.plan_windows"], "SELECT window_name, from_date, to_date FROM seeds.plan_windows");
  const win = (name: string): DateRange | null => {
    const r = windowRows.find((x) => x.window_name === name);
    return r ? { from: r.from_date, to: r.to_date } : null;
  };

  const phases = await query<{ name: string; from: Date; to: Date }>(["seeds.phases"], `SELECT name, from_date AS "from", to_date AS "to" FROM seeds.phases ORDER BY ord, from_date`);
  const milestones = await query<{ date: Date; label: string }>(["seeds.milestones"], "SELECT date, label FROM seeds.milestones ORDER BY date, label");
  const seedServices = (await query<{ service: string }>(["seeds.services"], "SELECT service FROM seeds.services ORDER BY service")).map((r) => r.service);
  const keyPaths = await query<{ service: string; route: string; threshold: number | null; target: number | null }>(
    ["seeds.key_paths"],
    "SELECT service, route, slo_threshold_seconds AS threshold, slo_target AS target FROM seeds.key_paths ORDER BY service, route",
  );

  const cmpTable = "metrics.pdp_comparison";
  const comparison = (
    await query<Row>(
      [cmpTable],
      `SELECT metric, service, unit, direction, baseline_value, final_value, change_pct, better, ci_low, ci_high, interval_of,
              p_value, n_baseline, n_final, tier_baseline, tier_final, tier_year, verdict, target, target_op, target_of, target_met,
              status, measured_by, window_kind, baseline_from, baseline_to, final_from, final_to, baseline_days_covered, final_days_covered,
              window_days, n_open_baseline, n_open_final, q_value, interval_kind, fdr_family
       FROM ${cmpTable} ORDER BY service, metric`,
    )
  ).map(toComparison);

  // Plan KPIs: optional tables (older warehouses lack them; their charts say "no data").

  const kpiQuery = async <T>(table: string, sql: string): Promise<T[]> => (tables.has(table) ? w.all<T>(sql) : (missing.add(table), []));

  const kpiLabels = Object.fromEntries(
    (await kpiQuery<{ kpi: string; label: string | null }>("metrics.kpi_periods", "SELECT kpi, max(label) AS label FROM metrics.kpi_periods WHERE label IS NOT NULL GROUP BY kpi ORDER BY kpi")).map((r) => [r.kpi, r.label ?? r.kpi]),
  );
  const availability = await kpiQuery<ReportData["kpi"]["availability"][number]>(
    "metrics.availability",
    "SELECT period_start, availability, target, good_requests::DOUBLE AS good_requests, total_requests::DOUBLE AS total_requests FROM metrics.availability WHERE grain = 'week' AND service = '*' ORDER BY period_start",
  );
  const availabilityWindows = await kpiQuery<ReportData["kpi"]["availabilityWindows"][number]>(
    "metrics.availability_windows",
    `SELECT service, window_name, availability, target, error_budget_spent, burn_episodes::INTEGER AS burn_episodes, page_episodes::INTEGER AS page_episodes
     FROM metrics.availability_windows ORDER BY service = '*' DESC, service, list_position(['baseline', 'final', 'plan'], window_name)`,
  );
  const burnEpisodes = await kpiQuery<ReportData["kpi"]["burnEpisodes"][number]>(
    "metrics.availability_burn_episodes",
    "SELECT service, severity, pair, started_at, ended_at, peak_burn_rate, is_open FROM metrics.availability_burn_episodes ORDER BY started_at, service, pair",
  );
  const pipeline = await kpiQuery<ReportData["kpi"]["pipeline"][number]>(
    "metrics.pipeline_time",
    "SELECT period_start, runs::INTEGER AS runs, median_minutes, p90_minutes FROM metrics.pipeline_time WHERE grain = 'week' AND service = '*' ORDER BY period_start",
  );
  const cost = await kpiQuery<ReportData["kpi"]["cost"][number]>(
    "metrics.cost_per_transaction",
    "SELECT period_start, currency, cost, transactions::DOUBLE AS transactions, cost_per_transaction FROM metrics.cost_per_transaction WHERE grain = 'month' AND service = '*' ORDER BY period_start",
  );

  const deployments = await query<ReportData["weekly"]["deployments"][number]>(
    ["metrics.deployment_frequency"],
    "SELECT period_start, service, deployments, deploy_days FROM metrics.deployment_frequency WHERE grain = 'week' ORDER BY service, period_start",
  );
  const leadTime = await query<ReportData["weekly"]["leadTime"][number]>(
    ["metrics.lead_time"],
    "SELECT period_start, service, changes, median_hours FROM metrics.lead_time WHERE grain = 'week' ORDER BY service, period_start",
  );
  const restore = await query<ReportData["weekly"]["restore"][number]>(
    ["metrics.time_to_restore"],
    "SELECT period_start, incidents, median_hours, mtta_median_minutes FROM metrics.time_to_restore WHERE grain = 'week' AND service = '*' ORDER BY period_start",
  );
  const oncall = await query<ReportData["weekly"]["oncall"][number]>(
    ["metrics.oncall_load"],
    "SELECT period_start, pages, after_hours_pages, mtta_median_minutes FROM metrics.oncall_load WHERE grain = 'week' AND service = '*' ORDER BY period_start",
  );
  const latency = await query<ReportData["weekly"]["latency"][number]>(
    ["metrics.latency_p99"],
    "SELECT period_start, service, route, requests, p99_seconds FROM metrics.latency_p99 WHERE grain = 'week' AND service <> '*' ORDER BY service, route, period_start",
  );
  const cfr = await query<ReportData["monthly"]["cfr"][number]>(
    ["metrics.change_failure_rate"],
    "SELECT period_start, deployments, failed_deployments, rate, ci_low, ci_high FROM metrics.change_failure_rate WHERE grain = 'month' AND service = '*' ORDER BY period_start",
  );
  const slo = await query<ReportData["monthly"]["slo"][number]>(
    ["metrics.slo"],
    "SELECT period_start, service, route, attainment, target FROM metrics.slo WHERE grain = 'month' AND service <> '*' ORDER BY service, route, period_start",
  );

  const leadItems = await query<ReportData["items"]["leadTime"][number]>(
    ["metrics.lead_time_items"],
    "SELECT service, window_name, lead_time_hours FROM metrics.lead_time_items WHERE window_name IN ('baseline', 'final') AND lead_time_hours IS NOT NULL ORDER BY window_name, lead_time_hours",
  );
  const restoreItems = await query<ReportData["items"]["restore"][number]>(
    ["metrics.restore_items"],
    "SELECT service, window_name, restore_hours FROM metrics.restore_items WHERE window_name IN ('baseline', 'final') AND restore_hours IS NOT NULL AND NOT coalesce(is_open, false) ORDER BY window_name, restore_hours",
  );
  // title and url arrived after the item tables: a warehouse built before them lists items without links
  const optional = async (table: string, names: string[]) => {
    const have = tables.has(table) ? new Set((await w.columns(table)).map((c) => c.name)) : new Set<string>();
    return names.map((n) => (have.has(n) ? n : `NULL AS ${n}`)).join(", ");
  };
  const itemLists: ReportData["itemLists"] = {
    deployments: (
      await query<ReportData["itemLists"]["deployments"][number]>(
        ["metrics.deployment_items"],
        `SELECT window_name, service, finished_at, ${await optional("metrics.deployment_items", ["title", "url"])}, coalesce(is_failed, false) AS is_failed, failed_reason, coalesce(is_rework, false) AS is_rework
         FROM metrics.deployment_items WHERE window_name IN ('baseline', 'final') ORDER BY finished_at, deployment_id`,
      )
    ).map(linkOnly),
    changes: (
      await query<ReportData["itemLists"]["changes"][number]>(
        ["metrics.lead_time_items"],
        `SELECT window_name, service, deployed_at, ${await optional("metrics.lead_time_items", ["title", "url", "commits"])}, lead_time_hours
         FROM metrics.lead_time_items WHERE window_name IN ('baseline', 'final') ORDER BY deployed_at, change_id`,
      )
    ).map(linkOnly),
    incidents: (
      await query<ReportData["itemLists"]["incidents"][number]>(
        ["metrics.restore_items"],
        `SELECT window_name, service, created_at, ${await optional("metrics.restore_items", ["title", "url"])}, restore_hours, ack_minutes, coalesce(is_open, false) AS is_open, link_kind
         FROM metrics.restore_items WHERE window_name IN ('baseline', 'final') ORDER BY created_at, incident_id`,
      )
    ).map(linkOnly),
  };
  const stages = await query<ReportData["stages"][number]>(
    ["metrics.lead_time_stages"],
    "SELECT window_name, stage, hours, changes FROM metrics.lead_time_stages ORDER BY window_name, list_position(['coding', 'pickup', 'review', 'deploy'], stage)",
  );
  const quality = await query<ReportData["quality"][number]>(
    ["metrics.data_quality"],
    "SELECT check_name, description, failing_rows, total_rows, checked_at FROM metrics.data_quality ORDER BY check_name",
  );
  const links = await query<{ link_kind: string; incidents: number }>(
    ["metrics.restore_items"],
    "SELECT coalesce(link_kind, 'none') AS link_kind, count(*)::INTEGER AS incidents FROM metrics.restore_items GROUP BY 1 ORDER BY list_position(['explicit', 'heuristic', 'none'], coalesce(link_kind, 'none'))",
  );
  const withChanges = (
    await query<{ deployments: number; with_changes: number }>(
      ["metrics.deployment_items", "metrics.lead_time_items"],
      `SELECT count(*)::INTEGER AS deployments,
              count(*) FILTER (WHERE deployment_id IN (SELECT deployment_id FROM metrics.lead_time_items))::INTEGER AS with_changes
       FROM metrics.deployment_items`,
    )
  )[0] ?? null;
  const range = await query<{ from: Date | null; to: Date | null }>(
    ["metrics.deployment_frequency"],
    `SELECT min(period_start) AS "from", max(period_start) AS "to" FROM metrics.deployment_frequency WHERE grain = 'week'`,
  );
  // The newest run of a source may have failed: what is shown is from its last successful one.
  const collections = await query<ReportData["collections"][number]>(
    ["sync.runs"],
    `SELECT source, max(finished_at) FILTER (WHERE status = 'success') AS last_success,
            arg_max(status, started_at) AS newest_status, max(started_at) AS newest_at
     FROM sync.runs GROUP BY source ORDER BY source`,
  );
  const succeeded = collections.filter((c) => c.last_success).sort((a, b) => a.last_success!.getTime() - b.last_success!.getTime());
  const lastSync = succeeded[0] ? { finished_at: succeeded[0].last_success, source: succeeded[0].source } : null;
  const transformedAt =
    (await query<{ finished_at: Date | null }>(["metrics.transform_run"], "SELECT max(finished_at) AS finished_at FROM metrics.transform_run"))[0]?.finished_at ?? null;
  const lastCollected = collections.reduce<Date | null>((a, c) => (c.last_success && (!a || c.last_success > a) ? c.last_success : a), null);

  // Weeks only partly covered by the data (the first and the last) would show as false dips.
  const tz = str(settings.timezone) ?? "UTC";
  const cover = (
    await query<{ first_day: Date | null; last_day: Date | null }>(
      ["metrics.deployment_items"],
      "SELECT min((finished_at AT TIME ZONE ?)::DATE) AS first_day, max((finished_at AT TIME ZONE ?)::DATE) AS last_day FROM metrics.deployment_items",
      [tz, tz],
    )
  )[0];
  const partial: Date[] = [];
  const complete = <T extends { period_start: Date }>(rows: T[]): T[] => {
    if (!cover?.first_day || !cover.last_day) return rows;
    const first = cover.first_day.getTime();
    const last = cover.last_day.getTime();
    return rows.filter((r) => {
      const ok = r.period_start.getTime() >= first && r.period_start.getTime() + 6 * 86_400_000 <= last;
      if (!ok && !partial.some((d) => d.getTime() === r.period_start.getTime())) partial.push(r.period_start);
      return ok;
    });
  };

  // Presentation inputs from the config (absent in warehouses seeded before they existed).
  const evidence = tables.has("seeds.evidence")
    ? await w.all<ReportData["evidence"][number]>(`SELECT date, phase, title, link, number, unit, metric, markdown FROM seeds.evidence ORDER BY date, ord`)
    : [];
  const phaseNotes = Object.fromEntries(
    (tables.has("seeds.phase_notes") ? await w.all<{ phase: number; markdown: string }>("SELECT phase, markdown FROM seeds.phase_notes ORDER BY phase") : []).map((r) => [r.phase, r.markdown]),
  );
  const next = tables.has("seeds.next") ? await w.all<ReportData["next"][number]>(`SELECT title, metric, target, by_date AS "by" FROM seeds.next ORDER BY ord`) : [];
  const extraCols = ["status", "measured_by", "window_kind", "baseline_days_covered", "final_days_covered", "window_days", "q_value", "interval_kind"] as const;
  const comparisonExtra: Record<string, ComparisonExtra> = {};
  if (tables.has(cmpTable)) {
    const have = new Set((await w.columns(cmpTable)).map((c) => c.name));
    if (extraCols.some((c) => have.has(c))) {
      const select = extraCols.map((c) => (have.has(c) ? `"${c}"${c.endsWith("_covered") || c === "window_days" ? "::DOUBLE" : ""} AS "${c}"` : `NULL AS "${c}"`)).join(", ");
      for (const r of await w.all<Row>(`SELECT metric, service, ${select} FROM ${cmpTable}`)) {
        comparisonExtra[`${String(r.metric)}\u0000${String(r.service ?? "*")}`] = {
          status: str(r.status),
          measured_by: str(r.measured_by),
          window_kind: str(r.window_kind),
          baseline_days_covered: num(r.baseline_days_covered),
          final_days_covered: num(r.final_days_covered),
          window_days: num(r.window_days),
          q_value: num(r.q_value),
          interval_kind: str(r.interval_kind),
        };
      }
    }
  }

  const services = seedServices.length
    ? seedServices
    : [...new Set(deployments.map((d) => d.service).filter((s) => s !== "*"))].sort();

  return {
    settings: {
      title: str(settings.report_title) ?? "Development plan review",
      timezone: str(settings.timezone) ?? "UTC",
      tierYear: num(settings.tier_year),
      minSample: num(settings.min_sample),
      fingerprint: str(settings.config_fingerprint) || null,
    },
    windows: { plan: win("plan"), baseline: win("baseline"), final: win("final") },
    phases,
    milestones,
    services,
    keyPaths,
    comparison,
    kpiLabels,
    kpi: { availability, availabilityWindows, burnEpisodes, pipeline, cost },
    weekly: {
      deployments: complete(deployments),
      leadTime: complete(leadTime),
      restore: complete(restore),
      oncall: complete(oncall),
      latency: complete(latency),
    },
    partialWeeks: partial.sort((a, b) => a.getTime() - b.getTime()),
    monthly: { cfr, slo },
    items: { leadTime: leadItems, restore: restoreItems },
    itemLists,
    stages,
    quality,
    links,
    deploymentsWithChanges: withChanges,
    dataRange: range[0] ?? { from: null, to: null },
    lastSync,
    collections,
    transformedAt,
    collectedAt: lastCollected,
    stale: transformedAt !== null && lastCollected !== null && lastCollected.getTime() > transformedAt.getTime(),
    missing: [...missing].sort(),
    evidence,
    phaseNotes,
    next,
    comparisonExtra,
  };
}

/** A source page is linked only when its address is http(s): a stored `javascript:` or `file:` URL is dropped. */
export function httpUrl(v: unknown): string | null {
  return typeof v === "string" && /^https?:\/\/[^\s]+$/i.test(v.trim()) ? v.trim() : null;
}

function linkOnly<T extends { url: string | null }>(r: T): T {
  return { ...r, url: httpUrl(r.url) };
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function toComparison(r: Row): ComparisonRow {
  const oneOf = <T extends string>(v: unknown, values: readonly T[]): T | null => (values.includes(v as T) ? (v as T) : null);
  return {
    metric: String(r.metric),
    service: String(r.service ?? "*"),
    unit: str(r.unit) ?? "",
    direction: r.direction === "higher" ? "higher" : "lower",
    baseline_value: num(r.baseline_value),
    final_value: num(r.final_value),
    change_pct: num(r.change_pct),
    better: typeof r.better === "boolean" ? r.better : null,
    ci_low: num(r.ci_low),
    ci_high: num(r.ci_high),
    interval_of: oneOf(r.interval_of, ["change_pct", "final_value", "difference"] as const),
    p_value: num(r.p_value),
    n_baseline: num(r.n_baseline) ?? 0,
    n_final: num(r.n_final) ?? 0,
    tier_baseline: str(r.tier_baseline),
    tier_final: str(r.tier_final),
    tier_year: num(r.tier_year) ?? 0,
    verdict: normalizeVerdict(r.verdict),
    target: num(r.target),
    target_op: oneOf(r.target_op, ["<", "<=", ">", ">="] as const),
    target_of: oneOf(r.target_of, ["final_value", "change_pct"] as const),
    target_met: typeof r.target_met === "boolean" ? r.target_met : null,
    status: r.status === "not measured" ? "not measured" : "measured",
    measured_by: str(r.measured_by),
    window_kind: oneOf(r.window_kind, ["final", "interim", "none"] as const) ?? "final",
    baseline_from: dateText(r.baseline_from),
    baseline_to: dateText(r.baseline_to),
    final_from: dateText(r.final_from),
    final_to: dateText(r.final_to),
    baseline_days_covered: num(r.baseline_days_covered),
    final_days_covered: num(r.final_days_covered),
    window_days: num(r.window_days),
    n_open_baseline: num(r.n_open_baseline),
    n_open_final: num(r.n_open_final),
    q_value: num(r.q_value),
    interval_kind: str(r.interval_kind),
    fdr_family: oneOf(r.fdr_family, ["dora", "dora_services", "key_paths", "kpis"] as const) ?? "dora",
  };
}

/** A DATE column as "YYYY-MM-DD" (DuckDB hands DATEs over as Date at UTC midnight, or as text). */
function dateText(v: unknown): string | null {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return typeof v === "string" ? v.slice(0, 10) : null;
}
