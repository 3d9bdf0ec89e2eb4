import { PALETTE, toSvg } from "../charts/common.ts";
import { availabilityChart, costChart, pipelineTimeChart, type BurnWeek } from "../charts/kpi.ts";
import type { ReportData } from "../data.ts";
import { costScale, costUnitText, formatValue, shareDigits } from "../format.ts";
import { html, type Html } from "../html.ts";
import type { PageContext } from "./context.ts";
import { figure, type ChartSpec } from "./figure.ts";
import { planLegend } from "./trends.ts";

const round = (v: number | null | undefined, d = 2) => (v == null ? null : Math.round(v * 10 ** d) / 10 ** d);


/** "no data" text: absent table (an older warehouse) or no rows. */
function emptyNote(data: ReportData, table: string, what: string): string {
  return data.missing.includes(table) ? `${table} is absent (the warehouse predates plan KPIs; run the transforms again).` : `${what} in ${table}.`;
}

/** The availability target drawn as a line: from metrics.availability, else the plan's target on the final value. */
export function availabilityTarget(data: ReportData): number | null {
  const fromRows = data.kpi.availability.map((r) => r.target).find((t) => t != null);
  if (fromRows != null) return fromRows;
  const cmp = data.comparison.find((r) => r.metric === "availability" && r.service === "*");
  return cmp?.target != null && cmp.target_of !== "change_pct" ? cmp.target : null;
}

function availabilitySpec(ctx: PageContext): ChartSpec {
  const { data } = ctx;
  const rows = data.kpi.availability.map((r) => ({ date: r.period_start, availability: r.availability }));
  const target = availabilityTarget(data);
  const title = "Availability per week, with burn-rate episodes";
  const description = `Share of good requests per week across all services${target != null ? `, against the ${formatValue(target, "share", [target])} target (dashed)` : ""}; the strip under the axis counts the burn-rate episodes that started each week in any service, paging ones on the upper row and ticket ones on the lower, darker for more.`;
  // Episodes per week beside the weekly availability, so the table says what the ticks show.
  const weekOf = (d: Date) => {
    const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    const dow = (new Date(t).getUTCDay() + 6) % 7;
    return t - dow * 86_400_000;
  };
  const perWeek = new Map<number, { page: number; ticket: number; peak: number | null; services: Set<string> }>();
  for (const e of data.kpi.burnEpisodes) {
    const k = weekOf(e.started_at);
    const c = perWeek.get(k) ?? { page: 0, ticket: 0, peak: null, services: new Set<string>() };
    if (e.severity === "page") c.page++;
    else c.ticket++;
    c.services.add(e.service);
    if (e.peak_burn_rate != null) c.peak = Math.max(c.peak ?? 0, e.peak_burn_rate);
    perWeek.set(k, c);
  }
  const episodes: BurnWeek[] = [...perWeek.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([week, c]) => ({
      week: new Date(week),
      page: c.page,
      ticket: c.ticket,
      label: `${c.services.size} service${c.services.size === 1 ? "" : "s"}${c.peak != null ? `, peak burn rate ${c.peak.toFixed(1)}×` : ""}`,
    }));
  const tableRows = data.kpi.availability.map((r) => {
    const c = perWeek.get(r.period_start.getTime());
    return [r.period_start, round(r.availability, 6), r.target ?? target, c?.page ?? 0, c?.ticket ?? 0, round(c?.peak ?? null, 1)];
  });
  return {
    id: "availability-weekly",
    title,
    description,
    svg: rows.some((r) => r.availability != null)
      ? toSvg(availabilityChart(rows, { document: ctx.document, plan: ctx.plan, xDomain: ctx.xDomain, target, episodes, title, description }))
      : null,
    empty: emptyNote(data, "metrics.availability", "no weekly all-services availability"),
    legend: planLegend(ctx, [
      { label: "Weekly availability", color: PALETTE.accent, kind: "line" },
      ...(target != null ? [{ label: "Target", color: PALETTE.bad, kind: "dash" as const }] : []),
      { label: "Burn-rate episodes started that week, page severity (upper row under the axis)", color: PALETTE.bad },
      { label: "… ticket severity (lower row)", color: PALETTE.afterHours },
    ]),
    table: { columns: ["week starting", "availability", "target", "page episodes started", "ticket episodes started", "peak burn rate"], rows: tableRows },
    csv: {
      columns: ["week starting", "availability", "target", "good requests", "total requests", "page episodes started", "ticket episodes started", "peak burn rate"],
      rows: data.kpi.availability.map((r, i) => [r.period_start, r.availability, tableRows[i]![2], r.good_requests, r.total_requests, tableRows[i]![3], tableRows[i]![4], tableRows[i]![5]]),
    },
  };
}

