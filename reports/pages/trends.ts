import { PALETTE, quantile, rollingMedian, toSvg } from "../charts/common.ts";
import { distributionChart, type DistributionRow } from "../charts/distribution.ts";
import { latencyChart } from "../charts/latency.ts";
import { oncallChart } from "../charts/oncall.ts";
import { rateBandChart } from "../charts/rate-band.ts";
import { STAGES, stagesChart, type StageRow } from "../charts/stages.ts";
import { trendChart, type TrendRow } from "../charts/trend.ts";
import { formatValue, hoursUnit } from "../format.ts";
import { html, slug, type Html } from "../html.ts";
import type { ChartSpec } from "./figure.ts";
import { legend } from "./figure.ts";
import type { PageContext } from "./context.ts";
import { planKey } from "./plan.ts";

const round = (v: number | null | undefined, d = 2) => (v == null ? null : Math.round(v * 10 ** d) / 10 ** d);

/** Legend shared by time series drawn over the plan: the series, the windows, and the key to P1…/M1… codes. */
export function planLegend(ctx: PageContext, extra: { label: string; color: string; kind?: "swatch" | "line" | "dash" | "band" }[] = []): Html {
  const items = [...extra, { label: "Baseline and final windows", color: PALETTE.window, kind: "band" as const }];
  return html`${legend(items)}${planKey(ctx)}`;
}

function weekly<T extends { period_start: Date }>(rows: T[], value: (r: T) => number | null): TrendRow[] {
  const values = rows.map(value);
  const rolling = rollingMedian(values, 5);
  return rows.map((r, i) => ({ date: r.period_start, value: values[i] ?? null, rolling: rolling[i] ?? null }));
}

function trendSpec(ctx: PageContext, id: string, title: string, description: string, rows: TrendRow[], yLabel: string, column: string, empty: string, tickFormat?: (n: number) => string): ChartSpec {
  const svg = rows.some((r) => r.value != null)
    ? toSvg(trendChart(rows, { document: ctx.document, plan: ctx.plan, xDomain: ctx.xDomain, yLabel, tickFormat, title, description }))
    : null;
  return {
    id,
    title,
    description,
    svg,
    empty,
    legend: planLegend(ctx, [
      { label: "Weekly value", color: PALETTE.faint, kind: "line" },
      { label: "Rolling median (5 weeks)", color: PALETTE.accent, kind: "line" },
    ]),
    table: { columns: ["week starting", column, "rolling median (5 weeks)"], rows: rows.map((r) => [r.date, round(r.value), round(r.rolling)]) },
  };
}

export function trendCharts(ctx: PageContext): ChartSpec[] {
  const { data } = ctx;
  const all = <T extends { service: string }>(rows: T[]) => rows.filter((r) => r.service === "*");
  const specs: ChartSpec[] = [];

  specs.push(
    trendSpec(ctx, "deployments-weekly", "Deployments per week", "Successful production deployments per week across all services; the bold line is the 5-week rolling median.",
      weekly(all(data.weekly.deployments), (r) => r.deployments), "Deployments", "deployments", "no deployments in metrics.deployment_frequency."),
  );
  const leadRows = weekly(all(data.weekly.leadTime), (r) => r.median_hours);
  specs.push(
    trendSpec(ctx, "lead-time-weekly", "Lead time for changes, weekly median", "Median hours from first commit to running in production for the changes deployed each week; lower is better.",
      leadRows, "Median lead time (hours)", "median hours", "no changes in metrics.lead_time."),
  );
  specs.push(
    trendSpec(ctx, "restore-weekly", "Time to restore, weekly median", "Median hours from an incident being opened to it being resolved, per week with incidents; lower is better.",
      weekly(data.weekly.restore, (r) => r.median_hours), "Median time to restore (hours)", "median hours", "no resolved incidents in metrics.time_to_restore."),
  );

  const cfr = data.monthly.cfr.map((r) => ({ date: r.period_start, rate: r.rate, low: r.ci_low, high: r.ci_high }));
  const cfrTitle = "Change failure rate, monthly, with 95 % interval";
  const cfrDesc = "Share of production deployments that led to an incident, rollback or hotfix each month; the shaded band is the 95 % interval, wide where a month had few deployments.";
  specs.push({
    id: "change-failure-rate",
    title: cfrTitle,
    description: cfrDesc,
    svg: cfr.some((r) => r.rate != null) ? toSvg(rateBandChart(cfr, { document: ctx.document, plan: ctx.plan, xDomain: ctx.xDomain, yLabel: "Change failure rate", title: cfrTitle, description: cfrDesc })) : null,
    empty: "no deployments in metrics.change_failure_rate.",
    legend: planLegend(ctx, [
      { label: "Monthly rate", color: PALETTE.accent, kind: "line" },
      { label: "95 % interval", color: PALETTE.accent, kind: "band" },
    ]),
    table: {
      columns: ["month", "deployments", "failed", "rate", "95 % low", "95 % high"],
      rows: data.monthly.cfr.map((r) => [r.period_start, r.deployments, r.failed_deployments, round(r.rate, 4), round(r.ci_low, 4), round(r.ci_high, 4)]),
    },
  });

  const oncallTitle = "On-call load: pages per week";
  const oncallDesc = "Pages per week across all services, split into working hours and after hours; fewer after-hours pages mean less sleep lost.";
  const oncallRows = data.weekly.oncall.map((r) => ({ date: r.period_start, inHours: Math.max(0, r.pages - r.after_hours_pages), afterHours: r.after_hours_pages }));
  specs.push({
    id: "oncall-load",
    title: oncallTitle,
    description: oncallDesc,
    svg: oncallRows.length ? toSvg(oncallChart(oncallRows, { document: ctx.document, plan: ctx.plan, xDomain: ctx.xDomain, title: oncallTitle, description: oncallDesc })) : null,
    empty: "no pages in metrics.oncall_load.",
    legend: planLegend(ctx, [
      { label: "Working hours", color: PALETTE.inHours },
      { label: "After hours", color: PALETTE.afterHours },
    ]),
    table: {
      columns: ["week starting", "pages", "after hours", "median time to acknowledge (min)"],
      rows: data.weekly.oncall.map((r) => [r.period_start, r.pages, r.after_hours_pages, round(r.mtta_median_minutes, 1)]),
    },
  });
  return specs;
}

