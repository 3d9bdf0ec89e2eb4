/**
 * How numbers read in the report: one place for units, rounding and the plain-language sentences,
 * so the summary cards, slides and tables always agree.
 */

import { FAMILIES, kpiQuantity, METRIC_KEYS, METRICS, metricSpec, VERDICTS, type ComparisonRow, type MetricKey, type Quantity, type Verdict } from "../schemas/metrics.ts";

/** How a value reads (the registry's quantity, schemas/metrics.ts). */
export type Unit = Quantity;

export interface MetricMeta {
  key: string;
  /** Card title. */
  label: string;
  /** Subject of the sentence: "Median time to restore fell from …". */
  noun: string;
  unit: Unit;
  /** What one observation is, for "insufficient data" notes. */
  sample: string;
  direction: "lower" | "higher";
  /** Free-text unit shown after the number ("PRs/day"), or the currency of a "cost" unit ("EUR"). */
  unitText?: string;
}

const MINUS = "\u2212";
const NBSP = "\u00a0";

/** The report's words for each metric of the registry; unit and direction come from the registry. */
const WORDS: Record<MetricKey, Pick<MetricMeta, "label" | "noun" | "sample">> = {
  deployment_frequency: { label: "Deployment frequency", noun: "Deployments per week", sample: "deployments" },
  deploy_days_per_week: { label: "Deploy days per week", noun: "Deploy days per week", sample: "weeks" },
  lead_time: { label: "Lead time for changes", noun: "Median lead time", sample: "changes" },
  change_failure_rate: { label: "Change failure rate", noun: "Change failure rate", sample: "deployments" },
  time_to_restore: { label: "Time to restore", noun: "Median time to restore", sample: "incidents" },
  failed_deployment_recovery: { label: "Failed deployment recovery", noun: "Median failed deployment recovery time", sample: "incidents" },
  time_to_acknowledge: { label: "Time to acknowledge", noun: "Median time to acknowledge", sample: "pages" },
  rework_rate: { label: "Rework rate", noun: "Rework rate", sample: "deployments" },
  pages_per_week: { label: "Pages per week", noun: "Pages per week", sample: "pages" },
  after_hours_share: { label: "After-hours pages", noun: "Share of pages after hours", sample: "pages" },
  availability: { label: "Availability", noun: "Availability", sample: "days" },
  error_budget_spent: { label: "Error budget spent", noun: "Error budget spent", sample: "days" },
  burn_rate_episodes: { label: "Burn-rate episodes (page)", noun: "Page-severity burn-rate episodes per week", sample: "episodes" },
  pipeline_time: { label: "Pipeline time (median)", noun: "Median deployment pipeline time", sample: "pipeline runs" },
  pipeline_time_p90: { label: "Pipeline time (p90)", noun: "p90 deployment pipeline time", sample: "pipeline runs" },
  cost_per_transaction: { label: "Cost per transaction", noun: "Median daily cost per transaction", sample: "days" },
};

/** The plan KPIs beyond the DORA keys, in reading order; `kpi:<name>` rows follow. */
export const PLAN_KPI_METRICS = ["availability", "error_budget_spent", "burn_rate_episodes", "pipeline_time", "pipeline_time_p90", "cost_per_transaction"] as const satisfies readonly MetricKey[];

export function isPlanKpi(metric: string): boolean {
  return metricSpec(metric)?.family === "plan_kpi" && !metric.startsWith("latency_p99:") && !metric.startsWith("slo:");
}

/**
 * Meta for a metric, taking the unit and direction a row carries where the key alone does not say:
 * custom KPIs (`kpi:<name>`, with their label), the currency of cost per transaction.
 */
export function rowMeta(row: { metric: string; unit?: string | null; direction?: string | null }, label?: string | null): MetricMeta {
  const meta = metricMeta(row.metric, row.unit);
  if (row.metric === "cost_per_transaction") {
    const currency = row.unit?.split("/")[0]?.trim();
    return { ...meta, unitText: currency || meta.unitText };
  }
  if (row.metric.startsWith("kpi:")) {
    const name = row.metric.slice(4);
    const unit = kpiQuantity(row.unit);
    const text = label?.trim() || name.replace(/_/g, " ");
    return {
      key: row.metric,
      label: text.charAt(0).toUpperCase() + text.slice(1),
      noun: text.charAt(0).toUpperCase() + text.slice(1),
      unit,
      unitText: unit === "text" ? row.unit ?? undefined : undefined,
      sample: "observations",
      direction: row.direction === "higher" ? "higher" : "lower",
    };
  }
  return meta;
}

