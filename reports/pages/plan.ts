import { endOfDay, milestoneCode, phaseCode, timeTicks, tickLabel } from "../charts/common.ts";
import type { ReportData } from "../data.ts";
import type { ComparisonRow } from "../../schemas/metrics.ts";
import { formatChange, formatInterval, isInterim, isoDate, longDate, scoped, targetText } from "../format.ts";
import { html, type Html } from "../html.ts";
import { renderMarkdown } from "../markdown.ts";
import { evidenceLine } from "./evidence.ts";
import type { PageContext } from "./context.ts";
import { keyMetrics, planKpis, values, type KeyMetric } from "./summary.ts";

/** The plan's span on the timeline: plan start to plan end (else the chart span). */
function timelineSpan(ctx: PageContext): [Date, Date] | undefined {
  const p = ctx.data.windows.plan;
  if (p) return [p.from, endOfDay(p.to)];
  return ctx.xDomain;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const pct = (t: number, span: [Date, Date]) => Math.max(0, Math.min(100, ((t - span[0].getTime()) / (span[1].getTime() - span[0].getTime())) * 100));

/** "1 Dec 2025 – 31 Jan 2026" */
const range = (from: Date, to: Date) => `${longDate(from)} – ${longDate(to)}`;

/** The evidence items of phase `i` (0-based). */
export function evidenceOf(data: ReportData, i: number) {
  return data.evidence.filter((e) => e.phase === i);
}

/**
 * The plan timeline: one row per phase (code, full name, dates, the engineer's evidence), the two
 * comparison windows and one row per milestone, drawn in HTML so long names wrap instead of being cut.
 */
export function planTimeline(ctx: PageContext, options: { id?: string; compact?: boolean } = {}): Html {
  const { data } = ctx;
  const span = timelineSpan(ctx);
  if (!span || (!data.phases.length && !data.milestones.length)) {
    return html`<p class="no-data">No plan timeline: no phases or milestones are configured (plan.phases, plan.milestones).</p>`;
  }
  const { ticks: all, step } = timeTicks(span, options.compact ? 1000 : 560, 46);
  // A label starting at the right edge would run out of the figure.
  const ticks = all.filter((t) => pct(t.getTime(), span) < 96);
  const label = step >= 12 ? tickLabel(step) : (d: Date, i: number) => (i === 0 || d.getUTCMonth() === 0 ? `${MONTHS[d.getUTCMonth()]} ’${String(d.getUTCFullYear()).slice(2)}` : MONTHS[d.getUTCMonth()]!);
  const bar = (from: Date, to: Date) => {
    const left = pct(from.getTime(), span);
    const right = pct(endOfDay(to).getTime(), span);
    return `left:${left.toFixed(2)}%;width:${Math.max(0.6, right - left).toFixed(2)}%`;
  };
  const at = (d: Date) => `left:${pct(d.getTime() + 12 * 3_600_000, span).toFixed(2)}%`;
  const windows = [
    data.windows.baseline && { name: "Baseline window", cls: "baseline", ...data.windows.baseline },
    data.windows.final && { name: "Final window", cls: "final", ...data.windows.final },
  ].filter((w): w is { name: string; cls: string; from: Date; to: Date } => Boolean(w));
  return html`<figure class="timeline${options.compact ? " compact" : ""}" id="${options.id ?? "plan-timeline"}">
<div class="tl" role="table" aria-label="Plan timeline: phases, comparison windows and milestones">
<div class="tl-row tl-axis" role="row"><div class="tl-label" role="columnheader">${range(span[0], new Date(span[1].getTime() - 1))}</div><div class="tl-track" role="columnheader">${ticks.map(
    (t, i) => html`<span class="tl-tick${i % 3 ? " minor" : ""}" style="${at(t)}">${label(t, i)}</span>`,
  )}</div></div>
${data.phases.map((p, i) => {
    const ev = evidenceOf(data, i);
    return html`<div class="tl-row tl-phase${i % 2 ? " alt" : ""}" role="row" data-phase="${phaseCode(i)}"><div class="tl-label" role="rowheader"><b class="code">${phaseCode(i)}</b> <span class="name">${p.name}</span> <span class="dates">${range(p.from, p.to)}</span>${
      ev.length && !options.compact ? html`<ul class="tl-evidence">${ev.map((e) => html`<li>${evidenceLine(e)}</li>`)}</ul>` : ""
    }</div><div class="tl-track" role="cell"><span class="tl-bar" style="${bar(p.from, p.to)}"></span>${ev.map(
      (e) => html`<span class="tl-ev" style="${at(e.date)}" title="${e.title}" aria-hidden="true"></span>`,
    )}</div></div>`;
  })}
${windows.map(
    (w) => html`<div class="tl-row tl-window ${w.cls}" role="row"><div class="tl-label" role="rowheader"><span class="name">${w.name}</span> <span class="dates">${range(w.from, w.to)}</span></div><div class="tl-track" role="cell"><span class="tl-bar" style="${bar(w.from, w.to)}"></span></div></div>`,
  )}
${data.milestones.map(
    (m, i) => html`<div class="tl-row tl-milestone" role="row"><div class="tl-label" role="rowheader"><b class="code">${milestoneCode(i)}</b> <span class="name">${m.label}</span> <span class="dates">${longDate(m.date)}</span></div><div class="tl-track" role="cell"><span class="tl-diamond" style="${at(m.date)}"></span></div></div>`,
  )}
</div>
${data.evidence.length ? html`<p class="note">Dots on a phase mark the evidence recorded for it (config <code>evidence:</code>), listed under the phase name.</p>` : ""}
</figure>`;
}

/** The key under every chart over the plan: phase codes and milestone codes with their full names. */
export function planKey(ctx: PageContext): Html {
  const { phases, milestones } = ctx.data;
  if (!phases.length && !milestones.length) return html``;
  return html`<dl class="plan-key">${phases.length ? html`<div><dt>Phases</dt><dd>${phases.map((p, i) => html`<span><b>${phaseCode(i)}</b> ${p.name}</span>`)}</dd></div>` : ""}${
    milestones.length ? html`<div><dt>Milestones</dt><dd>${milestones.map((m, i) => html`<span><b>${milestoneCode(i)}</b> ${isoDate(m.date)} · ${m.label}</span>`)}</dd></div>` : ""
  }</dl>`;
}

/** Result of a scorecard row against its target, in words. */
export function resultOf(k: KeyMetric, extra: ComparisonExtraLike | undefined): { text: string; cls: string } {
  if (extra?.status === "not measured" || k.row?.verdict === ("not measured" as never)) return { text: "not measured", cls: "not-measured" };
  if (!k.row) return { text: "no data", cls: "not-measured" };
  const t = targetText(k.row, k.meta);
  if (!t) return { text: "no target", cls: "no-target" };
  return { text: t.state === "met" ? "met" : t.state === "not-met" ? "not met" : "not assessed", cls: t.state };
}

export interface ComparisonExtraLike {
  status?: string | null;
  measured_by?: string | null;
  window_kind?: string | null;
  baseline_days_covered?: number | null;
  final_days_covered?: number | null;
  window_days?: number | null;
  q_value?: number | null;
}

/**
 * The rows of the scorecard: the headline measures, the plan KPIs, then the key paths' p99 latency where
 * the plan sets a target. SLO attainment (every key path has its own target) is one summary row, so the
 * table stays one screen at 50 services.
 */
export function scorecardRows(data: ReportData): KeyMetric[] {
  const keys = keyMetrics(data);
  const main = keys.filter((k) => !k.service);
  const paths = keys.filter((k) => k.service && k.meta.key.startsWith("latency_p99:") && k.row?.target != null);
  return [...main, ...planKpis(data), ...paths];
}

/** "SLO attainment: 17 of 18 key paths met their target (1 not met: checkout-web GET /cart)." */
function sloSummaryRow(data: ReportData): Html | string {
  const slo = keyMetrics(data).filter((k) => k.service && k.meta.key.startsWith("slo:") && k.row?.target != null);
  if (!slo.length) return "";
  const states = slo.map((k) => ({ k, state: targetText(k.row!, k.meta)?.state }));
  const met = states.filter((s) => s.state === "met").length;
  const notMet = states.filter((s) => s.state === "not-met");
  const cls = notMet.length ? "not-met" : met === slo.length ? "met" : "not-assessed";
  const names = notMet.slice(0, 3).map((s) => `${s.k.service} ${s.k.meta.key.slice(4)}`);
  return html`<tr class="${cls}" data-metric="slo:*"><th scope="row">SLO attainment on key paths</th><td colspan="3" data-label="Final">${met} of ${slo.length} key paths met their SLO target in the ${isInterim(data.comparison) ? "interim" : "final"} window${
    notMet.length ? html`; not met: ${names.join(", ")}${notMet.length > 3 ? ` and ${notMet.length - 3} more` : ""}` : ""
  } (each path in “Key paths” below).</td><td data-label="Target">each path's own</td><td data-label="Result"><span class="result ${cls}">${cls === "met" ? "✓ met" : cls === "not-met" ? `✗ ${notMet.length} not met` : "not assessed"}</span></td></tr>`;
}

function extraOf(data: ReportData, row: ComparisonRow | null): ComparisonExtraLike | undefined {
  return row ? data.comparisonExtra[`${row.metric}\u0000${row.service}`] : undefined;
}

/**
 * Coverage note for a window that is interim or not fully covered by data; none for a measure that is
 * not measured (it has no data to cover). Each window is measured against its own length.
 */
function coverage(extra: ComparisonExtraLike | undefined, baseline: { from: Date; to: Date } | null): string {
  if (!extra || extra.status === "not measured") return "";
  const parts: string[] = [];
  if (extra.window_kind === "interim") parts.push("interim window");
  if (extra.window_days != null && extra.final_days_covered != null && extra.final_days_covered < extra.window_days) parts.push(`final window ${extra.final_days_covered} of ${extra.window_days} days covered`);
  const baselineDays = baseline ? Math.round((baseline.to.getTime() - baseline.from.getTime()) / 86_400_000) + 1 : null;
  if (baselineDays != null && extra.baseline_days_covered != null && extra.baseline_days_covered < baselineDays) parts.push(`baseline ${extra.baseline_days_covered} of ${baselineDays} days covered`);
  return parts.join("; ");
}

/**
 * The plan scorecard: every headline measure and plan KPI in one table — baseline, final, change with
 * its interval (printed, not hover-only), target and whether it was met — before anything else.
 */
export function scorecard(data: ReportData, options: { compact?: boolean } = {}): Html {
  const rows = scorecardRows(data);
  if (!rows.length) return html`<p class="no-data">No comparison rows in the warehouse yet: run the transforms.</p>`;
  const counts = new Map<string, number>();
  const results = rows.map((k) => resultOf(k, extraOf(data, k.row)));
  for (const r of results) counts.set(r.cls, (counts.get(r.cls) ?? 0) + 1);
  const withTarget = results.filter((r) => r.cls !== "no-target" && r.cls !== "not-measured").length;
  return html`<div class="table-wrap scorecard-wrap"><table class="scorecard" id="${options.compact ? "scorecard-slide" : "scorecard"}">
<caption>${withTarget ? `Targets: ${counts.get("met") ?? 0} met, ${counts.get("not-met") ?? 0} not met${counts.get("not-assessed") ? `, ${counts.get("not-assessed")} not assessed` : ""}${counts.get("not-measured") ? `; ${counts.get("not-measured")} measures not measured` : ""}. ` : ""}Baseline ${data.windows.baseline ? range(data.windows.baseline.from, data.windows.baseline.to) : "not configured"} → ${isInterim(data.comparison) ? "interim (the final window has not ended)" : "final"} ${data.windows.final ? range(data.windows.final.from, data.windows.final.to) : "not configured"}.</caption>
<colgroup><col class="c-measure"><col class="c-num"><col class="c-num"><col class="c-change"><col class="c-target"><col class="c-result"></colgroup>
<thead><tr><th scope="col">Measure</th><th scope="col" class="num">Baseline</th><th scope="col" class="num">${isInterim(data.comparison) ? "Interim" : "Final"}</th><th scope="col">Change (95 % interval)</th><th scope="col">Target</th><th scope="col">Result</th></tr></thead>
<tbody>${rows.map((k, i) => {
    const v = values(k);
    const r = k.row;
    const extra = extraOf(data, r);
    const t = r ? targetText(r, k.meta) : null;
    const interval = r && v ? formatInterval(r, k.meta) : null;
    const cover = coverage(extra, data.windows.baseline);
    const res = results[i]!;
    // A long unit ("EUR per 1,000 transactions") is said once, after the measure's name.
    const longUnit = v?.unit && v.unit.length > 8 ? v.unit : "";
    const unit = longUnit ? "" : v?.unit;
    return html`<tr class="${res.cls}" data-metric="${k.meta.key}"${k.service ? html` data-service="${k.service}"` : ""}><th scope="row">${scoped(r, k.meta).label}${longUnit ? html` <span class="unit">(${longUnit})</span>` : ""}${cover ? html`<span class="cover">${cover}</span>` : ""}</th>${
      v
        ? html`<td class="num" data-label="Baseline">${v.from}${unit ? html`\u00a0<span class="unit">${unit}</span>` : ""}</td><td class="num" data-label="Final"><b>${v.to}</b>${unit ? html`\u00a0<span class="unit">${unit}</span>` : ""}</td><td data-label="Change" class="change-cell"><span class="change ${v.tone}">${v.arrow} ${formatChange(r!, k.meta)}</span>${
            interval ? html`<span class="interval">${interval.replace(/^95\u00a0% CI /, "")}</span>` : ""
          }<span class="verdict">${r!.verdict}</span></td>`
        : html`<td class="num muted" colspan="3">${r ? (extra?.status === "not measured" ? `not measured${extra.measured_by ? ` (${extra.measured_by})` : ""}` : "too little data to compare") : "no data"}</td>`
    }<td data-label="Target" class="target-cell">${t ? t.text.replace(/^Target /, "").replace(/: (met|not met|not assessed)$/, "") : html`<span class="muted">–</span>`}</td><td data-label="Result"><span class="result ${res.cls}">${res.cls === "met" ? "✓ " : res.cls === "not-met" ? "✗ " : ""}${res.text}</span></td></tr>`;
  })}${sloSummaryRow(data)}</tbody></table></div>`;
}

/** Plain-language glossary: the abbreviations a manager meets in this report. */
export const GLOSSARY: [string, string][] = [
  ["Median", "The middle value: half the changes (or incidents) were faster, half slower. Robust to a few extreme cases."],
  ["p90 / p99", "The 90th / 99th percentile: 90 % (99 %) of values were at or below it — the slow tail that users notice."],
  ["95 % interval (CI)", "The range the true change lies in with 95 % confidence, given the number of observations; a wide interval means few data."],
  ["p and q", "p: how often a difference at least this large would turn up by chance if nothing had changed. q: p adjusted for the other rows of the same table; a row is called improved or worse only when q is below 0.05."],
  ["Censored", "An incident still open when the data end: it lasted at least until then, and it is counted that way rather than left out."],
  ["pp", "Percentage points: the plain difference of two percentages (99.90 % → 99.95 % is +0.05 pp)."],
  ["Baseline / final window", "The stretch of time at the start of the plan and the one at its end that are compared."],
  ["Error budget", "The failures a target allows: at 99.9 % availability, 0.1 % of requests may fail; 100 % spent means exactly that many failed."],
  ["Burn rate", "How fast the error budget is being used: 1× uses it up exactly by the end of the period, 14× in about two days."],
  ["Pickup", "Waiting time from a pull request being opened to its first review."],
  ["Change failure rate", "The share of production deployments that caused an incident or had to be rolled back or hot-fixed."],
  ["DORA tier", "Low, medium, high or elite, as defined by the yearly DORA State of DevOps report."],
];

export function glossary(): Html {
  return html`<dl class="definitions glossary">${GLOSSARY.map(([t, d]) => html`<dt>${t}</dt><dd>${d}</dd>`)}</dl>`;
}

/** A phase's Markdown notes, rendered safely (escaped, no raw HTML, no images, links only http(s)/mailto). */
export function phaseNotes(data: ReportData, i: number): Html | string {
  const md = data.phaseNotes[i];
  return md ? html`<div class="md">${renderMarkdown(md)}</div>` : "";
}
