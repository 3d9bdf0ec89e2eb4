import * as Plot from "@observablehq/plot";
import { baseOptions, DAY_MS, monthAxis, PALETTE, planMarks, type TimeChartOptions } from "./common.ts";

export interface OncallRow {
  date: Date;
  inHours: number;
  afterHours: number;
}

export type OncallOptions = TimeChartOptions;

const DEFAULTS = { width: 920, height: 250 };
export const ONCALL_KINDS = ["Working hours", "After hours"] as const;

/** Pages per week, stacked: during working hours, and after hours (the part that costs sleep). */
export function oncallChart(rows: OncallRow[], options: OncallOptions): Element {
  const { width, height } = { ...DEFAULTS, ...options };
  const data = rows.flatMap((r) => [
    { x1: r.date, x2: new Date(r.date.getTime() + 7 * DAY_MS), kind: ONCALL_KINDS[0], pages: r.inHours },
    { x1: r.date, x2: new Date(r.date.getTime() + 7 * DAY_MS), kind: ONCALL_KINDS[1], pages: r.afterHours },
  ]);
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginTop: 36,
    marginLeft: 48,
    marginRight: 20,
    x: monthAxis(options.xDomain, width - 48 - 20),
    y: { label: "Pages per week", grid: true, nice: true },
    color: { domain: [...ONCALL_KINDS], range: [PALETTE.inHours, PALETTE.afterHours] },
    marks: [
      ...planMarks(options.plan, { xDomain: options.xDomain, plotWidth: width - 48 - 20 }),
      Plot.rectY(data, { x1: "x1", x2: "x2", y: "pages", fill: "kind", insetLeft: 0.5, insetRight: 0.5, order: [...ONCALL_KINDS] }),
      Plot.ruleY([0], { stroke: PALETTE.faint }),
    ],
  });
}
