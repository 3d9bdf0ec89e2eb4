import type { ReportData } from "../data.ts";
import type { ComparisonRow } from "../../schemas/metrics.ts";
import { formatChange, formatInterval, formatMetric, unitSuffix, formatValue, isPlanKpi, longDate, metricMeta, missingText, PLAN_KPI_METRICS, qText, rowMeta, scoped, sentence, SUMMARY_METRICS, targetText, tierLabel, type MetricMeta } from "../format.ts";
import { html, type Html } from "../html.ts";
import { evidenceLine } from "./evidence.ts";
import { itemListToggle, itemLists } from "./item-lists.ts";

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

/**
 * The plan's KPIs beyond the DORA keys: every all-services comparison row of availability, error budget,
 * burn-rate episodes, pipeline time, cost per transaction and custom `kpi:<name>` KPIs.
 */
export function planKpis(data: ReportData): KeyMetric[] {
  const order = (m: string) => {
    const i = (PLAN_KPI_METRICS as readonly string[]).indexOf(m);
    return i >= 0 ? i : PLAN_KPI_METRICS.length;
  };
  return data.comparison
    .filter((r) => r.service === "*" && isPlanKpi(r.metric))
    .sort((a, b) => order(a.metric) - order(b.metric) || a.metric.localeCompare(b.metric))
    .map((row) => ({ meta: rowMeta(row, row.metric.startsWith("kpi:") ? data.kpiLabels[row.metric.slice(4)] : null), row }));
}

/** The plan's target on a card: words and a sign as well as colour. */
export function targetBadge(k: KeyMetric): Html | string {
  const t = k.row ? targetText(k.row, k.meta) : null;
  if (!t) return "";
  const sign = t.state === "met" ? "✓" : t.state === "not-met" ? "✗" : "–";
  return html`<p class="target ${t.state}"><span aria-hidden="true">${sign}</span> ${t.text}</p>`;
}

const VERDICT_LABEL: Record<string, string> = {
  improved: "Improved",
  worse: "Worse",
  "no clear change": "No clear change",
  "insufficient data": "Insufficient data",
  "not measured": "Not measured",
};

export function verdictClass(row: ComparisonRow | null): string {
  return row ? row.verdict.replace(/ /g, "-") : "insufficient-data";
}

export function values(k: KeyMetric): { from: string; to: string; unit: string; change: string; arrow: string; tone: "good" | "bad" | "neutral" } | null {
  const r = k.row;
  if (!r || r.verdict === "insufficient data" || r.verdict === "not measured" || r.baseline_value == null || r.final_value == null) return null;
  const ctx = [r.baseline_value, r.final_value];
  const arrow = r.final_value > r.baseline_value ? "▲" : r.final_value < r.baseline_value ? "▼" : "";
  const better = r.better ?? (k.meta.direction === "lower" ? r.final_value < r.baseline_value : r.final_value > r.baseline_value);
  const tone = r.verdict === "no clear change" || arrow === "" ? "neutral" : better ? "good" : "bad";
  // Long unit words (costs, free-text KPI units) go once after the pair, not after each number.
  const suffix = unitSuffix(k.meta, ctx);
  const bare = (v: number) => {
    const s = formatMetric(v, k.meta, ctx);
    return suffix && s.endsWith(`\u00a0${suffix}`) ? s.slice(0, -suffix.length - 1) : s;
  };
  return { from: bare(r.baseline_value), to: bare(r.final_value), unit: suffix, change: formatChange(r, k.meta), arrow, tone };
}

export function tierLine(k: KeyMetric, tierYear: number | null): Html | string {
  const r = k.row;
  // A tier is read from the numbers, so it is not shown when the numbers are not.
  if (!r || r.verdict === "insufficient data" || r.verdict === "not measured" || (!r.tier_baseline && !r.tier_final)) return "";
  const year = r.tier_year ?? tierYear;
  return html`<p class="tier">DORA${year ? ` ${year}` : ""} tier: ${tierLabel(r.tier_baseline)} → <strong>${tierLabel(r.tier_final)}</strong></p>`;
}

