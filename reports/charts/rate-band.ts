import * as Plot from "@observablehq/plot";
import { baseOptions, monthAxis, PALETTE, planMarks, type TimeChartOptions } from "./common.ts";

export interface RateRow {
  date: Date;
  rate: number | null;
  low: number | null;
  high: number | null;
}

export interface RateOptions extends TimeChartOptions {
  yLabel: string;
}

const DEFAULTS = { width: 920, height: 250 };

/** A monthly rate with its 95 % interval as a band (small months show as wide bands, honestly). */
export function rateBandChart(rows: RateRow[], options: RateOptions): Element {
  const { width, height } = { ...DEFAULTS, ...options };
  const data = rows.filter((r) => r.rate != null);
  const band = data.filter((r) => r.low != null && r.high != null);
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginTop: 36,
    marginLeft: 48,
    marginRight: 20,
    x: monthAxis(options.xDomain, width - 48 - 20),
    y: { label: options.yLabel, grid: true, zero: true, nice: true, tickFormat: (v: number) => `${Math.round(v * 100)} %` },
    marks: [
      ...planMarks(options.plan, { xDomain: options.xDomain, plotWidth: width - 48 - 20 }),
      Plot.areaY(band, { x: "date", y1: "low", y2: "high", fill: PALETTE.accent, fillOpacity: 0.18, curve: "monotone-x" }),
      Plot.ruleY([0], { stroke: PALETTE.faint }),
      Plot.lineY(data, { x: "date", y: "rate", stroke: PALETTE.accent, strokeWidth: 2.5, curve: "monotone-x" }),
      Plot.dot(data, { x: "date", y: "rate", r: 3, fill: PALETTE.accent }),
    ],
  });
}
