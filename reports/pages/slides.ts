import { formatValue, longDate, sentence, shortSentence } from "../format.ts";
import { html, raw, type Html } from "../html.ts";
import type { PageContext } from "./context.ts";
import type { ChartSpec } from "./figure.ts";
import { page } from "./layout.ts";
import type { ReportCharts } from "./report-page.ts";
import { subtitle } from "./report-page.ts";
import { headline, keyMetrics, pathsHeadline, planKpis, targetBadge, targetsLine, tierLine, values, verdictClass, type KeyMetric } from "./summary.ts";
import { qualitySlide } from "./trust.ts";

const CHART_OF: Record<string, string> = {
  deployment_frequency: "deployments-weekly",
  lead_time: "lead-time-weekly",
  change_failure_rate: "change-failure-rate",
  time_to_restore: "restore-weekly",
  pages_per_week: "oncall-load",
};

/** At most 8 key-path rows fit a slide: the ones that did not improve first, then the biggest moves. */
function notable(paths: KeyMetric[]): KeyMetric[] {
  if (paths.length <= 8) return paths;
  const rank = (k: KeyMetric) => (k.row?.verdict === "worse" ? 0 : k.row?.verdict === "improved" ? 2 : 1);
  return [...paths].sort((a, b) => rank(a) - rank(b) || Math.abs(b.row?.change_pct ?? 0) - Math.abs(a.row?.change_pct ?? 0)).slice(0, 8);
}

function slide(n: number, body: Html, cls = ""): Html {
  return html`<section class="slide ${cls}" id="slide-${n}" aria-label="Slide ${n}">${body}</section>`;
}

function metricSlide(k: KeyMetric, ctx: PageContext, chart: ChartSpec | undefined): Html {
  const v = values(k);
  const r = k.row;
  return html`<p class="kicker">${k.meta.label}</p>
<h2>${r ? shortSentence(r, k.meta) : `${k.meta.noun}: no data`}</h2>
<div class="metric ${verdictClass(r)}">
${v ? html`<p class="big"><span class="from">${v.from}</span> <span class="arrow">→</span> <strong>${v.to}</strong>${v.unit ? html` <span class="unit">${v.unit}</span>` : ""} <span class="change ${v.tone}">${v.arrow} ${v.change}</span></p>` : html`<p class="big insufficient">${r ? "insufficient data" : "no data"}</p>`}
${tierLine(k, ctx.data.settings.tierYear)}
${targetBadge(k)}
${r ? html`<p class="detail">${sentence(r, k.meta, ctx.data.settings.minSample)}</p>` : ""}
</div>
${chart?.svg ? html`<div class="slide-chart">${raw(chart.svg)}</div>` : ""}`;
}

/** The plan KPIs beyond the four keys as compact cards, each with its target badge. */
function planKpiSlide(kpis: KeyMetric[]): Html {
  return html`<p class="kicker">Plan KPIs</p><h2>${headline(kpis, "plan KPIs")}</h2>
<div class="kpi-cards">${kpis.map((k) => {
    const v = values(k);
    return html`<article class="kpi-card ${verdictClass(k.row)}" data-metric="${k.meta.key}"><h3>${k.meta.label}</h3>${
      v ? html`<p class="kv"><span class="from">${v.from}</span> → <strong>${v.to}</strong>${v.unit ? html` <span class="unit">${v.unit}</span>` : ""} <span class="change ${v.tone}">${v.arrow} ${v.change}</span></p>` : html`<p class="kv insufficient">${k.row ? "insufficient data" : "no data"}</p>`
    }<p class="verdict">${k.row ? k.row.verdict : "no data"}</p>${targetBadge(k)}</article>`;
  })}</div>${targetsLine(kpis) ? html`<p class="detail">${targetsLine(kpis).trim()}</p>` : ""}`;
}