/** The cards of the summary, in reading order; latency and SLO cards follow, one per key path. */
export const SUMMARY_METRICS = [
  "deployment_frequency",
  "lead_time",
  "change_failure_rate",
  "time_to_restore",
  "time_to_acknowledge",
  "pages_per_week",
] as const satisfies readonly MetricKey[];

export function metricMeta(key: string, unitHint?: string | null): MetricMeta {
  if ((METRIC_KEYS as string[]).includes(key)) {
    const spec = METRICS[key as MetricKey];
    const unitText = spec.quantity === "text" ? spec.unit : undefined;
    return { key, ...WORDS[key as MetricKey], unit: spec.quantity, direction: spec.direction, ...(unitText ? { unitText } : {}) };
  }
  const [kind, ...rest] = key.split(":");
  const route = rest.join(":");
  if (kind === "latency_p99") return { key, label: `p99 latency · ${route}`, noun: `p99 latency of ${route}`, unit: FAMILIES.latency_p99.quantity, sample: "days", direction: FAMILIES.latency_p99.direction };
  if (kind === "slo") return { key, label: `SLO attainment · ${route}`, noun: `SLO attainment of ${route}`, unit: FAMILIES.slo.quantity, sample: "days", direction: FAMILIES.slo.direction };
  const unit = kpiQuantity(unitHint) === "text" ? "count" : kpiQuantity(unitHint);
  const label = key.replace(/_/g, " ");
  return { key, label: label.charAt(0).toUpperCase() + label.slice(1), noun: label, unit, sample: "observations", direction: "lower" };
}

function trim(n: number, digits: number): string {
  const s = Math.abs(n).toFixed(digits);
  return (n < 0 && Number(s) !== 0 ? MINUS : "") + s;
}

/** Hours shown in one unit for a set of values (a sentence never mixes "30 h" and "2.1 d"). */
export function hoursUnit(values: (number | null | undefined)[]): "min" | "h" | "d" {
  const max = Math.max(0, ...values.filter((v): v is number => v != null && Number.isFinite(v)).map(Math.abs));
  if (max < 1) return "min";
  if (max < 72) return "h";
  return "d";
}

export function formatValue(value: number | null | undefined, unit: Unit, context: (number | null | undefined)[] = [value]): string {
  if (value == null || !Number.isFinite(value)) return "–";
  switch (unit) {
    case "hours": {
      const u = hoursUnit(context);
      if (u === "min") return `${trim(value * 60, value * 60 < 10 ? 1 : 0)}${NBSP}min`;
      if (u === "d") return `${trim(value / 24, 1)}${NBSP}d`;
      return `${trim(value, value < 10 ? 1 : 0)}${NBSP}h`;
    }
    case "minutes": {
      const max = Math.max(...context.filter((v): v is number => v != null && Number.isFinite(v)));
      if (max >= 120) return `${trim(value / 60, 1)}${NBSP}h`;
      return `${trim(value, value < 10 ? 1 : 0)}${NBSP}min`;
    }
    case "share": {
      const pct = value * 100;
      const finite = context.filter((v): v is number => v != null && Number.isFinite(v));
      return `${trim(pct, shareDigits(finite))}${NBSP}%`;
    }
    case "seconds": {
      const max = Math.max(...context.filter((v): v is number => v != null && Number.isFinite(v)));
      if (max < 1) return `${trim(value * 1000, 0)}${NBSP}ms`;
      return `${trim(value, 2)}${NBSP}s`;
    }
    case "per_week":
      return `${trim(value, value < 10 ? 1 : 0)}`;
    default:
      return trim(value, Number.isInteger(value) ? 0 : 1);
  }
}