function pipelineSpec(ctx: PageContext): ChartSpec {
  const { data } = ctx;
  const rows = data.kpi.pipeline.map((r) => ({ date: r.period_start, median: r.median_minutes, p90: r.p90_minutes }));
  const title = "Deployment pipeline time, weekly median and p90";
  const description = "Minutes from a deployment pipeline's start to its finish, per week across all services: the bold line is the median, the dashed line the p90 (the slow tail); lower is better.";
  return {
    id: "pipeline-time-weekly",
    title,
    description,
    svg: rows.some((r) => r.median != null || r.p90 != null) ? toSvg(pipelineTimeChart(rows, { document: ctx.document, plan: ctx.plan, xDomain: ctx.xDomain, title, description })) : null,
    empty: emptyNote(data, "metrics.pipeline_time", "no weekly pipeline runs"),
    legend: planLegend(ctx, [
      { label: "Median", color: PALETTE.accent, kind: "line" },
      { label: "p90", color: PALETTE.afterHours, kind: "dash" },
    ]),
    table: { columns: ["week starting", "runs", "median minutes", "p90 minutes"], rows: data.kpi.pipeline.map((r) => [r.period_start, r.runs, round(r.median_minutes, 1), round(r.p90_minutes, 1)]) },
  };
}

function costSpec(ctx: PageContext): ChartSpec {
  const { data } = ctx;
  const currency = data.kpi.cost.find((r) => r.currency)?.currency ?? undefined;
  const scale = costScale(data.kpi.cost.map((r) => r.cost_per_transaction));
  const unit = costUnitText(currency, scale);
  const rows = data.kpi.cost.map((r) => ({ date: r.period_start, value: r.cost_per_transaction == null ? null : r.cost_per_transaction * scale }));
  const title = "Cost per transaction, monthly";
  const description = `Infrastructure cost divided by transactions each month, in ${unit}; lower is better.`;
  const column = `cost ${unit}`;
  return {
    id: "cost-per-transaction-monthly",
    title,
    description,
    svg: rows.some((r) => r.value != null) ? toSvg(costChart(rows, { document: ctx.document, plan: ctx.plan, xDomain: ctx.xDomain, yLabel: unit.charAt(0).toUpperCase() + unit.slice(1), title, description })) : null,
    empty: emptyNote(data, "metrics.cost_per_transaction", "no monthly cost"),
    legend: planLegend(ctx, [{ label: `Monthly cost ${unit}`, color: PALETTE.accent, kind: "line" }]),
    table: {
      columns: ["month", "cost", "currency", "transactions", column],
      rows: data.kpi.cost.map((r, i) => [r.period_start, round(r.cost, 2), r.currency, r.transactions, round(rows[i]!.value, 4)]),
    },
    csv: {
      columns: ["month", "cost", "currency", "transactions", "cost per transaction", column],
      rows: data.kpi.cost.map((r, i) => [r.period_start, r.cost, r.currency, r.transactions, r.cost_per_transaction, rows[i]!.value]),
    },
  };
}

export function kpiCharts(ctx: PageContext): ChartSpec[] {
  return [availabilitySpec(ctx), pipelineSpec(ctx), costSpec(ctx)];
}

