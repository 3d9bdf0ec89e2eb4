import * as Plot from "@observablehq/plot";
import { baseOptions, PALETTE, planMarks, type ChartDocument, type PlanContext } from "./common.ts";

export interface TrendRow {
  date: Date;
  value: number | null;
  /** Rolling median, drawn as the bold trend line. */
  rolling: number | null;
}

export interface TrendOptions extends ChartDocument {
  plan?: PlanContext;
  xDomain?: [Date, Date];
  yLabel: string;
  tickFormat?: (n: number) => string;
  title?: string;
  description?: string;
  width?: number;
  height?: number;
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
    x: { type: "utc", domain: options.xDomain, label: null, ticks: "month", tickFormat: monthTick },
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

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Jan 26": for small charts with few ticks. */
export function shortMonth(d: Date): string {
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCFullYear()).slice(2)}`;
}

/** "Jan" on month ticks, "Jan 2026" in January so the year is never ambiguous. */
export function monthTick(d: Date, i: number): string {
  const m = MONTHS[d.getUTCMonth()]!;
  return d.getUTCMonth() === 0 || i === 0 ? `${m} ${d.getUTCFullYear()}` : m;
}
