import type { PlanContext } from "../charts/common.ts";
import { DAY_MS, endOfDay, timeDomain } from "../charts/common.ts";
import type { ReportData } from "../data.ts";

/** What every page section needs besides the data: the document to render into and shared scales. */
export interface PageContext {
  /** The data with every time series cut to the chart span (comparisons and items are untouched). */
  data: ReportData;
  document: Document;
  plan: PlanContext;
  xDomain: [Date, Date] | undefined;
  /** Weeks and months of data before the chart span, left out of the charts (zero without a plan). */
  leftOut: number;
}

/** At most this much history before the baseline shows on charts, so the plan fills the axis. */
export const LEAD_IN_DAYS = 28;

/**
 * The span every time-series chart shares: the baseline window (or the plan's start, if earlier) with
 * a short lead-in, to the end of the plan. A repository with ten years of tags therefore draws its
 * plan, not 2016–2026 with the plan a sliver at the right. Without a plan the data's range is used.
 */
export function chartSpan(data: ReportData): [Date, Date] | undefined {
  const plan = data.windows.plan;
  const starts = [plan?.from, data.windows.baseline?.from, data.phases[0]?.from].filter((d): d is Date => d != null);
  const ends = [plan?.to, data.windows.final?.to, ...data.phases.map((p) => p.to)].filter((d): d is Date => d != null);
  if (!starts.length || !ends.length) return undefined;
  const first = Math.min(...starts.map((d) => d.getTime()));
  const dataFrom = data.dataRange.from?.getTime();
  const from = Math.max(first - LEAD_IN_DAYS * DAY_MS, dataFrom != null && dataFrom < first ? dataFrom : first);
  return [new Date(from), endOfDay(new Date(Math.max(...ends.map((d) => d.getTime()))))];
}

function within<T extends { period_start: Date }>(rows: T[], span: [Date, Date] | undefined): T[] {
  if (!span) return rows;
  const [a, b] = [span[0].getTime(), span[1].getTime()];
  return rows.filter((r) => r.period_start.getTime() >= a && r.period_start.getTime() < b);
}

export function pageContext(data: ReportData, document: Document): PageContext {
  const plan: PlanContext = {
    phases: data.phases,
    milestones: data.milestones,
    baseline: data.windows.baseline,
    final: data.windows.final,
  };
  const span = chartSpan(data);
  if (span) {
    const all = data.weekly.deployments.filter((r) => r.service === "*");
    const leftOut = all.length - within(all, span).length;
    const cut: ReportData = {
      ...data,
      weekly: {
        deployments: within(data.weekly.deployments, span),
        leadTime: within(data.weekly.leadTime, span),
        restore: within(data.weekly.restore, span),
        oncall: within(data.weekly.oncall, span),
        latency: within(data.weekly.latency, span),
      },
      monthly: { cfr: within(data.monthly.cfr, span), slo: within(data.monthly.slo, span) },
      kpi: {
        ...data.kpi,
        availability: within(data.kpi.availability, span),
        pipeline: within(data.kpi.pipeline, span),
        cost: within(data.kpi.cost, span),
        burnEpisodes: data.kpi.burnEpisodes.filter((e) => e.started_at >= span[0] && e.started_at < span[1]),
      },
    };
    return { data: cut, document, plan, xDomain: span, leftOut };
  }
  const dates = data.weekly.deployments.map((d) => d.period_start);
  if (data.dataRange.from) dates.push(data.dataRange.from);
  if (data.dataRange.to) dates.push(new Date(data.dataRange.to.getTime() + 7 * DAY_MS));
  return { data, document, plan, xDomain: timeDomain(dates, plan), leftOut: 0 };
}