export function card(k: KeyMetric, data: ReportData): Html {
  const v = values(k);
  const cls = verdictClass(k.row);
  const unitNote = k.meta.unit === "per_week" ? html`<span class="unit">per week</span>` : v?.unit ? html`<span class="unit">${v.unit}</span>` : "";
  return html`<article class="card ${cls}" data-metric="${k.meta.key}"${k.service ? html` data-service="${k.service}"` : ""}>
<header><h3>${scoped(k.row, k.meta).label}</h3><span class="chip">${k.row ? VERDICT_LABEL[k.row.verdict] : "No data"}</span></header>
${
  v
    ? html`<p class="values"><span class="from">${v.from}</span><span class="arrow" aria-label="to">→</span><strong class="to">${v.to}</strong>${unitNote}</p>
<p class="change ${v.tone}"><span aria-hidden="true">${v.arrow}</span> ${v.change}<span class="dir"> ${k.meta.direction === "lower" ? "(lower is better)" : "(higher is better)"}</span></p>`
    : html`<p class="values insufficient">${missingText(k.row)}</p>`
}
${openLine(k.row)}
${tierLine(k, data.settings.tierYear)}
${targetBadge(k)}
<p class="sentence">${k.row ? sentence(k.row, k.meta, data.settings.minSample) : `${k.meta.noun}: no comparison in metrics.pdp_comparison.`}</p>
${evidenceBeside(k, data)}
${k.service ? "" : itemListToggle(k.meta.key, itemLists(data))}
</article>`;
}

/**
 * Incidents still open (pages never acknowledged) per window, on the card itself: they are in the
 * Kaplan–Meier median as censored, and a reader should see how many there were.
 */
export function openLine(row: ComparisonRow | null): Html | string {
  if (!row || (!row.n_open_baseline && !row.n_open_final)) return "";
  const what = row.metric === "time_to_acknowledge" ? "Never acknowledged" : "Still open";
  const compared = row.window_kind === "interim" ? "recent" : "final";
  return html`<p class="open-items">${what}: ${row.n_open_baseline ?? 0} in the baseline, ${row.n_open_final ?? 0} in the ${compared} window — counted as censored in the Kaplan–Meier median</p>`;
}

/** The engineer's evidence for this measure (config `evidence:` with `metric:`), under its card. */
export function evidenceBeside(k: KeyMetric, data: ReportData): Html | string {
  const items = data.evidence.filter((e) => e.metric === k.meta.key && (!k.service || e.metric.includes(":")));
  if (!items.length) return "";
  return html`<ul class="card-evidence" aria-label="Evidence">${items.map((e) => html`<li>${evidenceLine(e)}</li>`)}</ul>`;
}

/** "4 of 6 delivery measures improved clearly; 1 got worse; …" — the line a manager reads first. */
export function headline(keys: KeyMetric[], noun = "delivery and on-call measures"): string {
  const count = (v: string) => keys.filter((k) => (k.row?.verdict ?? "insufficient data") === v).length;
  const improved = count("improved");
  const parts = [`${improved} of ${keys.length} ${noun} improved clearly`];
  const worse = count("worse");
  const flat = count("no clear change");
  const none = count("insufficient data");
  const unmeasured = count("not measured");
  if (worse) parts.push(`${worse} got worse`);
  if (flat) parts.push(`${flat} ${flat === 1 ? "shows" : "show"} no clear change`);
  if (none) parts.push(`${none} ${none === 1 ? "has" : "have"} too little data to judge`);
  if (unmeasured) parts.push(`${unmeasured} ${unmeasured === 1 ? "is" : "are"} not measured (no source configured)`);
  return `${parts.join("; ")}.`;
}

/** Up to this many key paths get cards; more read better as one compact table. */
export const MAX_PATH_CARDS = 3;

export function pathsHeadline(paths: KeyMetric[]): string {
  const p99 = paths.filter((k) => k.meta.key.startsWith("latency_p99:"));
  const slo = paths.filter((k) => k.meta.key.startsWith("slo:"));
  const n = (ks: KeyMetric[], v: string) => ks.filter((k) => k.row?.verdict === v).length;
  const worse = n(p99, "worse") + n(slo, "worse");
  return `Key paths: p99 latency improved on ${n(p99, "improved")} of ${p99.length}, SLO attainment on ${n(slo, "improved")} of ${slo.length}${worse ? `; ${worse} ${worse === 1 ? "measure" : "measures"} got worse` : ""}.`;
}

