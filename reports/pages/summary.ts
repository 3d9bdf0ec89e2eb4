import type { ComparisonRow, ReportData } from "../data.ts";
import { formatPct, formatValue, longDate, metricMeta, sentence, SUMMARY_METRICS, tierLabel, type MetricMeta } from "../format.ts";
import { html, type Html } from "../html.ts";

export interface KeyMetric {
  meta: MetricMeta;
  row: ComparisonRow | null;
  /** Service a key path belongs to (latency and SLO cards). */
  service?: string;
}

/** The summary's metrics: the six all-services keys, then p99 and SLO per key path. */
export function keyMetrics(data: ReportData): KeyMetric[] {
  const overall = (metric: string) => data.comparison.find((r) => r.metric === metric && r.service === "*") ?? null;
  const out: KeyMetric[] = SUMMARY_METRICS.map((m) => ({ meta: metricMeta(m), row: overall(m) }));
  const paths = data.keyPaths.length
    ? data.keyPaths.map((k) => ({ service: k.service, route: k.route }))
    : [...new Set(data.comparison.filter((r) => r.metric.startsWith("latency_p99:")).map((r) => `${r.service}\u0000${r.metric.slice(12)}`))].map((s) => {
        const [service, route] = s.split("\u0000") as [string, string];
        return { service, route };
      });
  const find = (metric: string, service: string) =>
    data.comparison.find((r) => r.metric === metric && r.service === service) ?? data.comparison.find((r) => r.metric === metric && r.service === "*") ?? null;
  for (const p of paths) {
    for (const kind of ["latency_p99", "slo"]) {
      const meta = metricMeta(`${kind}:${p.route}`);
      const label = `${kind === "slo" ? "SLO attainment" : "p99 latency"} · ${p.service} ${p.route}`;
      out.push({ meta: { ...meta, label }, row: find(meta.key, p.service), service: p.service });
    }
  }
  return out;
}

const VERDICT_LABEL: Record<string, string> = {
  improved: "Improved",
  worse: "Worse",
  "no clear change": "No clear change",
  "insufficient data": "Insufficient data",
};

export function verdictClass(row: ComparisonRow | null): string {
  return row ? row.verdict.replace(/ /g, "-") : "insufficient-data";
}

export function values(k: KeyMetric): { from: string; to: string; change: string; arrow: string; tone: "good" | "bad" | "neutral" } | null {
  const r = k.row;
  if (!r || r.verdict === "insufficient data" || r.baseline_value == null || r.final_value == null) return null;
  const ctx = [r.baseline_value, r.final_value];
  const arrow = r.final_value > r.baseline_value ? "▲" : r.final_value < r.baseline_value ? "▼" : "";
  const better = r.better ?? (k.meta.direction === "lower" ? r.final_value < r.baseline_value : r.final_value > r.baseline_value);
  const tone = r.verdict === "no clear change" || arrow === "" ? "neutral" : better ? "good" : "bad";
  return { from: formatValue(r.baseline_value, k.meta.unit, ctx), to: formatValue(r.final_value, k.meta.unit, ctx), change: formatPct(r.change_pct), arrow, tone };
}

export function tierLine(k: KeyMetric, tierYear: number | null): Html | string {
  const r = k.row;
  if (!r || (!r.tier_baseline && !r.tier_final)) return "";
  const year = r.tier_year ?? tierYear;
  return html`<p class="tier">DORA${year ? ` ${year}` : ""} tier: ${tierLabel(r.tier_baseline)} → <strong>${tierLabel(r.tier_final)}</strong></p>`;
}

export function card(k: KeyMetric, data: ReportData): Html {
  const v = values(k);
  const cls = verdictClass(k.row);
  const unitNote = k.meta.unit === "per_week" ? html`<span class="unit">per week</span>` : "";
  return html`<article class="card ${cls}" data-metric="${k.meta.key}"${k.service ? html` data-service="${k.service}"` : ""}>
<header><h3>${k.meta.label}</h3><span class="chip">${k.row ? VERDICT_LABEL[k.row.verdict] : "No data"}</span></header>
${
  v
    ? html`<p class="values"><span class="from">${v.from}</span><span class="arrow" aria-label="to">→</span><strong class="to">${v.to}</strong>${unitNote}</p>
<p class="change ${v.tone}"><span aria-hidden="true">${v.arrow}</span> ${v.change}<span class="dir"> ${k.meta.direction === "lower" ? "(lower is better)" : "(higher is better)"}</span></p>`
    : html`<p class="values insufficient">${k.row ? "insufficient data" : "no data"}</p>`
}
${tierLine(k, data.settings.tierYear)}
<p class="sentence">${k.row ? sentence(k.row, k.meta, data.settings.minSample) : `${k.meta.noun}: no comparison in metrics.pdp_comparison.`}</p>
</article>`;
}

/** "4 of 8 measures improved clearly; 1 got worse; …" — the line a manager reads first. */
export function headline(keys: KeyMetric[]): string {
  const count = (v: string) => keys.filter((k) => (k.row?.verdict ?? "insufficient data") === v).length;
  const improved = count("improved");
  const parts = [`${improved} of ${keys.length} key measures improved clearly`];
  const worse = count("worse");
  const flat = count("no clear change");
  const none = count("insufficient data");
  if (worse) parts.push(`${worse} got worse`);
  if (flat) parts.push(`${flat} ${flat === 1 ? "shows" : "show"} no clear change`);
  if (none) parts.push(`${none} ${none === 1 ? "has" : "have"} too little data to judge`);
  return `${parts.join("; ")}.`;
}

export function summarySection(data: ReportData): Html {
  const keys = keyMetrics(data);
  return html`<section id="summary" aria-labelledby="summary-h">
<h2 id="summary-h">Summary</h2>
<p class="lead">${headline(keys)}</p>
<div class="cards">${keys.map((k) => card(k, data))}</div>
<p class="note">Baseline ${rangeText(data.windows.baseline)} compared with final ${rangeText(data.windows.final)}. Changes are relative to the baseline; intervals are 95 % bootstrap or Wilson intervals from metrics.pdp_comparison. Blue marks a change in the good direction, vermillion in the bad one.</p>
</section>`;
}

function rangeText(r: { from: Date; to: Date } | null): string {
  if (!r) return "(not configured)";
  return `(${longDate(r.from)} – ${longDate(r.to)})`;
}
