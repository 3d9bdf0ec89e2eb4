import type { PlanContext } from "../charts/common.ts";
import { timeDomain } from "../charts/common.ts";
import type { ReportData } from "../data.ts";

/** What every page section needs besides the data: the document to render into and shared scales. */
export interface PageContext {
  data: ReportData;
  document: Document;
  plan: PlanContext;
  xDomain: [Date, Date] | undefined;
}

export function pageContext(data: ReportData, document: Document): PageContext {
  const plan: PlanContext = {
    phases: data.phases,
    milestones: data.milestones,
    baseline: data.windows.baseline,
    final: data.windows.final,
  };
  const dates = data.weekly.deployments.map((d) => d.period_start);
  if (data.dataRange.from) dates.push(data.dataRange.from);
  if (data.dataRange.to) dates.push(new Date(data.dataRange.to.getTime() + 7 * 86_400_000));
  return { data, document, plan, xDomain: timeDomain(dates, plan) };
}