/** report/slides.html: one message per slide, arrow keys to move, readable with scripts off. */
export function slidesPage(ctx: PageContext, charts: ReportCharts, info: { generatedAt: Date; toolVersion: string }): string {
  const { data } = ctx;
  const keys = keyMetrics(data);
  const main = keys.filter((k) => !k.service);
  const paths = keys.filter((k) => k.service);
  const slides: Html[] = [];
  const add = (body: Html, cls = "") => slides.push(slide(slides.length + 1, body, cls));
  add(html`<h1>${data.settings.title}</h1><p class="sub">${subtitle(ctx)}</p><p class="sub">Baseline versus final window · ${longDate(info.generatedAt)}</p>`, "title");
  add(html`<p class="kicker">Overall</p><h2>${headline(main)}</h2><ul class="verdicts">${main.map(
    (k) => html`<li class="${verdictClass(k.row)}"><span>${k.meta.label}</span><b>${k.row ? k.row.verdict : "no data"}</b></li>`,
  )}</ul>${paths.length ? html`<p class="detail">${pathsHeadline(paths)}</p>` : ""}`);
  for (const k of main) add(metricSlide(k, ctx, charts.trends.find((c) => c.id === CHART_OF[k.meta.key])));
  if (paths.length) {
    add(html`<p class="kicker">Latency and SLOs</p><h2>Key paths: p99 and SLO attainment, baseline → final</h2>
<table class="paths"><thead><tr><th>Key path</th><th>Baseline</th><th>Final</th><th>Verdict</th></tr></thead><tbody>${notable(paths).map((k) => {
      const r = k.row;
      const ctxv = r ? [r.baseline_value, r.final_value] : [];
      return html`<tr class="${verdictClass(r)}"><td>${k.meta.label}</td><td>${r ? formatValue(r.baseline_value, k.meta.unit, ctxv) : "–"}</td><td>${r ? formatValue(r.final_value, k.meta.unit, ctxv) : "–"}</td><td>${r ? r.verdict : "no data"}</td></tr>`;
    })}</tbody></table>${notable(paths).length < paths.length ? html`<p class="detail">${notable(paths).length} of ${paths.length} measures: those that did not improve clearly first, then the largest improvements; all are in index.html.</p>` : ""}`);
  }
  const kpis = planKpis(data);
  if (kpis.length) add(planKpiSlide(kpis), "kpi-slide");
  if (charts.stages.svg) add(html`<p class="kicker">Lead time in detail</p><h2>${charts.stages.title}</h2><div class="slide-chart">${raw(charts.stages.svg)}</div>`);
  add(qualitySlide(data));
  add(html`<p class="kicker">How these numbers were made</p><h2>Methods</h2><ul class="method">
<li>Baseline ${data.windows.baseline ? `${longDate(data.windows.baseline.from)} – ${longDate(data.windows.baseline.to)}` : "not configured"}; final ${data.windows.final ? `${longDate(data.windows.final.from)} – ${longDate(data.windows.final.to)}` : "not configured"}.</li>
<li>Medians with bootstrap 95 % intervals; rates with Wilson intervals; fewer than ${data.settings.minSample ?? "the minimum"} observations in a window → “insufficient data”.</li>
<li>DORA tiers from the ${data.settings.tierYear ?? "configured"} report.</li>
<li>Full definitions, data quality and per-service detail: index.html. Generated by dora ${info.toolVersion}.</li></ul>`);
  const body = html`<main class="deck">${slides}</main><p class="counter" aria-hidden="true"><span id="slide-no">1</span> / ${slides.length}</p>`;
  return page({ title: `${data.settings.title} — slides`, css: SLIDES_CSS, body, script: SLIDES_SCRIPT });
}