export const LATENCY_LEGEND = legend([
  { label: "Weekly p99", color: PALETTE.accent, kind: "line" },
  { label: "SLO threshold", color: PALETTE.bad, kind: "dash" },
  { label: "Baseline and final windows", color: PALETTE.window, kind: "band" },
]);

/** One chart per key path: weekly p99 against the SLO threshold. */
export function latencyCharts(ctx: PageContext): ChartSpec[] {
  const { data } = ctx;
  const paths = new Map<string, { service: string; route: string; threshold: number | null }>();
  for (const k of data.keyPaths) paths.set(`${k.service}\u0000${k.route}`, { service: k.service, route: k.route, threshold: k.threshold });
  for (const r of data.weekly.latency) if (!paths.has(`${r.service}\u0000${r.route}`)) paths.set(`${r.service}\u0000${r.route}`, { service: r.service, route: r.route, threshold: null });
  const used = new Set<string>();
  return [...paths.values()].map((p) => {
    const rows = data.weekly.latency.filter((r) => r.service === p.service && r.route === p.route);
    let id = `latency-${slug(p.service)}-${slug(p.route)}`;
    while (used.has(id)) id += "-x";
    used.add(id);
    const title = `${p.service} · ${p.route}`;
    const description = p.threshold != null
      ? `Weekly p99 against the ${formatValue(p.threshold, "seconds")} SLO threshold (dashed).`
      : `Weekly p99; no SLO threshold is configured.`;
    return {
      id,
      title,
      description,
      size: "third" as const,
      service: p.service,
      svg: rows.some((r) => r.p99_seconds != null)
        ? toSvg(latencyChart(rows.map((r) => ({ date: r.period_start, p99: r.p99_seconds })), { document: ctx.document, plan: ctx.plan, xDomain: ctx.xDomain, threshold: p.threshold, title, description }))
        : null,
      empty: "no latency histogram for this key path in metrics.latency_p99.",
      table: { columns: ["week starting", "requests", "p99 seconds", "SLO threshold seconds"], rows: rows.map((r) => [r.period_start, r.requests, round(r.p99_seconds, 4), p.threshold]) },
    };
  });
}

function summaryRows(rows: { window: string; value: number }[], unitHours: boolean) {
  return ["Baseline", "Final"].map((w) => {
    const v = rows.filter((r) => r.window === w).map((r) => r.value).sort((a, b) => a - b);
    const q = (p: number) => (v.length ? round(quantile(v, p), 2) : null);
    return [w, v.length, q(0.25), q(0.5), q(0.75), q(0.9), unitHours ? "hours" : ""];
  });
}

