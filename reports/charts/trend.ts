import * as Plot from "@observablehq/plot";
import { baseOptions, monthAxis, PALETTE, planMarks, type TimeChartOptions } from "./common.ts";

export interface TrendRow {
  date: Date;
  value: number | null;
  /** Rolling median, drawn as the bold trend line. */
  rolling: number | null;
}

export interface TrendOptions extends TimeChartOptions {
  yLabel: string;
  tickFormat?: (n: number) => string;
}

const DEFAULTS = { width: 920, height: 270 };

/** A weekly series (thin line and dots) with its rolling median (bold) over the plan's bands. */
export function trendChart(rows: TrendRow[], options: TrendOptions): Element {
  const { width, height } = { ...DEFAULTS, ...options };
  const data = rows.filter((r) => r.value != null);
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginTop: 36,
    marginLeft: 48,
    marginRight: 20,
    x: monthAxis(options.xDomain, width - 48 - 20),
    y: { label: options.yLabel, grid: true, zero: true, nice: true, tickFormat: options.tickFormat },
    marks: [
      ...planMarks(options.plan, { xDomain: options.xDomain, plotWidth: width - 48 - 20 }),
      Plot.ruleY([0], { stroke: PALETTE.faint }),
      Plot.lineY(data, { x: "date", y: "value", stroke: PALETTE.faint, strokeWidth: 1 }),
      Plot.dot(data, { x: "date", y: "value", r: 1.8, fill: PALETTE.faint }),
      Plot.lineY(
        rows.filter((r) => r.rolling != null),
        { x: "date", y: "rolling", stroke: PALETTE.accent, strokeWidth: 2.5 },
      ),
    ],
  });
}

export { monthTick, shortMonth } from "./common.ts";