const SLIDES_CSS = `
:root { --ink:#1f2933; --muted:#616e7c; --faint:#9aa5b1; --line:#e4e7eb; --good:#0072B2; --bad:#D55E00; }
* { box-sizing: border-box; }
html { scroll-snap-type: y mandatory; }
body { margin: 0; color: var(--ink); background: #fff; font: 24px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.slide { min-height: 100vh; padding: 6vh 7vw; scroll-snap-align: start; display: flex; flex-direction: column; justify-content: center; border-bottom: 1px solid var(--line); }
.slide.title h1 { font-size: 64px; line-height: 1.1; margin: 0 0 24px; }
.sub { color: var(--muted); margin: 4px 0; font-size: 28px; }
.kicker { text-transform: uppercase; letter-spacing: .08em; color: var(--muted); font-size: 18px; font-weight: 600; margin: 0 0 10px; }
h2 { font-size: 40px; line-height: 1.2; margin: 0 0 24px; max-width: 30ch; font-weight: 650; }
.big { font-size: 64px; margin: 0; font-variant-numeric: tabular-nums; }
.big .from { color: var(--muted); font-weight: 400; } .big .arrow { color: var(--faint); }
.big .unit { font-size: 24px; color: var(--muted); }
.big .change { font-size: 36px; font-weight: 600; margin-left: 16px; }
.big.insufficient { font-size: 40px; color: var(--muted); font-style: italic; }
.change.good { color: var(--good); } .change.bad { color: var(--bad); } .change.neutral { color: var(--muted); }
.detail { font-size: 20px; color: var(--muted); margin: 8px 0 0; max-width: 60ch; }
.target { display: inline-block; font-size: 18px; font-weight: 600; margin: 8px 0 0; padding: 2px 10px; border-radius: 6px; border: 1px solid currentColor; }
.target.met { color: var(--good); } .target.not-met { color: var(--bad); } .target.not-assessed { color: var(--muted); border-style: dashed; }
.kpi-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px 24px; }
.kpi-card { border-left: 4px solid var(--faint); padding: 4px 0 4px 14px; }
.kpi-card.improved { border-left-color: var(--good); } .kpi-card.worse { border-left-color: var(--bad); } .kpi-card.insufficient-data { border-left-style: dashed; }
.kpi-card h3 { font-size: 18px; margin: 0; color: var(--muted); font-weight: 600; }
.kpi-card .kv { font-size: 24px; margin: 2px 0 0; font-variant-numeric: tabular-nums; } .kpi-card .kv .from { color: var(--muted); }
.kpi-card .kv.insufficient { font-style: italic; color: var(--muted); } .kpi-card .kv .change { font-size: 18px; font-weight: 600; }
.kpi-card .kv .unit { font-size: 16px; color: var(--muted); } .kpi-card .kv .change { display: block; }
.kpi-card .verdict { font-size: 16px; margin: 0; color: var(--muted); }
.kpi-slide h2 { font-size: 32px; }
.tier { font-size: 24px; color: #3e4c59; margin: 8px 0 0; }
.slide-chart { margin-top: 24px; max-width: 1200px; }
.slide-chart svg { width: 100%; height: auto; max-height: 42vh; }
ul.verdicts { list-style: none; padding: 0; margin: 0; columns: 2; column-gap: 48px; font-size: 22px; }
ul.verdicts li { display: flex; justify-content: space-between; gap: 16px; padding: 6px 0; border-bottom: 1px solid var(--line); break-inside: avoid; }
ul.verdicts li.improved b { color: var(--good); } ul.verdicts li.worse b { color: var(--bad); } ul.verdicts li b { color: var(--muted); font-weight: 600; }
table.paths { border-collapse: collapse; font-size: 22px; }
table.paths th, table.paths td { text-align: left; padding: 8px 32px 8px 0; border-bottom: 1px solid var(--line); }
table.paths tr.improved td:last-child { color: var(--good); } table.paths tr.worse td:last-child { color: var(--bad); }
.quality-slide h2 { font-size: 40px; } .quality-slide table { font-size: 18px; border-collapse: collapse; } .quality-slide th, .quality-slide td { padding: 4px 20px 4px 0; text-align: left; border-bottom: 1px solid var(--line); }
.quality-slide caption { text-align: left; color: var(--muted); font-size: 16px; }
.quality-slide .lead, .quality-slide .note { color: var(--muted); }
ul.method li, ul.facts li { margin: 10px 0; max-width: 60ch; }
ul.facts { font-size: 21px; }
.counter { position: fixed; right: 24px; bottom: 16px; margin: 0; color: var(--faint); font-size: 16px; font-variant-numeric: tabular-nums; }
code { font-size: .9em; }
@page { size: A4 landscape; margin: 10mm; }
@media print { html { scroll-snap-type: none; } .slide { min-height: auto; height: 180mm; break-after: page; page-break-after: always; border: 0; padding: 8mm; } .counter { display: none; } body { font-size: 16pt; } }
`;

const SLIDES_SCRIPT = `(function () {
  var slides = document.querySelectorAll(".slide");
  var counter = document.getElementById("slide-no");
  var current = 0;
  function show(i, scroll) {
    current = Math.max(0, Math.min(slides.length - 1, i));
    if (scroll) slides[current].scrollIntoView({ block: "start" });
    document.body.setAttribute("data-slide", String(current + 1));
    if (counter) counter.textContent = String(current + 1);
    if (history.replaceState) history.replaceState(null, "", "#slide-" + (current + 1));
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === "ArrowRight" || k === "ArrowDown" || k === "PageDown" || k === " ") { e.preventDefault(); show(current + 1, true); }
    else if (k === "ArrowLeft" || k === "ArrowUp" || k === "PageUp") { e.preventDefault(); show(current - 1, true); }
    else if (k === "Home") { e.preventDefault(); show(0, true); }
    else if (k === "End") { e.preventDefault(); show(slides.length - 1, true); }
  });
  var ticking = false;
  window.addEventListener("scroll", function () {
    if (ticking) return;
    ticking = true;
    requestAnimationFrame(function () {
      ticking = false;
      var best = 0, bestDist = Infinity;
      for (var i = 0; i < slides.length; i++) {
        var d = Math.abs(slides[i].getBoundingClientRect().top);
        if (d < bestDist) { bestDist = d; best = i; }
      }
      if (best !== current) show(best, false);
    });
  });
  var m = /^#slide-(\\d+)$/.exec(location.hash);
  show(m ? Number(m[1]) - 1 : 0, Boolean(m));
})();`;