export function distributionCharts(ctx: PageContext): ChartSpec[] {
  const { data } = ctx;
  const win = (w: string): "Baseline" | "Final" => (w === "baseline" ? "Baseline" : "Final");
  const make = (id: string, title: string, description: string, rows: DistributionRow[], items: { service: string; window_name: string; value: number }[], empty: string): ChartSpec => {
    const present = new Set(rows.map((r) => r.window));
    return {
      id,
      title,
      description,
      size: "half",
      svg: present.size ? toSvg(distributionChart(rows, { document: ctx.document, xLabel: "log scale", title, description })) : null,
      empty,
      legend: legend([
        { label: "Baseline window", color: PALETTE.baseline },
        { label: "Final window", color: PALETTE.final },
      ]),
      table: { columns: ["window", "n", "p25", "median", "p75", "p90", "unit"], rows: summaryRows(rows, true) },
      csv: { columns: ["window", "service", "hours"], rows: items.map((i) => [i.window_name, i.service, i.value]) },
    };
  };
  const lead = data.items.leadTime.map((r) => ({ window: win(r.window_name), value: r.lead_time_hours }));
  const restore = data.items.restore.map((r) => ({ window: win(r.window_name), value: r.restore_hours }));
  return [
    make("lead-time-distribution", "Lead time: baseline versus final", "Each box spans the middle half of the changes deployed in the window, the line inside is the median and dots are outliers; further left is faster.",
      lead, data.items.leadTime.map((r) => ({ service: r.service, window_name: r.window_name, value: r.lead_time_hours })), "no changes in the baseline or final window (metrics.lead_time_items)."),
    make("restore-distribution", "Time to restore: baseline versus final", "Each box spans the middle half of the incidents resolved in the window, the line inside is the median and dots are outliers; further left is faster.",
      restore, data.items.restore.map((r) => ({ service: r.service, window_name: r.window_name, value: r.restore_hours })), "no resolved incidents in the baseline or final window (metrics.restore_items)."),
  ];
}

export function stagesChartSpec(ctx: PageContext): ChartSpec {
  const rows: StageRow[] = ctx.data.stages
    .filter((r) => (STAGES as readonly string[]).includes(r.stage))
    .map((r) => ({ window: r.window_name === "baseline" ? "Baseline" : "Final", stage: r.stage as StageRow["stage"], hours: r.hours }));
  // the number on the Lead time card, so the stages are read against it
  const headline = ctx.data.comparison.find((r) => r.metric === "lead_time" && r.service === "*");
  const reference = headline
    ? ([["Baseline", headline.baseline_value], ["Final", headline.final_value]] as const).flatMap(([window, hours]) => (hours != null && hours > 0 ? [{ window, hours }] : []))
    : [];
  const unit = hoursUnit([...rows.map((r) => r.hours), ...reference.map((r) => r.hours)]);
  const format = (h: number) => formatValue(h, "hours", [unit === "min" ? 0.5 : unit === "h" ? 10 : 100]);
  const title = "Where lead time goes: stages before and after";
  const counted = (w: string) => Math.max(0, ...ctx.data.stages.filter((r) => r.window_name === w).map((r) => r.changes));
  const description = `Bars: the median of each stage (coding, waiting for review, review, merge to production) over the changes with pull-request data (${counted("baseline")} baseline, ${counted("final")} final), end to end (Σ). Black mark: the median lead time of all changes, the number on the Lead time card. Each stage's median comes from different changes, so the bars do not add up to it.`;
  return {
    id: "lead-time-stages",
    title,
    description,
    svg: rows.some((r) => r.hours != null && r.hours > 0) ? toSvg(stagesChart(rows, { document: ctx.document, title, description, format, reference })) : null,
    empty: "no stage timestamps (pull-request data) for changes in the baseline or final window.",
    legend: legend([
      ...STAGES.map((s, i) => ({ label: { coding: "Coding (first commit → PR opened)", pickup: "Pickup (PR opened → first review)", review: "Review (first review → merge)", deploy: "Deploy (merge → production)" }[s], color: PALETTE.stages[i]! })),
      ...(reference.length ? [{ label: "Median lead time (all changes)", color: PALETTE.ink, kind: "line" as const }] : []),
    ]),
    table: {
      columns: ["window", "stage", "median hours", "changes"],
      rows: [
        ...ctx.data.stages.map((r) => [r.window_name, r.stage, round(r.hours), r.changes]),
        ...(headline ? [["baseline", "lead time (all changes)", round(headline.baseline_value), headline.n_baseline], ["final", "lead time (all changes)", round(headline.final_value), headline.n_final]] : []),
      ],
    },
  };
}

