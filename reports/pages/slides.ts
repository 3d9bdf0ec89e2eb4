import { comparedText, formatValue, longDate, missingText, scoped, sentence, shortSentence } from "../format.ts";
import { html, raw, type Html } from "../html.ts";
import type { PageContext } from "./context.ts";
import type { ChartSpec } from "./figure.ts";
import { page } from "./layout.ts";
import type { ReportCharts } from "./report-page.ts";
import { subtitle } from "./report-page.ts";
import { headline, keyMetrics, planKpis, targetBadge, targetsLine, tierLine, values, verdictClass, type KeyMetric } from "./summary.ts";
import { phaseCode } from "../charts/common.ts";
import { metricMeta } from "../format.ts";
import { renderMarkdown } from "../markdown.ts";
import { evidenceLine, formatEvidenceNumber } from "./evidence.ts";
import { evidenceOf, phaseNotes, planTimeline, scorecard, scorecardRows } from "./plan.ts";
import { qualitySlide } from "./trust.ts";

const CHART_OF: Record<string, string> = {
  deployment_frequency: "deployments-weekly",
  lead_time: "lead-time-weekly",
  change_failure_rate: "change-failure-rate",
  time_to_restore: "restore-weekly",
  pages_per_week: "oncall-load",
};

/** Key paths worst-first: the ones that got worse, then no clear change, then the smallest improvements. */
function notable(paths: KeyMetric[], limit = 8): KeyMetric[] {
  const rank = (k: KeyMetric) => (k.row?.verdict === "worse" ? 0 : k.row?.verdict === "improved" ? 2 : 1);
  return [...paths].sort((a, b) => rank(a) - rank(b) || (b.row?.change_pct ?? 0) - (a.row?.change_pct ?? 0)).slice(0, limit);
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function slide(n: number, body: Html, cls = ""): Html {
  return html`<section class="slide ${cls}" id="slide-${n}" aria-label="Slide ${n}">${body}</section>`;
}

function metricSlide(k: KeyMetric, ctx: PageContext, drawn: ChartSpec | undefined): Html {
  const v = values(k);
  const r = k.row;
  // a metric whose source is not configured has no chart: its weekly zeros would read as measured ones
  const chart = r?.verdict === "not measured" ? undefined : drawn;
  return html`<p class="kicker">${scoped(r, k.meta).label}</p>
<h2>${r ? shortSentence(r, k.meta) : `${k.meta.noun}: no data`}</h2>
<div class="metric ${verdictClass(r)}">
${v ? html`<p class="big"><span class="from">${v.from}</span> <span class="arrow">→</span> <strong>${v.to}</strong>${v.unit ? html` <span class="unit">${v.unit}</span>` : ""} <span class="change ${v.tone}">${v.arrow} ${v.change}</span></p>` : html`<p class="big insufficient">${missingText(r)}</p>`}
${tierLine(k, ctx.data.settings.tierYear)}
${targetBadge(k)}
${r ? html`<p class="detail">${sentence(r, k.meta, ctx.data.settings.minSample)}</p>` : ""}
</div>
${chart?.svg ? html`<div class="slide-chart">${raw(chart.svg)}</div>${chart.legend ?? ""}` : ""}
${notes(r ? sentence(r, k.meta, ctx.data.settings.minSample) : null, chart?.description, ...ctx.data.evidence.filter((e) => e.metric === k.meta.key).map((e) => `Evidence: ${e.title}${e.number != null ? ` — ${formatEvidenceNumber(e.number, e.unit)}` : ""} (${longDate(e.date)}).`))}`;
}

/** The plan KPIs beyond the four keys as compact cards, each with its target badge. */
function planKpiSlide(kpis: KeyMetric[]): Html {
  return html`<p class="kicker">Plan KPIs</p><h2>${headline(kpis, "plan KPIs")}</h2>
<div class="kpi-cards">${kpis.map((k) => {
    const v = values(k);
    return html`<article class="kpi-card ${verdictClass(k.row)}" data-metric="${k.meta.key}"><h3>${scoped(k.row, k.meta).label}</h3>${
      v ? html`<p class="kv"><span class="from">${v.from}</span> → <strong>${v.to}</strong>${v.unit ? html` <span class="unit">${v.unit}</span>` : ""} <span class="change ${v.tone}">${v.arrow} ${v.change}</span></p>` : html`<p class="kv insufficient">${missingText(k.row)}</p>`
    }<p class="verdict">${k.row ? k.row.verdict : "no data"}</p>${targetBadge(k)}</article>`;
  })}</div>${targetsLine(kpis) ? html`<p class="detail">${targetsLine(kpis).trim()}</p>` : ""}`;
}

/** A presenter note: the full sentences behind a slide, shown with the N key (never printed on the slide). */
function notes(...lines: (string | Html | null | undefined | false)[]): Html {
  const kept = lines.filter(Boolean);
  return kept.length ? html`<aside class="notes" aria-label="Presenter notes">${kept.map((l) => html`<p>${l}</p>`)}</aside>` : html``;
}

/** Reliability: availability and error budget of all services, then p99 key paths worst-first. */
function reliabilitySlide(ctx: PageContext, paths: KeyMetric[]): Html {
  const { data } = ctx;
  const agg = data.kpi.availabilityWindows.filter((r) => r.service === "*" && (r.window_name === "baseline" || r.window_name === "final"));
  const pctv = (v: number | null) => (v == null ? "–" : `${(v * 100).toFixed(3)}\u00a0%`);
  const p99 = notable(paths.filter((k) => k.meta.key.startsWith("latency_p99:")), 6);
  const over = agg.filter((r) => r.error_budget_spent != null && r.error_budget_spent > 1);
  return html`<p class="kicker">Reliability</p><h2>${over.length ? `Error budget overspent in the ${over.map((r) => r.window_name).join(" and ")} window` : "Availability within its error budget"}</h2>
<div class="two">
<div>${agg.length ? html`<table class="paths"><thead><tr><th>All services</th><th>Availability</th><th>Target</th><th>Budget spent</th><th>Burn-rate episodes</th></tr></thead><tbody>${agg.map(
    (r) => html`<tr><td>${r.window_name === "baseline" ? "Baseline" : "Final"}</td><td>${pctv(r.availability)}</td><td>${r.target == null ? "–" : pctv(r.target)}</td><td class="${r.error_budget_spent != null && r.error_budget_spent > 1 ? "over" : ""}">${r.error_budget_spent == null ? "–" : `${Math.round(r.error_budget_spent * 100)}\u00a0%`}</td><td>${r.burn_episodes ?? "–"} (${r.page_episodes ?? 0} paging)</td></tr>`,
  )}</tbody></table>` : html`<p class="detail">No availability data.</p>`}</div>
<div>${p99.length ? html`<table class="paths"><thead><tr><th>p99 latency, worst first</th><th>Baseline</th><th>Final</th><th>Verdict</th></tr></thead><tbody>${p99.map((k) => {
    const r = k.row;
    const ctxv = r ? [r.baseline_value, r.final_value] : [];
    return html`<tr class="${verdictClass(r)}"><td>${k.service} <code>${k.meta.key.slice(12)}</code></td><td>${r ? formatValue(r.baseline_value, k.meta.unit, ctxv) : "–"}</td><td>${r ? formatValue(r.final_value, k.meta.unit, ctxv) : "–"}</td><td>${r ? r.verdict : "no data"}</td></tr>`;
  })}</tbody></table>${p99.length < paths.length / 2 ? html`<p class="detail">${p99.length} of ${paths.length / 2} key paths: those that did not improve first; all are in the report.</p>` : ""}` : ""}</div>
</div>
${notes(...agg.map((r) => `${r.window_name === "baseline" ? "Baseline" : "Final"} window: availability ${pctv(r.availability)} against ${r.target == null ? "no target" : pctv(r.target)}, ${r.error_budget_spent == null ? "no budget" : `${Math.round(r.error_budget_spent * 100)} % of the error budget spent`}, ${r.burn_episodes ?? 0} burn-rate episodes.`), ...p99.map((k) => (k.row ? sentence(k.row, k.meta, data.settings.minSample) : null)))}`;
}

/** One slide per phase with evidence or notes: what was done that no API measures. */
function evidenceSlides(ctx: PageContext): Html[] {
  const { data } = ctx;
  return data.phases.flatMap((p, i) => {
    const ev = evidenceOf(data, i);
    const md = phaseNotes(data, i);
    if (!ev.length && !md) return [];
    return [
      html`<p class="kicker">Evidence · ${phaseCode(i)} ${p.name}</p><h2>${p.name}</h2><p class="detail">${longDate(p.from)} – ${longDate(p.to)}</p>
<ul class="evidence">${ev.map((e) => html`<li>${evidenceLine(e)}${e.markdown ? html`<div class="md">${renderMarkdown(e.markdown)}</div>` : ""}</li>`)}</ul>${md}
${notes(...ev.map((e) => `${longDate(e.date)}: ${e.title}${e.number != null ? ` — ${formatEvidenceNumber(e.number, e.unit)}` : ""}${e.link ? ` (${e.link})` : ""}.`))}`,
    ];
  });
}

/** What is next: the config's `next:` targets for the coming period. */
function nextSlide(ctx: PageContext): Html {
  const next = ctx.data.next;
  return html`<p class="kicker">What is next</p><h2>${next.length ? "Targets for the coming year" : "Next steps"}</h2>${
    next.length
      ? html`<table class="paths next"><thead><tr><th>Goal</th><th>Measure</th><th>Target</th><th>By</th></tr></thead><tbody>${next.map(
          (n) => html`<tr><td>${n.title}</td><td>${n.metric ? metricMeta(n.metric).label : "–"}</td><td>${n.target ?? "–"}</td><td>${n.by ? longDate(n.by) : "–"}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="detail">No targets for the coming period are configured (add them under <code>next:</code> in the config).</p>`
  }`;
}

/**
 * report/slides.html: a 1920×1080 canvas scaled to the screen, one message per slide, in story order:
 * title → plan timeline → scorecard → one slide per headline metric → reliability → evidence per phase
 * → what is next → appendix. Arrow keys, space, Page Up/Down and clicks move; N shows presenter notes;
 * `?print` (and printing) lays the slides out one per page.
 */
export function slidesPage(ctx: PageContext, charts: ReportCharts, info: { generatedAt: Date; toolVersion: string }): string {
  const { data } = ctx;
  const keys = keyMetrics(data);
  const main = keys.filter((k) => !k.service);
  const paths = keys.filter((k) => k.service);
  const slides: Html[] = [];
  const add = (body: Html, cls = "") => slides.push(slide(slides.length + 1, body, cls));
  add(html`<h1>${data.settings.title}</h1><p class="sub">${subtitle(ctx)}</p><p class="sub">${capitalized(comparedText(data.comparison))} · ${longDate(info.generatedAt)}</p>
${notes(`Plan ${data.windows.plan ? `${longDate(data.windows.plan.from)} – ${longDate(data.windows.plan.to)}` : "not configured"}; ${data.phases.length} phases, ${data.milestones.length} milestones.`, headline(main))}`, "title");
  add(html`<p class="kicker">The plan</p><h2>${data.phases.length} phases, ${data.milestones.length} milestones</h2>${planTimeline(ctx, { id: "slide-timeline", compact: true })}
${notes(...data.phases.map((p, i) => `${phaseCode(i)} ${p.name}: ${longDate(p.from)} – ${longDate(p.to)}.`), ...data.milestones.map((m, i) => `M${i + 1} ${longDate(m.date)}: ${m.label}.`))}`, "timeline-slide");
  add(html`<p class="kicker">Scorecard</p><h2>${headline(main)}</h2>${scorecard(data, { compact: true })}
${notes(...scorecardRows(data).map((k) => (k.row ? sentence(k.row, k.meta, data.settings.minSample) : null)))}`, "scorecard-slide");
  for (const k of main) add(metricSlide(k, ctx, charts.trends.find((c) => c.id === CHART_OF[k.meta.key])), "metric-slide");
  add(reliabilitySlide(ctx, paths), "reliability-slide");
  const ev = evidenceSlides(ctx);
  if (ev.length) for (const e of ev) add(e, "evidence-slide");
  else add(html`<p class="kicker">Evidence</p><h2>No evidence recorded</h2><p class="detail">Game days, workshops, postmortems and approved SOPs can be listed under <code>evidence:</code> in the config.</p>`, "evidence-slide");
  add(nextSlide(ctx), "next-slide");
  const kpis = planKpis(data);
  if (kpis.length) add(planKpiSlide(kpis), "kpi-slide appendix");
  if (charts.stages.svg) add(html`<p class="kicker">Appendix · lead time in detail</p><h2>${charts.stages.title}</h2><div class="slide-chart">${raw(charts.stages.svg)}</div>${charts.stages.legend ?? ""}`, "appendix");
  add(qualitySlide(data), "appendix");
  add(html`<p class="kicker">Appendix · how these numbers were made</p><h2>Methods</h2><ul class="method">
<li>Baseline ${data.windows.baseline ? `${longDate(data.windows.baseline.from)} – ${longDate(data.windows.baseline.to)}` : "not configured"}; final ${data.windows.final ? `${longDate(data.windows.final.from)} – ${longDate(data.windows.final.to)}` : "not configured"}.</li>
<li>Medians: bootstrap 95 % interval of the change and a rank test. Shares: interval of the difference (Newcombe). Availability, SLO and p99: days resampled as wholes.</li>
<li>Open incidents count as censored (Kaplan–Meier median), never dropped. Improved or worse needs q &lt; 0.05 (p adjusted across each table).</li>
<li>Fewer than ${data.settings.minSample ?? "the minimum"} observations in a window → “insufficient data”; no source configured → “not measured”, never 0. DORA tiers from the ${data.settings.tierYear ?? "configured"} report.</li>
<li>Full definitions, data quality and per-service detail: index.html. Generated by dora ${info.toolVersion}.</li></ul>`, "appendix");
  const body = html`<main class="deck" id="deck">${slides}</main>
<nav class="controls" aria-label="Slide navigation"><button type="button" id="prev" aria-label="Previous slide">‹</button><span class="counter"><span id="slide-no">1</span> / <span id="slide-count">${slides.length}</span></span><button type="button" id="next" aria-label="Next slide">›</button><span class="hint">N: notes</span></nav>`;
  return page({ title: `${data.settings.title} — slides`, css: SLIDES_CSS, body, script: SLIDES_SCRIPT });
}

/**
 * Slides are a fixed 1920×1080 canvas: type is sized for a 1080p projector (chart text ≥ 16 px there,
 * charts drawn at 920 px wide are shown at 1600 px) and the script scales the canvas to the window.
 */
const SLIDES_CSS = `
:root { --ink:#1f2933; --muted:#52606d; --faint:#9aa5b1; --line:#e4e7eb; --good:#0072B2; --bad:#D55E00; --evidence:#E69F00; }
* { box-sizing: border-box; }
html, body { margin: 0; background: #3e4c59; }
body { color: var(--ink); font: 28px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.deck { width: 1920px; }
.slide { position: relative; width: 1920px; height: 1080px; padding: 64px 96px 72px; background: #fff; overflow: hidden; display: flex; flex-direction: column; margin: 0 0 24px; }
body.deck-mode { overflow: hidden; }
body.deck-mode .deck { position: absolute; left: 0; top: 0; height: 1080px; transform-origin: 0 0; }
body.deck-mode .slide { position: absolute; left: 0; top: 0; margin: 0; visibility: hidden; }
body.deck-mode .slide.active { visibility: visible; }
.slide.title { justify-content: center; }
.slide.title h1 { font-size: 84px; line-height: 1.1; margin: 0 0 32px; max-width: 24ch; }
.sub { color: var(--muted); margin: 6px 0; font-size: 32px; }
.kicker { text-transform: uppercase; letter-spacing: .08em; color: var(--muted); font-size: 24px; font-weight: 600; margin: 0 0 8px; }
h2 { font-size: 50px; line-height: 1.15; margin: 0 0 24px; font-weight: 650; max-width: 34ch; }
.metric { display: grid; grid-template-columns: auto 1fr; gap: 0 56px; align-items: start; }
.metric .big { grid-row: span 3; }
.big { font-size: 84px; line-height: 1.05; margin: 0; font-variant-numeric: tabular-nums; white-space: nowrap; }
.big .from { color: var(--muted); font-weight: 400; } .big .arrow { color: var(--faint); }
.big .unit { font-size: 30px; color: var(--muted); }
.big .change { display: block; font-size: 40px; font-weight: 650; margin-top: 4px; }
.big.insufficient { font-size: 48px; color: var(--muted); font-style: italic; }
.change.good { color: var(--good); } .change.bad { color: var(--bad); } .change.neutral { color: var(--muted); }
.detail { font-size: 26px; color: var(--muted); margin: 6px 0 0; max-width: 62ch; }
.target { display: inline-block; font-size: 24px; font-weight: 600; margin: 8px 0 0; padding: 2px 12px; border-radius: 6px; border: 2px solid currentColor; width: fit-content; }
.target.met { color: var(--good); } .target.not-met { color: var(--bad); } .target.not-assessed { color: var(--muted); border-style: dashed; }
.tier { font-size: 26px; color: #3e4c59; margin: 0; }
.slide-chart { margin-top: 18px; width: 1600px; }
.slide-chart svg { display: block; width: 1600px; max-width: 100%; height: auto; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 28px; padding: 0; margin: 8px 0 0; font-size: 20px; color: #3e4c59; }
ul.legend li { display: flex; align-items: center; gap: 8px; }
.key { display: inline-block; width: 18px; height: 18px; border-radius: 3px; background: var(--c); }
.key.line { width: 26px; height: 4px; } .key.dash { width: 26px; height: 0; border-top: 3px dashed var(--c); background: none; } .key.band { opacity: .35; }
dl.plan-key { margin: 6px 0 0; font-size: 19px; color: #3e4c59; }
dl.plan-key > div { display: flex; gap: 14px; align-items: baseline; }
dl.plan-key dt { font-weight: 600; color: var(--muted); min-width: 120px; }
dl.plan-key dd { margin: 0; display: flex; flex-wrap: wrap; gap: 0 22px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.paths { font-size: 26px; }
table.paths th, table.paths td { text-align: left; padding: 8px 40px 8px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
table.paths thead th { font-size: 20px; color: var(--muted); }
table.paths tr.improved td:last-child { color: var(--good); } table.paths tr.worse td:last-child { color: var(--bad); }
td.over { color: var(--bad); font-weight: 650; }
.two { display: grid; gap: 28px; }
table.scorecard { width: 100%; font-size: 21px; table-layout: fixed; }
table.scorecard caption { text-align: left; color: var(--muted); font-size: 19px; padding-bottom: 6px; }
table.scorecard col.c-measure { width: 27%; } table.scorecard col.c-num { width: 12%; } table.scorecard col.c-change { width: 26%; } table.scorecard col.c-target { width: 12%; } table.scorecard col.c-result { width: 11%; }
table.scorecard th, table.scorecard td { text-align: left; padding: 5px 16px 5px 0; border-bottom: 1px solid var(--line); vertical-align: top; line-height: 1.25; }
table.scorecard thead th { font-size: 18px; color: var(--muted); }
table.scorecard td.num { text-align: right; }
table.scorecard .unit, table.scorecard .cover { font-size: 16px; color: var(--muted); }
table.scorecard .interval { font-size: 16px; color: var(--muted); margin-left: 8px; }
table.scorecard .verdict, table.scorecard .cover { display: none; }
.result { font-weight: 650; } .result.met { color: var(--good); } .result.not-met { color: var(--bad); } .result.not-assessed, .result.no-target, .result.not-measured { color: var(--muted); font-weight: 500; }
figure.timeline { margin: 0; }
.tl { display: grid; grid-template-columns: 760px 1fr; font-size: 21px; }
.tl-row { display: contents; }
.tl-label { padding: 4px 18px 4px 0; border-bottom: 1px solid var(--line); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tl-label .code { display: inline-block; min-width: 44px; }
.tl-label .dates { color: var(--muted); font-size: 17px; margin-left: 10px; }
.tl-track { position: relative; border-bottom: 1px solid var(--line); min-height: 36px; }
.tl-axis .tl-label { color: var(--muted); font-size: 18px; }
.tl-tick { position: absolute; top: 6px; padding-left: 4px; border-left: 2px solid var(--faint); font-size: 18px; color: var(--muted); white-space: nowrap; }
.tl-bar { position: absolute; top: 10px; height: 16px; border-radius: 4px; background: #52606d; }
.tl-phase.alt .tl-bar { background: #9aa5b1; }
.tl-window .tl-bar { background: var(--good); opacity: .35; }
.tl-diamond { position: absolute; top: 10px; width: 15px; height: 15px; margin-left: -7px; transform: rotate(45deg); background: var(--ink); }
.tl-ev { position: absolute; top: 6px; width: 14px; height: 14px; margin-left: -7px; border-radius: 50%; background: var(--evidence); border: 2px solid #fff; }
.note { font-size: 18px; color: var(--muted); }
ul.evidence { font-size: 30px; padding-left: 32px; margin: 10px 0 0; } ul.evidence li { margin: 12px 0; } ul.evidence li::marker { color: var(--evidence); }
.ev-number { color: var(--ink); } .muted { color: var(--muted); font-size: .8em; }
.md { font-size: 24px; color: #3e4c59; } .md p { margin: 4px 0; } .md ul { margin: 4px 0; }
a { color: var(--good); }
.kpi-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 18px 36px; }
.kpi-card { border-left: 5px solid var(--faint); padding: 4px 0 4px 18px; }
.kpi-card.improved { border-left-color: var(--good); } .kpi-card.worse { border-left-color: var(--bad); } .kpi-card.insufficient-data { border-left-style: dashed; }
.kpi-card h3 { font-size: 22px; margin: 0; color: var(--muted); font-weight: 600; }
.kpi-card .kv { font-size: 30px; margin: 2px 0 0; font-variant-numeric: tabular-nums; } .kpi-card .kv .from { color: var(--muted); }
.kpi-card .kv.insufficient { font-style: italic; color: var(--muted); } .kpi-card .kv .change { font-size: 22px; font-weight: 600; display: block; }
.kpi-card .kv .unit { font-size: 20px; color: var(--muted); }
.kpi-card .verdict { font-size: 20px; margin: 0; color: var(--muted); }
.kpi-card .target { font-size: 18px; }
.kpi-slide h2, .scorecard-slide h2 { font-size: 38px; max-width: none; }
.quality-slide table { font-size: 22px; } .quality-slide th, .quality-slide td { padding: 4px 24px 4px 0; text-align: left; border-bottom: 1px solid var(--line); }
ul.method li, ul.facts li { margin: 12px 0; max-width: 64ch; }
ul.facts { font-size: 28px; }
code { font-size: .9em; }
aside.notes { display: none; }
body.show-notes .slide.active aside.notes { display: block; position: absolute; left: 0; right: 0; bottom: 0; max-height: 45%; overflow: auto; background: #fff8e1; border-top: 3px solid var(--evidence); padding: 14px 96px; font-size: 24px; }
aside.notes p { margin: 4px 0; }
nav.controls { position: fixed; right: 16px; bottom: 12px; display: none; align-items: center; gap: 10px; font-size: 16px; color: #e4e7eb; background: rgba(31,41,51,.75); padding: 4px 10px; border-radius: 8px; font-variant-numeric: tabular-nums; z-index: 10; }
body.deck-mode nav.controls { display: flex; }
nav.controls button { font: inherit; font-size: 20px; line-height: 1; color: #fff; background: none; border: 1px solid #9aa5b1; border-radius: 6px; padding: 2px 10px; cursor: pointer; }
nav.controls .hint { color: #9aa5b1; }
@page { size: 1920px 1080px; margin: 0; }
@media print {
  html, body { background: #fff; }
  body.deck-mode { overflow: visible; }
  body.deck-mode .deck, .deck { position: static; transform: none !important; height: auto; }
  body.deck-mode .slide, .slide { position: relative; visibility: visible; margin: 0; break-after: page; page-break-after: always; }
  .slide:last-child { break-after: auto; page-break-after: auto; }
  nav.controls, aside.notes { display: none !important; }
}
body.print-mode { background: #fff; }
body.print-mode .slide { margin: 0; }
`;

const SLIDES_SCRIPT = `(function () {
  var slides = document.querySelectorAll(".slide");
  var deck = document.getElementById("deck");
  var counter = document.getElementById("slide-no");
  if (/[?&]print\\b/.test(location.search)) { document.body.classList.add("print-mode"); return; }
  document.body.classList.add("deck-mode");
  var current = 0;
  function fit() {
    var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    var x = (window.innerWidth - 1920 * s) / 2, y = (window.innerHeight - 1080 * s) / 2;
    deck.style.transform = "translate(" + x + "px," + y + "px) scale(" + s + ")";
  }
  function show(i) {
    current = Math.max(0, Math.min(slides.length - 1, i));
    for (var k = 0; k < slides.length; k++) slides[k].classList.toggle("active", k === current);
    document.body.setAttribute("data-slide", String(current + 1));
    if (counter) counter.textContent = String(current + 1);
    if (history.replaceState) history.replaceState(null, "", "#slide-" + (current + 1));
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === "ArrowRight" || k === "ArrowDown" || k === "PageDown" || k === " " || k === "Enter") { e.preventDefault(); show(current + 1); }
    else if (k === "ArrowLeft" || k === "ArrowUp" || k === "PageUp" || k === "Backspace") { e.preventDefault(); show(current - 1); }
    else if (k === "Home") { e.preventDefault(); show(0); }
    else if (k === "End") { e.preventDefault(); show(slides.length - 1); }
    else if (k === "n" || k === "N") { document.body.classList.toggle("show-notes"); }
  });
  document.getElementById("prev").addEventListener("click", function (e) { e.stopPropagation(); show(current - 1); });
  document.getElementById("next").addEventListener("click", function (e) { e.stopPropagation(); show(current + 1); });
  deck.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("a, aside.notes")) return;
    show(e.clientX < window.innerWidth / 3 ? current - 1 : current + 1);
  });
  window.addEventListener("resize", fit);
  window.addEventListener("beforeprint", function () { deck.style.transform = ""; });
  window.addEventListener("afterprint", fit);
  fit();
  var m = /^#slide-(\\d+)$/.exec(location.hash);
  show(m ? Number(m[1]) - 1 : 0);
})();`;