function cell(k: KeyMetric | undefined, data: ReportData): Html {
  if (!k?.row) return html`<td class="muted">no data</td>`;
  const v = values(k);
  const s = sentence(k.row, k.meta, data.settings.minSample);
  if (!v) return html`<td class="insufficient" title="${s}">${missingText(k.row)}</td>`;
  const interval = formatInterval(k.row, k.meta);
  const q = qText(k.row);
  return html`<td title="${s}"><span class="pair-values">${v.from} → <b>${v.to}</b></span> <span class="change ${v.tone}">${v.arrow} ${v.change}</span>${q ? html` <span class="q">${q}</span>` : ""}${interval ? html`<span class="print-only interval">${interval}</span>` : ""}</td>`;
}

/** Key paths as one table: p99 and SLO attainment, baseline → final, with the verdicts. */
export function keyPathTable(paths: KeyMetric[], data: ReportData): Html {
  const groups = new Map<string, { service: string; route: string; p99?: KeyMetric; slo?: KeyMetric }>();
  for (const k of paths) {
    const route = k.meta.key.slice(k.meta.key.indexOf(":") + 1);
    const id = `${k.service}\u0000${route}`;
    const g = groups.get(id) ?? { service: k.service ?? "*", route };
    if (k.meta.key.startsWith("slo:")) g.slo = k;
    else g.p99 = k;
    groups.set(id, g);
  }
  const targets = new Map(data.keyPaths.map((k) => [`${k.service}\u0000${k.route}`, k]));
  const rows = [...groups.entries()].map(([id, g]) => {
    const verdicts = [g.p99?.row?.verdict, g.slo?.row?.verdict].filter(Boolean) as string[];
    const worst = verdicts.includes("worse") ? "worse" : verdicts.every((v) => v === "improved") && verdicts.length ? "improved" : verdicts.includes("insufficient data") ? "insufficient data" : verdicts.every((v) => v === "not measured") && verdicts.length ? "not measured" : "no clear change";
    return { id, g, verdicts, worst };
  });
  // Worst first: paths that got worse, then no clear change, then too few data, then improvements (smallest first).
  const rank: Record<string, number> = { worse: 0, "no clear change": 1, "insufficient data": 2, "not measured": 2, improved: 3 };
  rows.sort((a, b) => rank[a.worst]! - rank[b.worst]! || (b.g.p99?.row?.change_pct ?? 0) - (a.g.p99?.row?.change_pct ?? 0));
  const head = html`<thead><tr><th scope="col">Service</th><th scope="col">Key path</th><th scope="col">p99 latency</th><th scope="col">SLO attainment</th><th scope="col">SLO</th><th scope="col">Verdict</th></tr></thead>`;
  const body = (part: typeof rows) =>
    part.map(({ id, g, verdicts, worst }) => {
      const t = targets.get(id);
      return html`<tr data-service="${g.service}"><td>${g.service}</td><th scope="row"><code>${g.route}</code></th>${cell(g.p99, data)}${cell(g.slo, data)}<td class="muted">${
        t?.threshold != null ? html`≤ ${formatValue(t.threshold, "seconds")}${t.target != null ? html` for ${Number((t.target * 100).toFixed(3))}\u00a0%` : ""}` : "–"
      }</td><td><span class="chip ${worst.replace(/ /g, "-")}">${verdicts.length ? VERDICT_LABEL[worst] : "No data"}</span></td></tr>`;
    });
  const first = rows.slice(0, KEY_PATH_ROWS);
  const rest = rows.slice(KEY_PATH_ROWS);
  return html`<div class="table-wrap"><table class="services paths">
<caption>Key paths, worst first, baseline → final, with q (p adjusted across the rows of this table)<span class="screen-only">; hover a value for the full sentence with its 95 % interval</span>.</caption>
${head}<tbody>${body(first)}</tbody></table></div>${
    rest.length
      ? html`<details class="collapse more-paths"><summary>All ${rows.length} key paths (${rest.length} more)</summary><div class="table-wrap"><table class="services paths">${head}<tbody>${body(rest)}</tbody></table></div></details>`
      : ""
  }`;
}

/** Key-path rows shown before the rest collapse (50 services have 150 paths). */
export const KEY_PATH_ROWS = 10;

