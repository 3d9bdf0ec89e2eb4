import { PALETTE, rollingMedian, toSvg } from "../charts/common.ts";
import { sparklineChart } from "../charts/sparkline.ts";
import type { TrendRow } from "../charts/trend.ts";
import type { ReportData } from "../data.ts";
import { formatInterval, metricMeta, missingText, qText, scoped, sentence } from "../format.ts";
import { html, slug, type Html } from "../html.ts";
import type { PageContext } from "./context.ts";
import { figure, legend, type ChartSpec } from "./figure.ts";
import { values } from "./summary.ts";

const TABLE_METRICS = ["deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore"] as const;

function series<T extends { period_start: Date; service: string }>(rows: T[], service: string, value: (r: T) => number | null): TrendRow[] {
  const own = rows.filter((r) => r.service === service);
  const v = own.map(value);
  const rolling = rollingMedian(v, 5);
  return own.map((r, i) => ({ date: r.period_start, value: v[i] ?? null, rolling: rolling[i] ?? null }));
}

function maxOf(rows: TrendRow[][]): number {
  return Math.max(1, ...rows.flat().map((r) => Math.max(r.value ?? 0, r.rolling ?? 0)));
}

/** One small multiple per service: weekly deployments and weekly median lead time, shared scales. */
export function serviceCharts(ctx: PageContext): ChartSpec[] {
  const { data } = ctx;
  const deploys = new Map(data.services.map((s) => [s, series(data.weekly.deployments, s, (r) => r.deployments)]));
  const leads = new Map(data.services.map((s) => [s, series(data.weekly.leadTime, s, (r) => r.median_hours)]));
  const deployMax = maxOf([...deploys.values()]);
  const leadMax = maxOf([...leads.values()]);
  const used = new Set<string>();
  return data.services.map((service) => {
    let id = `service-${slug(service)}`;
    while (used.has(id)) id += "-x";
    used.add(id);
    const d = deploys.get(service)!;
    const l = leads.get(service)!;
    const title = service;
    const description = `Weekly deployments and median lead time of ${service}; scales are shared across services.`;
    const spark = (rows: TrendRow[], max: number, label: string) =>
      rows.some((r) => r.value != null)
        ? toSvg(sparklineChart(rows, { document: ctx.document, plan: ctx.plan, xDomain: ctx.xDomain, yDomain: [0, max], title: `${label} · ${service}` }))
        : `<p class="no-data">No data.</p>`;
    const svg = d.length || l.length
      ? `<div class="pair"><div><h4>Deployments per week</h4>${spark(d, deployMax, "Deployments per week")}</div><div><h4>Median lead time, hours</h4>${spark(l, leadMax, "Median lead time")}</div></div>`
      : null;
    const weeks = [...new Set([...d, ...l].map((r) => r.date.getTime()))].sort((a, b) => a - b);
    const at = (rows: TrendRow[], t: number) => rows.find((r) => r.date.getTime() === t)?.value ?? null;
    return {
      id,
      title,
      description,
      service,
      size: "small" as const,
      svg,
      empty: "no weekly rows for this service.",
      table: { columns: ["week starting", "deployments", "median lead time (hours)"], rows: weeks.map((t) => [new Date(t), at(d, t), at(l, t)]) },
    };
  });
}

export function serviceTable(data: ReportData): Html {
  if (!data.services.length) return html`<p class="no-data">No data: no services in seeds.services.</p>`;
  return html`<div class="table-wrap"><table class="services">
<caption>Baseline → final for each service, with the change in % and q (p adjusted across the rows of this table)<span class="screen-only">; hover a value for the full sentence and its interval</span>.</caption>
<thead><tr><th scope="col">Service</th>${TABLE_METRICS.map((m) => html`<th scope="col">${m === "deployment_frequency" ? "Deployments per week" : `${scoped(data.comparison.find((r) => r.metric === m && r.service === "*"), metricMeta(m)).label}${m === "change_failure_rate" ? "" : " (median)"}`}</th>`)}</tr></thead>
<tbody>${data.services.map(
    (service) => html`<tr data-service="${service}"><th scope="row">${service}</th>${TABLE_METRICS.map((metric) => {
      const row = data.comparison.find((r) => r.metric === metric && r.service === service) ?? null;
      const meta = metricMeta(metric);
      const v = values({ meta, row });
      if (!row) return html`<td class="muted">no data</td>`;
      if (!v) return html`<td class="insufficient" title="${sentence(row, meta, data.settings.minSample)}">${missingText(row)}</td>`;
      const interval = formatInterval(row, meta);
      const q = qText(row);
      return html`<td title="${sentence(row, meta, data.settings.minSample)}"><span class="pair-values">${v.from} → <b>${v.to}</b></span> <span class="change ${v.tone}">${v.arrow} ${v.change}</span>${q ? html` <span class="q">${q}</span>` : ""}${interval ? html`<span class="print-only interval">${interval}</span>` : ""}</td>`;
    })}</tr>`,
  )}</tbody></table></div>`;
}

/**
 * Many charts stay one click away: beyond `limit` only the first `keep` show and the rest sit in a
 * collapsed <details>, so 50 services do not push the page to tens of thousands of pixels.
 */
export function collapsed(charts: ChartSpec[], limit: number, keep: number, wrap: (c: ChartSpec[]) => Html, noun: string): Html {
  if (charts.length <= limit) return wrap(charts);
  return html`${wrap(charts.slice(0, keep))}<details class="collapse"><summary>Show all ${charts.length} ${noun} (${charts.length - keep} more)</summary>${wrap(charts.slice(keep))}</details>`;
}

export function servicesSection(ctx: PageContext, charts: ChartSpec[]): Html {
  const { data } = ctx;
  return html`<section id="services" aria-labelledby="services-h">
<h2 id="services-h">Per service</h2>
<div class="filter" id="service-filter-box" hidden>
<label for="service-filter">Show service</label>
<select id="service-filter"><option value="">All services (${data.services.length})</option>${data.services.map((s) => html`<option value="${s}">${s}</option>`)}</select>
</div>
${serviceTable(data)}
${legend([
  { label: "Weekly value", color: PALETTE.faint, kind: "line" },
  { label: "Rolling median (5 weeks)", color: PALETTE.accent, kind: "line" },
  { label: "Baseline and final windows", color: PALETTE.window, kind: "band" },
])}
${collapsed(charts, 12, 6, (shown) => html`<div class="multiples">${shown.map(figure)}</div>`, "services")}
</section>`;
}
