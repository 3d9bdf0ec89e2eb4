import { comparedText, longDate } from "../format.ts";
import { phaseCode } from "../charts/common.ts";
import { html, type Html } from "../html.ts";
import type { PageContext } from "./context.ts";
import { figure, type ChartSpec } from "./figure.ts";
import { page, REPORT_CSS, REPORT_SCRIPT } from "./layout.ts";
import { ITEM_LISTS_SCRIPT, itemLists, itemListsData } from "./item-lists.ts";
import { kpiSection } from "./kpis.ts";
import { collapsed, servicesSection } from "./services.ts";
import { LATENCY_LEGEND } from "./trends.ts";
import { glossary, phaseNotes, planTimeline, scorecard } from "./plan.ts";
import { summarySection } from "./summary.ts";
import { collectionBanner, methodsSection, qualitySection, type MethodsInfo } from "./trust.ts";

export interface ReportCharts {
  trends: ChartSpec[];
  latency: ChartSpec[];
  distributions: ChartSpec[];
  stages: ChartSpec;
  services: ChartSpec[];
  /** Plan KPIs: availability, pipeline time, cost per transaction. */
  kpis: ChartSpec[];
}

export function allCharts(c: ReportCharts): ChartSpec[] {
  return [...c.trends, ...c.kpis, ...c.latency, ...c.distributions, c.stages, ...c.services];
}

export function subtitle(ctx: PageContext): string {
  const { data } = ctx;
  const plan = data.windows.plan;
  const parts = [plan ? `Plan ${longDate(plan.from)} – ${longDate(plan.to)}` : "No plan configured"];
  parts.push(`${data.services.length} service${data.services.length === 1 ? "" : "s"}`);
  if (data.lastSync?.finished_at) parts.push(`data collected ${longDate(data.lastSync.finished_at)}`);
  return parts.join(" · ");
}

/** Says so when a collection succeeded after the metrics were built (run `dora transform`). */
export function staleNote(ctx: PageContext): Html | string {
  const { transformedAt, collectedAt, stale } = ctx.data;
  if (!stale || !transformedAt || !collectedAt) return "";
  return html`<p class="stale" role="alert">Metrics are older than the data: built ${isoStamp(transformedAt)}, before the collection of ${isoStamp(collectedAt)}. Run <code>dora transform</code> (or <code>dora run</code>) and build the report again.</p>`;
}

const isoStamp = (d: Date) => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;

/** What the charts' time axis covers, and how much older data is not drawn. */
function spanNote(ctx: PageContext): Html | string {
  const [from] = ctx.xDomain ?? [];
  const baseline = ctx.data.windows.baseline;
  if (!from || !baseline) return "";
  const weeks = Math.round((baseline.from.getTime() - from.getTime()) / (7 * 86_400_000));
  return html`<p class="note">Charts run from ${longDate(from)}${weeks > 0 ? ` (${weeks} weeks before the baseline window)` : ""} to the end of the plan${
    ctx.leftOut ? `; ${ctx.leftOut} earlier weeks of data are not drawn` : ""
  }.</p>`;
}

/** Each phase's Markdown notes (plan.phases[].notes) under the timeline, sanitised. */
function phaseNotesBlock(ctx: PageContext): Html | string {
  const notes = ctx.data.phases.map((p, i) => ({ p, i, body: phaseNotes(ctx.data, i) })).filter((n) => n.body);
  if (!notes.length) return "";
  return html`<div class="phase-notes">${notes.map((n) => html`<details class="notes" open><summary><b>${phaseCode(n.i)}</b> ${n.p.name}: notes</summary>${n.body}</details>`)}</div>`;
}

/** report/index.html: summary first, then trends, distributions, services, trust. */
export function reportPage(ctx: PageContext, charts: ReportCharts, info: MethodsInfo): string {
  const { data } = ctx;
  const byId = (id: string) => charts.trends.find((c) => c.id === id);
  const trend = (id: string) => {
    const c = byId(id);
    return c ? figure(c) : "";
  };
  const body = html`<main>
<header class="top">
<h1>${data.settings.title}</h1>
<p class="sub">${subtitle(ctx)} · ${comparedText(ctx.data.comparison)} · generated ${longDate(info.generatedAt)}</p>
${collectionBanner(data)}
${staleNote(ctx)}<nav class="toc" aria-label="Sections"><a href="#scorecard-section">Scorecard</a><a href="#timeline">Timeline</a><a href="#summary">Summary</a><a href="#trends">Trends</a><a href="#reliability">Reliability</a><a href="#kpis">Plan KPIs</a><a href="#latency">Latency</a><a href="#flow">Lead time in detail</a><a href="#services">Per service</a><a href="#glossary">Glossary</a><a href="#appendix">Appendix</a></nav>
</header>
<section id="scorecard-section" aria-labelledby="scorecard-h">
<h2 id="scorecard-h">Plan scorecard</h2>
${scorecard(data)}
</section>
<section id="timeline" aria-labelledby="timeline-h">
<h2 id="timeline-h">The plan: phases, milestones and evidence</h2>
${planTimeline(ctx)}
${phaseNotesBlock(ctx)}
</section>
${summarySection(data)}
<section id="trends" aria-labelledby="trends-h">
<h2 id="trends-h">Delivery trends</h2>
<p class="lead">Weekly values across the plan, with its phases (P1 …), milestones (M1 …) and the two comparison windows.</p>
${spanNote(ctx)}
${trend("deployments-weekly")}
${trend("lead-time-weekly")}
</section>
<section id="reliability" aria-labelledby="reliability-h">
<h2 id="reliability-h">Reliability and on-call</h2>
${trend("change-failure-rate")}
${trend("restore-weekly")}
${trend("oncall-load")}
</section>
${kpiSection(ctx, charts.kpis)}
<section id="latency" aria-labelledby="latency-h">
<h2 id="latency-h">Latency of key paths</h2>
${charts.latency.length ? html`<p class="lead">Weekly 99th-percentile latency of each key path against its SLO threshold; below the dashed line is within the objective.</p>${LATENCY_LEGEND}${collapsed(charts.latency, 18, 9, (shown) => html`<div class="grid3">${shown.map(figure)}</div>`, "key paths")}` : html`<p class="no-data">No data: no key paths with latency are configured (services.&lt;name&gt;.latency), or metrics.latency_p99 is empty.</p>`}
</section>
<section id="flow" aria-labelledby="flow-h">
<h2 id="flow-h">Lead time and restore time in detail</h2>
<div class="grid2">${charts.distributions.map(figure)}</div>
${figure(charts.stages)}
</section>
${servicesSection(ctx, charts.services)}
<section id="glossary" aria-labelledby="glossary-h">
<h2 id="glossary-h">Glossary</h2>
${glossary()}
</section>
<div id="appendix">
${qualitySection(data)}
${methodsSection(data, info, allCharts(charts))}
<footer>Generated by dora ${info.toolVersion} from the warehouse tables metrics.* and seeds.*. This file is self-contained and works offline.</footer>
</div>
</main>
${itemListsData(itemLists(data))}`;
  return page({ title: data.settings.title, css: REPORT_CSS, body, script: `${REPORT_SCRIPT}\n${ITEM_LISTS_SCRIPT}` });
}
