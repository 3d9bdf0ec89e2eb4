import * as Plot from "@observablehq/plot";
import { baseOptions, PALETTE, planMarks, smallTicks, type TimeChartOptions } from "./common.ts";

export interface LatencyRow {
  date: Date;
  p99: number | null;
}

export interface LatencyOptions extends TimeChartOptions {
  threshold: number | null;
}

const DEFAULTS = { width: 300, height: 150 };

/** Weekly p99 of one key path against its SLO threshold (dashed, vermillion). */
export function latencyChart(rows: LatencyRow[], options: LatencyOptions): Element {
  const { width, height } = { ...DEFAULTS, ...options };
  const data = rows.filter((r) => r.p99 != null);
  const max = Math.max(0, ...data.map((r) => r.p99!), options.threshold ?? 0);
  const ms = max < 1;
  const fmt = (v: number) => (ms ? `${Math.round(v * 1000)} ms` : `${v.toFixed(2)} s`);
  const threshold = options.threshold != null ? [{ y: options.threshold }] : [];
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginTop: 10,
    marginLeft: 52,
    marginRight: 10,
    marginBottom: 24,
    x: { type: "utc", domain: options.xDomain, label: null, ...smallTicks(options.xDomain, width - 52 - 10) },
    y: { label: null, grid: true, zero: true, ticks: 4, tickFormat: fmt, domain: [0, max * 1.1] },
    marks: [
      ...planMarks(options.plan ? { ...options.plan, phases: [], milestones: [] } : undefined, { labels: false }),
      Plot.ruleY(threshold, { y: "y", stroke: PALETTE.bad, strokeDasharray: "6,4", strokeWidth: 1.5 }),
      Plot.lineY(data, { x: "date", y: "p99", stroke: PALETTE.accent, strokeWidth: 2 }),
    ],
  });
}