export function summarySection(data: ReportData): Html {
  const keys = keyMetrics(data);
  const main = keys.filter((k) => !k.service);
  const paths = keys.filter((k) => k.service);
  const pathCount = paths.length / 2;
  return html`<section id="summary" aria-labelledby="summary-h">
<h2 id="summary-h">Summary</h2>
<p class="lead">${headline(main)}${paths.length ? html` ${pathsHeadline(paths)}` : ""}</p>
<div class="cards">${main.map((k) => card(k, data))}${pathCount <= MAX_PATH_CARDS ? paths.map((k) => card(k, data)) : ""}</div>
${pathCount > MAX_PATH_CARDS ? html`<h3 class="sub-h">Key paths</h3>${phoneFold(`The ${pathCount} key paths, worst first`, keyPathTable(paths, data))}` : ""}
${planKpiGroup(data)}
<p class="note">Baseline ${rangeText(data.windows.baseline)} compared with final ${rangeText(data.windows.final)}. Changes are relative to the baseline; each sentence names its 95 % interval, the observations per window and p and q (how each is computed: methods in the appendix). Blue marks a change in the good direction, vermillion in the bad one.</p>
</section>`;
}

/** The "Plan KPIs" group of cards, after the DORA cards; nothing when the warehouse has no KPI rows. */
export function planKpiGroup(data: ReportData): Html | string {
  const kpis = planKpis(data);
  if (!kpis.length) return "";
  return html`<h3 class="sub-h" id="plan-kpis-h">Plan KPIs</h3>
<p class="note">${headline(kpis, "plan KPIs")}${targetsLine(kpis)}</p>
${budgetLine(data)}
${phoneFold(`The ${kpis.length} plan KPI cards`, html`<div class="cards plan-kpis" aria-labelledby="plan-kpis-h">${kpis.map((k) => card(k, data))}</div>`)}`;
}

/**
 * A block a phone shows folded (its summary line only, the page script closes it on narrow screens),
 * so the charts are not thousands of pixels down; wide screens, print and pages without scripts show it open.
 */
export function phoneFold(label: string, body: Html): Html {
  return html`<details class="phone-fold" open><summary>${label}</summary>${body}</details>`;
}

/**
 * The error budget in one line, overspending named: what all services together spent of their budget
 * in each window, and which services spent more than theirs in the final window.
 */
export function budgetLine(data: ReportData): Html | string {
  const rows = data.kpi.availabilityWindows;
  const spent = (v: number) => `${Math.round(v * 100)}\u00a0%`;
  const all = (w: string) => rows.find((r) => r.service === "*" && r.window_name === w && r.error_budget_spent != null);
  const [base, fin] = [all("baseline"), all("final")];
  if (!base && !fin) return "";
  const parts: string[] = [];
  const overall = [base ? `${spent(base.error_budget_spent!)} of the baseline's budget${base.error_budget_spent! > 1 ? " (over budget)" : ""}` : null, fin ? `${spent(fin.error_budget_spent!)} of the final window's${fin.error_budget_spent! > 1 ? " (over budget)" : ""}` : null].filter(Boolean);
  parts.push(`Error budget: all services together spent ${overall.join(" and ")}.`);
  const services = rows.filter((r) => r.service !== "*" && r.window_name === "final" && r.error_budget_spent != null);
  const over = services.filter((r) => r.error_budget_spent! > 1).sort((a, b) => b.error_budget_spent! - a.error_budget_spent!);
  if (services.length) {
    const named = over.slice(0, 5).map((r) => `${r.service} (${spent(r.error_budget_spent!)})`);
    parts.push(
      over.length
        ? `Over budget in the final window: ${named.join(", ")}${over.length > 5 ? ` and ${over.length - 5} more` : ""} of ${services.length} services.`
        : `No service went over its budget in the final window.`,
    );
  }
  const overClass = (fin?.error_budget_spent ?? 0) > 1 || over.length ? " over" : "";
  return html`<p class="budget-line${overClass}">${parts.join(" ")} <a href="#error-budget">Error budget per window</a></p>`;
}

/** " Targets: 3 met, 1 not met, 1 not assessed." */
export function targetsLine(keys: KeyMetric[]): string {
  const states = keys.map((k) => (k.row ? targetText(k.row, k.meta)?.state : undefined)).filter(Boolean);
  if (!states.length) return "";
  const n = (s: string) => states.filter((x) => x === s).length;
  const parts = [`${n("met")} met`, `${n("not-met")} not met`];
  if (n("not-assessed")) parts.push(`${n("not-assessed")} not assessed`);
  return ` Targets: ${parts.join(", ")}.`;
}

function rangeText(r: { from: Date; to: Date } | null): string {
  if (!r) return "(not configured)";
  return `(${longDate(r.from)} – ${longDate(r.to)})`;
}
