import * as Plot from "@observablehq/plot";
import { baseOptions, monthAxis, PALETTE, planMarks, type TimeChartOptions } from "./common.ts";


export interface AvailabilityRow {
  date: Date;
  availability: number | null;
}

/** Burn-rate episodes that started in one week (Monday), over all services. */
export interface BurnWeek {
  week: Date;
  page: number;
  ticket: number;
  /** Tooltip: how many services, the peak burn rate. */
  label: string;
}

/** Percent with enough decimals for the nines of the axis range. */
function pctTick(digits: number): (v: number) => string {
  return (v: number) => `${(v * 100).toFixed(digits)} %`;
}

const WEEK_MS = 7 * 86_400_000;
/** The episode strip: two rows of weekly cells under the x axis, pixels below the plot's floor. */
const STRIP = { page: [24, 38], ticket: [41, 55] } as const;

/**
 * Weekly availability (line and dots) against the target (dashed). Under the x axis, a strip of weekly
 * cells counts the burn-rate episodes that started that week across all services: page severity on the
 * upper row, ticket severity on the lower, darker for more, with the count written in the cell where it
 * fits. Counting per week keeps it readable at any number of services (a tick per episode runs together).
 */
export function availabilityChart(rows: AvailabilityRow[], options: TimeChartOptions & { target?: number | null; episodes?: BurnWeek[] }): Element {
  const width = options.width ?? 920;
  const episodes = options.episodes ?? [];
  const stripped = episodes.length > 0;
  const marginBottom = stripped ? 30 + STRIP.ticket[1] - 16 : 30;
  const height = (options.height ?? 280) + marginBottom - 30;
  const data = rows.filter((r) => r.availability != null);
  const values = data.map((r) => r.availability!);
  if (options.target != null) values.push(options.target);
  const low = Math.min(...values);
  const span = Math.max(1e-5, 1 - low);
  const digits = Math.min(4, Math.max(1, Math.ceil(-Math.log10(span * 100)) + 1));
  const marginTop = 36;
  const marginLeft = 62;
  const marginRight = 20;
  const plotHeight = height - marginTop - marginBottom;
  const plotWidth = width - marginLeft - marginRight;
  const floor = Math.max(0, low - span * 0.35);
  // y values below the domain's floor land under the axis (the scale extrapolates): pixels → y
  const below = (px: number) => floor - (px / plotHeight) * (1 - floor);
  const [from, to] = options.xDomain ?? [new Date(Math.min(...episodes.map((e) => e.week.getTime()))), new Date(Math.max(...episodes.map((e) => e.week.getTime())) + WEEK_MS)];
  const px = (ms: number) => (ms / Math.max(1, to.getTime() - from.getTime())) * plotWidth;
  const cells = (severity: "page" | "ticket") => {
    const inside = episodes.filter((e) => e.week.getTime() + WEEK_MS > from.getTime() && e.week.getTime() < to.getTime());
    const max = Math.max(1, ...inside.map((e) => e[severity]));
    return inside
      .filter((e) => e[severity] > 0)
      .map((e) => ({
        x1: new Date(Math.max(e.week.getTime(), from.getTime())),
        x2: new Date(Math.min(e.week.getTime() + WEEK_MS, to.getTime())),
        n: e[severity],
        opacity: 0.25 + 0.75 * (e[severity] / max),
        title: `${e.week.toISOString().slice(0, 10)} week: ${e[severity]} ${severity}-severity episode${e[severity] === 1 ? "" : "s"}; ${e.label}`,
      }));
  };
  const strip = (severity: "page" | "ticket") => {
    const [top, bottom] = STRIP[severity];
    const c = cells(severity);
    const color = severity === "page" ? PALETTE.bad : PALETTE.afterHours;
    return [
      Plot.rect(c, { x1: "x1", x2: "x2", y1: below(top), y2: below(bottom), fill: color, fillOpacity: "opacity", stroke: "white", strokeWidth: 0.5, title: "title" }),
      // the count where a cell is wide enough for it (two digits at 9 px)
      Plot.text(c.filter((d) => px(d.x2.getTime() - d.x1.getTime()) >= 13 + (d.n >= 100 ? 5 : 0)), { x: (d: { x1: Date; x2: Date }) => new Date((d.x1.getTime() + d.x2.getTime()) / 2), y: below((top + bottom) / 2), text: "n", fontSize: 9, fill: PALETTE.ink }),
      Plot.text([severity === "page" ? "pages" : "tickets"], { frameAnchor: "left", y: below((top + bottom) / 2), text: (d: string) => d, textAnchor: "end", dx: -6, fontSize: 10, fill: PALETTE.muted }),
    ];
  };
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginTop,
    marginBottom,
    marginLeft,
    marginRight,
    x: monthAxis(options.xDomain, plotWidth),
    y: { label: "Availability", grid: true, domain: [floor, 1], tickFormat: pctTick(digits) },
    marks: [
      ...planMarks(options.plan, { xDomain: options.xDomain, plotWidth }),
      options.target != null ? Plot.ruleY([options.target], { stroke: PALETTE.bad, strokeDasharray: "5,4", strokeWidth: 1.5 }) : null,
      Plot.lineY(data, { x: "date", y: "availability", stroke: PALETTE.accent, strokeWidth: 2 }),
      Plot.dot(data, { x: "date", y: "availability", r: 2, fill: PALETTE.accent }),
      ...(stripped ? [...strip("page"), ...strip("ticket")] : []),
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