/** Error budget spent per plan window and service (metrics.availability_windows), as a small table. */
export function errorBudgetTable(data: ReportData): Html {
  const all = data.kpi.availabilityWindows.filter((r) => ["baseline", "final", "plan"].includes(r.window_name));
  if (!all.length) return html`<p class="no-data">No data: ${emptyNote(data, "metrics.availability_windows", "no plan windows")}</p>`;
  // all services first, then the services worst first (most budget spent in the final window); beyond
  // the first BUDGET_SERVICES services the rows fold away (50 services are 150 rows)
  const finalSpent = (s: string) => all.find((r) => r.service === s && r.window_name === "final")?.error_budget_spent ?? -1;
  const services = [...new Set(all.map((r) => r.service).filter((s) => s !== "*"))].sort((a, b) => finalSpent(b) - finalSpent(a) || a.localeCompare(b));
  const rank = new Map(services.map((s, i) => [s, i]));
  const order = (r: (typeof all)[number]) => (r.service === "*" ? -1 : rank.get(r.service)!);
  const rows = [...all].sort((a, b) => order(a) - order(b) || ["baseline", "final", "plan"].indexOf(a.window_name) - ["baseline", "final", "plan"].indexOf(b.window_name));
  const shown = rows.filter((r) => order(r) < BUDGET_SERVICES);
  const rest = rows.filter((r) => order(r) >= BUDGET_SERVICES);
  const digits = shareDigits(rows.map((r) => r.availability).filter((v): v is number => v != null));
  const pct = (v: number | null) => (v == null ? "–" : `${(v * 100).toFixed(digits)}\u00a0%`);
  const head = html`<thead><tr><th scope="col">Service</th><th scope="col">Window</th><th scope="col">Availability</th><th scope="col">Target</th><th scope="col">Error budget spent</th><th scope="col">Burn-rate episodes</th><th scope="col">of them paging</th></tr></thead>`;
  const body = (part: typeof rows) =>
    part.map(
      (r) => html`<tr><td>${r.service === "*" ? "All services" : r.service}</td><td>${r.window_name}</td><td class="num">${pct(r.availability)}</td><td class="num">${r.target == null ? "none" : `${Number((r.target * 100).toFixed(4))}\u00a0%`}</td><td class="num ${r.error_budget_spent != null && r.error_budget_spent > 1 ? "over" : ""}">${
        r.error_budget_spent == null ? "– (no target)" : html`${Math.round(r.error_budget_spent * 100)}\u00a0%${r.error_budget_spent > 1 ? " (over budget)" : ""}`
      }</td><td class="num">${r.burn_episodes ?? "–"}</td><td class="num">${r.page_episodes ?? "–"}</td></tr>`,
    );
  return html`<div class="table-wrap"><table class="services budget" id="error-budget">
<caption>Error budget spent per plan window: 100 % means the window's failed requests used exactly the budget its target allowed; above 100 % the target was missed. All services together are held to the sum of the services' budgets; services follow, most spent in the final window first.</caption>
${head}<tbody>${body(shown)}</tbody></table></div>${
    rest.length
      ? html`<details class="collapse more-budget"><summary>All ${services.length} services (${services.length - BUDGET_SERVICES} more)</summary><div class="table-wrap"><table class="services budget">${head}<tbody>${body(rest)}</tbody></table></div></details>`
      : ""
  }`;
}

/** Services whose error-budget rows show before the rest fold away. */
export const BUDGET_SERVICES = 10;

/** The plan KPIs section: availability with episodes and the error-budget table, pipeline time, cost. */
export function kpiSection(ctx: PageContext, charts: ChartSpec[]): Html {
  const byId = (id: string) => charts.find((c) => c.id === id);
  const fig = (id: string) => {
    const c = byId(id);
    return c ? figure(c) : "";
  };
  return html`<section id="kpis" aria-labelledby="kpis-h">
<h2 id="kpis-h">Plan KPIs: availability, pipeline time, cost</h2>
<p class="lead">The plan's KPIs beyond the four keys, across the plan with its phases, milestones and the two comparison windows.</p>
${fig("availability-weekly")}
<h3 class="sub-h">Error budget per window</h3>
${errorBudgetTable(ctx.data)}
${fig("pipeline-time-weekly")}
${fig("cost-per-transaction-monthly")}
</section>`;
}
