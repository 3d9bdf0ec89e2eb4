import * as Plot from "@observablehq/plot";
import { baseOptions, monthAxis, PALETTE, planMarks, type TimeChartOptions } from "./common.ts";


export interface AvailabilityRow {
  date: Date;
  availability: number | null;
}

export interface BurnEpisodeMark {
  start: Date;
  severity: "page" | "ticket";
  /** Tooltip: service, pair, peak burn rate. */
  label: string;
}

/** Percent with enough decimals for the nines of the axis range. */
function pctTick(digits: number): (v: number) => string {
  return (v: number) => `${(v * 100).toFixed(digits)} %`;
}

/**
 * Weekly availability (line and dots) against the target (dashed), with burn-rate episodes as ticks
 * on two strips at the bottom: page severity on the lowest strip, ticket severity above it, so the
 * severity reads from the position as well as the colour.
 */
export function availabilityChart(rows: AvailabilityRow[], options: TimeChartOptions & { target?: number | null; episodes?: BurnEpisodeMark[] }): Element {
  const width = options.width ?? 920;
  const height = options.height ?? 280;
  const data = rows.filter((r) => r.availability != null);
  const values = data.map((r) => r.availability!);
  if (options.target != null) values.push(options.target);
  const low = Math.min(...values);
  const span = Math.max(1e-5, 1 - low);
  const digits = Math.min(4, Math.max(1, Math.ceil(-Math.log10(span * 100)) + 1));
  const marginBottom = 30;
  const marginTop = 36;
  const plotHeight = height - marginTop - marginBottom;
  const episodes = options.episodes ?? [];
  /** A strip `top`..`bottom` pixels above the plot's floor. */
  const strip = (severity: "page" | "ticket", top: number, bottom: number) =>
    Plot.tickX(episodes.filter((e) => e.severity === severity), {
      x: "start",
      stroke: severity === "page" ? PALETTE.bad : PALETTE.afterHours,
      strokeWidth: 1,
      strokeOpacity: 0.8,
      insetTop: plotHeight - top,
      insetBottom: bottom,
      title: "label",
    });
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginTop,
    marginBottom,
    marginLeft: 62,
    marginRight: 20,
    x: monthAxis(options.xDomain, width - 62 - 20),
    y: { label: "Availability", grid: true, domain: [Math.max(0, low - span * 0.35), 1], tickFormat: pctTick(digits) },
    marks: [
      ...planMarks(options.plan, { xDomain: options.xDomain, plotWidth: width - 62 - 20 }),
      options.target != null ? Plot.ruleY([options.target], { stroke: PALETTE.bad, strokeDasharray: "5,4", strokeWidth: 1.5 }) : null,
      Plot.lineY(data, { x: "date", y: "availability", stroke: PALETTE.accent, strokeWidth: 2 }),
      Plot.dot(data, { x: "date", y: "availability", r: 2, fill: PALETTE.accent }),
      // above the window labels ("Baseline", "Final") that sit on the floor
      strip("ticket", 42, 34),
      strip("page", 31, 23),
    ],
  });
}

export interface PipelineRow {
  date: Date;
  median: number | null;
  p90: number | null;
}

/** Weekly median (bold) and p90 (dashed) pipeline time in minutes. */
export function pipelineTimeChart(rows: PipelineRow[], options: TimeChartOptions): Element {
  const width = options.width ?? 920;
  const height = options.height ?? 260;
  const long = rows.flatMap((r) => [
    { date: r.date, value: r.median, series: "median" },
    { date: r.date, value: r.p90, series: "p90" },
  ]).filter((r) => r.value != null);
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginTop: 36,
    marginLeft: 48,
    marginRight: 20,
    x: monthAxis(options.xDomain, width - 48 - 20),
    y: { label: "Minutes", grid: true, zero: true, nice: true },
    marks: [
      ...planMarks(options.plan, { xDomain: options.xDomain, plotWidth: width - 48 - 20 }),
      Plot.ruleY([0], { stroke: PALETTE.faint }),
      Plot.lineY(long.filter((r) => r.series === "p90"), { x: "date", y: "value", stroke: PALETTE.afterHours, strokeWidth: 1.5, strokeDasharray: "5,3" }),
      Plot.lineY(long.filter((r) => r.series === "median"), { x: "date", y: "value", stroke: PALETTE.accent, strokeWidth: 2.5 }),
      Plot.dot(long.filter((r) => r.series === "median"), { x: "date", y: "value", r: 1.8, fill: PALETTE.accent }),
    ],
  });
}

export interface CostRow {
  date: Date;
  /** Cost per `scale` transactions. */
  value: number | null;
}

/** Monthly cost per transaction (or per 1,000 when tiny), line and dots. */
export function costChart(rows: CostRow[], options: TimeChartOptions & { yLabel: string }): Element {
  const width = options.width ?? 920;
  const height = options.height ?? 250;
  const data = rows.filter((r) => r.value != null);
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginTop: 36,
    marginLeft: 56,
    marginRight: 20,
    x: monthAxis(options.xDomain, width - 56 - 20),
    y: { label: options.yLabel, grid: true, zero: true, nice: true },
    marks: [
      ...planMarks(options.plan, { xDomain: options.xDomain, plotWidth: width - 56 - 20 }),
      Plot.ruleY([0], { stroke: PALETTE.faint }),
      Plot.lineY(data, { x: "date", y: "value", stroke: PALETTE.accent, strokeWidth: 2.5 }),
      Plot.dot(data, { x: "date", y: "value", r: 3, fill: PALETTE.accent }),
    ],
  });
}