/**
 * Decimals of a share in %: 1, or near 100 % enough to show its nines with two significant digits
 * of the shortfall (99.89 %, 99.955 %), at most 3.
 */
export function shareDigits(values: number[]): number {
  let digits = values.some((v) => v > 0.99 && v <= 1) ? 2 : 1;
  for (const v of values) {
    if (!(v > 0.99 && v < 1)) continue;
    const shortfall = (1 - v) * 100;
    let exact = 2; // a value that is exact at fewer decimals keeps them (99.94 %, not 99.940 %)
    while (exact < 3 && Math.abs(Number((v * 100).toFixed(exact)) - v * 100) > 1e-9) exact++;
    digits = Math.max(digits, Math.min(exact, Math.ceil(-Math.log10(shortfall)) + 1));
  }
  return Math.min(3, digits);
}

function significant(n: number, digits = 3): string {
  if (n === 0) return "0";
  const d = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(n))));
  return trim(Number(n.toFixed(Math.min(d, 8))), Math.min(d, 8)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

/** Per how many transactions a cost reads best: 1, 1,000 or 1,000,000 (tiny costs per 1,000). */
export function costScale(values: (number | null | undefined)[]): 1 | 1000 | 1_000_000 {
  const max = Math.max(0, ...values.filter((v): v is number => v != null && Number.isFinite(v)).map(Math.abs));
  if (max === 0 || max >= 0.01) return 1;
  return max * 1000 >= 0.001 ? 1000 : 1_000_000;
}

export function costUnitText(currency: string | undefined, scale: number): string {
  const per = scale === 1 ? "transaction" : `${scale.toLocaleString("en-US")} transactions`;
  return `${currency ?? ""}${currency ? " " : ""}per ${per}`.trim();
}

/** The unit words after a cost or free-text value ("EUR per 1,000 transactions", "PRs/day"); "" for other units. */
export function unitSuffix(meta: Pick<MetricMeta, "unit" | "unitText">, context: (number | null | undefined)[]): string {
  if (meta.unit === "cost") return costUnitText(meta.unitText, costScale(context)).replace(/ /g, NBSP);
  if (meta.unit === "text") return meta.unitText ?? "";
  return "";
}

/** A value in its metric's unit, free-text units and costs included ("14 PRs/day", "0.035 EUR per 1,000 transactions"). */
export function formatMetric(value: number | null | undefined, meta: Pick<MetricMeta, "unit" | "unitText">, context: (number | null | undefined)[] = [value]): string {
  if (value == null || !Number.isFinite(value)) return "–";
  if (meta.unit === "cost") {
    const scale = costScale(context);
    return `${significant(value * scale, 3)}${NBSP}${costUnitText(meta.unitText, scale).replace(/ /g, NBSP)}`;
  }
  if (meta.unit === "text") {
    const a = Math.abs(value);
    const n = trim(value, Number.isInteger(value) ? 0 : a < 1 ? 2 : a < 10 ? 1 : 0);
    return meta.unitText ? `${n}${NBSP}${meta.unitText}` : n;
  }
  return formatValue(value, meta.unit, context);
}

const OPS: Record<string, string> = { "<": "<", "<=": "\u2264", ">": ">", ">=": "\u2265" };

export interface TargetLike {
  target?: number | null;
  target_op?: string | null;
  target_of?: string | null;
  target_met?: boolean | null;
}

/** "Target < 15 %: met" / "not met" / "not assessed"; null when the plan sets no target. */
export function targetText(row: TargetLike, meta: Pick<MetricMeta, "unit" | "unitText">): { text: string; state: "met" | "not-met" | "not-assessed" } | null {
  if (row.target == null || !Number.isFinite(row.target)) return null;
  const op = OPS[row.target_op ?? ""] ?? (row.target_op || "");
  let bound: string;
  if (row.target_of === "change_pct") bound = `change ${op} ${formatPct(row.target)}`;
  else if (meta.unit === "share") bound = `${op} ${Number((row.target * 100).toFixed(4))}${NBSP}%`;
  else bound = `${op} ${formatMetric(row.target, meta, [row.target])}`;
  const state = row.target_met == null ? "not-assessed" : row.target_met ? "met" : "not-met";
  return { text: `Target ${bound.trim()}: ${state.replace("-", " ")}`, state };
}

/** A change in percent, signed with a real minus: "−79 %", "+12 %". */
export function formatPct(pct: number | null | undefined): string {
  if (pct == null || !Number.isFinite(pct)) return "–";
  const digits = Math.abs(pct) < 1 && pct !== 0 ? 1 : 0;
  const s = trim(pct, digits);
  return `${pct > 0 && Number(Math.abs(pct).toFixed(digits)) !== 0 ? "+" : ""}${s}${NBSP}%`;
}

export { VERDICTS, type Verdict };

export function normalizeVerdict(v: unknown): Verdict {
  return (VERDICTS as readonly string[]).includes(String(v)) ? (v as Verdict) : "insufficient data";
}

/** The fields of a metrics.pdp_comparison row that its wording needs. */
export type ComparisonLike = Pick<ComparisonRow, "metric" | "baseline_value" | "final_value" | "change_pct" | "ci_low" | "ci_high" | "verdict"> &
  Partial<
    Pick<
      ComparisonRow,
      | "unit" | "interval_of" | "n_baseline" | "n_final" | "measured_by" | "window_kind" | "final_from" | "final_to" | "q_value" | "p_value"
      | "n_open_baseline" | "n_open_final" | "baseline_days_covered" | "final_days_covered" | "window_days" | "baseline_from" | "baseline_to"
    >
  >;

/** True when the interval is of the change in % (else it is of the final value, e.g. for rates). */
export function intervalIsOfChange(intervalOf: string | null | undefined): boolean {
  return !intervalOf || /change|pct|percent/i.test(intervalOf);
}

export function formatInterval(row: ComparisonLike, meta: MetricMeta): string | null {
  if (row.ci_low == null || row.ci_high == null || !Number.isFinite(row.ci_low) || !Number.isFinite(row.ci_high)) return null;
  if (row.interval_of === "difference") {
    // the difference final − baseline in the metric's unit: shares in percentage points
    const diff = (v: number) =>
      meta.unit === "share" || inPoints(meta) ? `${v > 0 ? "+" : ""}${trim(v * 100, 2)}${NBSP}pp` : `${v > 0 ? "+" : ""}${formatMetric(v, meta, [row.ci_low!, row.ci_high!])}`;
    return `95${NBSP}% CI of the difference ${diff(row.ci_low)} to ${diff(row.ci_high)}`;
  }
  if (intervalIsOfChange(row.interval_of)) return `95${NBSP}% CI ${formatPct(row.ci_low)} to ${formatPct(row.ci_high)}`;
  const ctx = [row.ci_low, row.ci_high, row.baseline_value, row.final_value];
  return `95${NBSP}% CI of the final value ${formatMetric(row.ci_low, meta, ctx)} to ${formatMetric(row.ci_high, meta, ctx)}`;
}

/** Shares near 100 % (SLO attainment, availability) change in percentage points, not in %. */
export function inPoints(meta: Pick<MetricMeta, "key">): boolean {
  return meta.key.startsWith("slo:") || meta.key === "availability";
}

/** The change as read: relative % for most metrics; percentage points for SLO attainment near 100 %. */
export function formatChange(row: Pick<ComparisonLike, "change_pct" | "baseline_value" | "final_value">, meta: MetricMeta): string {
  if (inPoints(meta) && row.baseline_value != null && row.final_value != null) {
    const pp = (row.final_value - row.baseline_value) * 100;
    const s = trim(pp, 2);
    return `${pp > 0 && Number(Math.abs(pp).toFixed(2)) !== 0 ? "+" : ""}${s}${NBSP}pp`;
  }
  return formatPct(row.change_pct);
}

/**
 * The verdict in one plain sentence, e.g.
 * "Median time to restore fell from 5.2 h to 1.1 h, −79 % (95 % CI −88 % to −61 %)."
 * Insufficient data is said in words and never shown as a number.
 */
export function sentence(row: ComparisonLike, metaIn: MetricMeta = metricMeta(row.metric, row.unit), minSample?: number | null): string {
  const meta = scoped(row, metaIn);
  if (row.verdict === "not measured") return `${meta.noun}: not measured — configure ${row.measured_by ?? "its source"} to measure it.`;
  if (row.window_kind === "none") return `${meta.noun}: no comparison yet (the plan has not started, or a window as long as the final one does not yet fit after the baseline).`;
  const interim = row.window_kind === "interim" ? `Progress so far (interim, against ${row.final_from} … ${row.final_to}): ` : "";
  return interim + verdictSentence(row, meta, minSample) + (row.verdict === "insufficient data" ? "" : evidence(row, meta));
}

/**
 * Change failure rate without an incident source counts only the failures the deployments themselves
 * show (rollbacks and hotfixes): a lower bound, so every place that shows it says so.
 */
export const CFR_PARTIAL = "rollbacks and hotfixes only";

export function scopeNote(row: Pick<ComparisonLike, "metric" | "measured_by"> | null | undefined): string | null {
  return row?.metric === "change_failure_rate" && row.measured_by?.startsWith(CFR_PARTIAL) ? CFR_PARTIAL : null;
}

/** The metric's noun and label with its scope note: "Change failure rate (rollbacks and hotfixes only)". */
export function scoped(row: Pick<ComparisonLike, "metric" | "measured_by"> | null | undefined, meta: MetricMeta): MetricMeta {
  const note = scopeNote(row);
  return note ? { ...meta, noun: `${meta.noun} (${note})`, label: `${meta.label} (${note})` } : meta;
}

/**
 * What stands where a card's values would be: "not measured" (no source configured: never a 0 or a
 * tier), "insufficient data" (too few observations) or "no data" (no comparison row).
 */
export function missingText(row: Pick<ComparisonLike, "verdict"> | null | undefined): "not measured" | "insufficient data" | "no data" {
  return !row ? "no data" : row.verdict === "not measured" ? "not measured" : "insufficient data";
}

/** "p = 0.012", "p < 0.001" (and the same for q). */
function pText(name: string, v: number): string {
  return v < 0.001 ? `${name}${NBSP}<${NBSP}0.001` : `${name}${NBSP}=${NBSP}${v.toFixed(3)}`;
}

/**
 * Whether the report compares the baseline with an interim window (the final window has not ended: the
 * latest complete window of its length), which every heading, card and slide must say.
 */
export function isInterim(rows: readonly Pick<ComparisonLike, "window_kind">[]): boolean {
  return rows.some((r) => r.window_kind === "interim");
}

/** "baseline versus final window", or the interim wording. */
export function comparedText(rows: readonly Pick<ComparisonLike, "window_kind">[]): string {
  return isInterim(rows) ? "progress so far: baseline versus the latest window as long as the final one (interim)" : "baseline versus final window";
}

/** A table cell's q-value ("q = 0.012", "q < 0.001"): p adjusted across the rows of the row's table; "" without one. */
export function qText(row: Pick<ComparisonLike, "q_value">): string {
  return row.q_value == null || !Number.isFinite(row.q_value) ? "" : pText("q", row.q_value);
}

/** n per window, p and q, open (censored) items and coverage, after the verdict sentence. */
function evidence(row: ComparisonLike, meta: MetricMeta): string {
  const parts: string[] = [];
  if (row.n_baseline != null && row.n_final != null) parts.push(`${row.n_baseline} ${meta.sample} → ${row.n_final} ${meta.sample}`);
  if (row.p_value != null) parts.push(`${pText("p", row.p_value)}${row.q_value != null ? `, ${pText("q", row.q_value)}` : ""}`);
  if (row.n_open_baseline || row.n_open_final) {
    const what = row.metric === "time_to_acknowledge" ? "never acknowledged" : "still open";
    parts.push(`${row.n_open_baseline ?? 0} → ${row.n_open_final ?? 0} ${what}, counted as censored (Kaplan–Meier median)`);
  }
  const days = (covered: number | null | undefined, from: string | null | undefined, to: string | null | undefined) => {
    if (covered == null || !from || !to) return null;
    const total = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
    return covered < total ? `data for ${covered} of ${total} days` : null;
  };
  const b = days(row.baseline_days_covered, row.baseline_from, row.baseline_to);
  const f = days(row.final_days_covered, row.final_from, row.final_to);
  if (b) parts.push(`baseline ${b}`);
  if (f) parts.push(`${row.window_kind === "interim" ? "recent" : "final"} window ${f}`);
  return parts.length ? ` ${parts.join("; ")}.` : "";
}

function verdictSentence(row: ComparisonLike, meta: MetricMeta, minSample?: number | null): string {
  const tail = row.verdict === "no clear change" ? " — not a clear change" : "";
  if (row.verdict !== "insufficient data" && (row.baseline_value == null) !== (row.final_value == null)) {
    // a Kaplan–Meier median is "not reached" while more than half of the window's incidents are open
    const v = (x: number | null) => (x == null ? "not reached (more than half still open)" : formatMetric(x, meta, [row.baseline_value, row.final_value]));
    const interval = formatInterval(row, meta);
    return `${meta.noun} went from ${v(row.baseline_value)} to ${v(row.final_value)}${interval ? ` (${interval})` : ""}${tail}.`;
  }
  if (row.verdict === "insufficient data" || row.baseline_value == null || row.final_value == null) {
    const counts =
      row.n_baseline != null && row.n_final != null
        ? ` (${row.n_baseline} ${meta.sample} in the baseline window, ${row.n_final} in the final window${minSample ? `; at least ${minSample} needed in each` : ""})`
        : "";
    return `${meta.noun}: insufficient data to compare${counts}.`;
  }
  const ctx = [row.baseline_value, row.final_value];
  const b = formatMetric(row.baseline_value, meta, ctx);
  const f = formatMetric(row.final_value, meta, ctx);
  const verb = b === f ? "stayed at" : row.final_value > row.baseline_value ? "rose from" : "fell from";
  const moved = verb === "stayed at" ? `${meta.noun} stayed at ${f}` : `${meta.noun} ${verb} ${b} to ${f}`;
  const hasChange = inPoints(meta) || (row.change_pct != null && Number.isFinite(row.change_pct));
  const pct = hasChange && verb !== "stayed at" ? `, ${formatChange(row, meta)}` : "";
  const interval = formatInterval(row, meta);
  return `${moved}${pct}${interval ? ` (${interval})` : ""}${tail}.`;
}

/** The short message of a slide: "Median lead time fell 78 %". */
export function shortSentence(row: ComparisonLike, metaIn: MetricMeta = metricMeta(row.metric, row.unit)): string {
  const meta = scoped(row, metaIn);
  if (row.window_kind === "interim" && row.verdict !== "not measured") return `So far (interim): ${shortSentence({ ...row, window_kind: "final" }, metaIn)}`;
  if (row.verdict === "not measured") return `${meta.noun}: not measured`;
  if (row.verdict === "insufficient data" || row.baseline_value == null || row.final_value == null) return `${meta.noun}: too little data to compare`;
  if (row.verdict === "no clear change") return `${meta.noun}: no clear change`;
  const verb = row.final_value > row.baseline_value ? "rose" : "fell";
  if (inPoints(meta)) return `${meta.noun} ${verb} to ${formatMetric(row.final_value, meta, [row.baseline_value, row.final_value])}`;
  const pct = row.change_pct != null && Number.isFinite(row.change_pct) ? ` by ${formatPct(Math.abs(row.change_pct)).replace(/^\+/, "")}` : "";
  return `${meta.noun} ${verb}${pct}`;
}

export function tierLabel(tier: string | null | undefined): string {
  if (!tier) return "–";
  return tier.charAt(0).toUpperCase() + tier.slice(1);
}

/** "2026-01-31" from a DATE value (UTC midnight) or a timestamp, in UTC. */
export function isoDate(d: Date | null | undefined): string {
  return d ? d.toISOString().slice(0, 10) : "–";
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** "5 Jan 2026" for a DATE (UTC midnight). */
export function longDate(d: Date | null | undefined): string {
  return d ? `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}` : "–";
}

export function dateRange(from: Date | null | undefined, to: Date | null | undefined): string {
  return `${longDate(from)} – ${longDate(to)}`;
}
