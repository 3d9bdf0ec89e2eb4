import * as Plot from "@observablehq/plot";
import { escapeHtml } from "../html.ts";

/**
 * Shared chart defaults. Colours follow Okabe & Ito (colour-blind safe); good/bad is blue/vermillion
 * and is always repeated in words or signs, never carried by colour alone.
 */
export const PALETTE = {
  ink: "#1f2933",
  muted: "#616e7c",
  faint: "#9aa5b1",
  grid: "#e4e7eb",
  band: "#f3f5f8",
  series: "#52606d",
  accent: "#0072B2",
  good: "#0072B2",
  bad: "#D55E00",
  baseline: "#8a94a6",
  final: "#0072B2",
  window: "#56B4E9",
  stages: ["#56B4E9", "#E69F00", "#009E73", "#CC79A7"],
  inHours: "#9ccbe8",
  afterHours: "#E69F00",
} as const;

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/** The `document` a chart renders into: linkedom on the server, the page's own in a browser. */
export interface ChartDocument {
  document: Document;
}

export interface PlanContext {
  phases: { name: string; from: Date; to: Date }[];
  milestones: { date: Date; label: string }[];
  baseline: { from: Date; to: Date } | null;
  final: { from: Date; to: Date } | null;
}

export const DAY_MS = 86_400_000;

/** Inclusive last day → the instant the day ends, so a band covers the whole day. */
export function endOfDay(d: Date): Date {
  return new Date(d.getTime() + DAY_MS);
}

export function baseOptions(options: { document: Document; width: number; height: number; title?: string; description?: string }): Plot.PlotOptions {
  return {
    document: options.document,
    width: options.width,
    height: options.height,
    className: "dora-plot",
    ariaLabel: options.title,
    ariaDescription: options.description,
    style: { fontSize: "11px", fontFamily: FONT, color: PALETTE.ink, background: "transparent", overflow: "visible" },
  };
}

/**
 * The plan drawn behind a time series: phases as alternating labelled bands, baseline and final
 * windows shaded, milestones as dashed rules numbered M1, M2 … (the full labels sit in the legend
 * under the chart, where long text cannot collide).
 */
export function planMarks(plan: PlanContext | undefined, options: { labels?: boolean; xDomain?: [Date, Date]; plotWidth?: number } = {}): Plot.Markish[] {
  if (!plan) return [];
  const labels = options.labels ?? true;
  // Phase names are cut to the width of their band (full name in the tooltip and the methods section).
  const span = options.xDomain ? options.xDomain[1].getTime() - options.xDomain[0].getTime() : 0;
  const fit = (name: string, from: Date, to: Date) => {
    if (!span || !options.plotWidth) return name;
    const chars = Math.floor((((to.getTime() - from.getTime()) / span) * options.plotWidth) / 6.8) - 1;
    return name.length <= chars ? name : chars < 3 ? "" : `${name.slice(0, chars - 1).trimEnd()}…`;
  };
  const phases = plan.phases.map((p, i) => ({ ...p, i, end: endOfDay(p.to), mid: new Date((p.from.getTime() + endOfDay(p.to).getTime()) / 2), short: fit(p.name, p.from, endOfDay(p.to)) }));
  const windows = [
    plan.baseline && { name: "Baseline", from: plan.baseline.from, to: endOfDay(plan.baseline.to) },
    plan.final && { name: "Final", from: plan.final.from, to: endOfDay(plan.final.to) },
  ].filter((x): x is { name: string; from: Date; to: Date } => Boolean(x));
  const milestones = plan.milestones.map((m, i) => ({ ...m, n: `M${i + 1}` }));
  const marks: Plot.Markish[] = [
    Plot.rectX(phases.filter((p) => p.i % 2 === 1), { x1: "from", x2: "end", fill: PALETTE.band }),
    Plot.rectX(windows, { x1: "from", x2: "to", fill: PALETTE.window, fillOpacity: 0.16 }),
    Plot.ruleX(phases.slice(1), { x: "from", stroke: PALETTE.grid }),
    Plot.ruleX(milestones, { x: "date", stroke: PALETTE.muted, strokeDasharray: "3,3", strokeWidth: 1 }),
  ];
  if (labels) {
    marks.push(
      Plot.text(phases, { x: "mid", text: "short", title: "name", frameAnchor: "top", dy: -22, fill: PALETTE.muted, fontSize: 11, fontWeight: 600 }),
      Plot.text(windows, { x: (d: { from: Date; to: Date }) => new Date((d.from.getTime() + d.to.getTime()) / 2), text: "name", frameAnchor: "bottom", dy: -6, fill: PALETTE.accent, fontSize: 10, fontWeight: 600 }),
      Plot.text(milestones, { x: "date", text: "n", frameAnchor: "top", dy: -6, fill: PALETTE.ink, fontSize: 10, fontWeight: 700, title: "label" }),
    );
  }
  return marks;
}

/** The x domain every time-series chart shares, so charts stacked on the page line up. */
export function timeDomain(dates: Date[], plan?: PlanContext): [Date, Date] | undefined {
  const all = [...dates];
  if (plan) {
    for (const p of plan.phases) all.push(p.from, endOfDay(p.to));
    if (plan.baseline) all.push(plan.baseline.from);
    if (plan.final) all.push(endOfDay(plan.final.to));
  }
  if (!all.length) return undefined;
  const times = all.map((d) => d.getTime());
  return [new Date(Math.min(...times)), new Date(Math.max(...times))];
}

/**
 * Plot's output as markup. Serialized here rather than with outerHTML because linkedom leaves `<`,
 * `>` and `&` unescaped inside SVG attribute values (aria-label carries titles from config): every
 * attribute and text node is escaped, so a label can never become markup.
 */
export function toSvg(el: Element): string {
  return serialize(el);
}

function serialize(node: Node): string {
  if (node.nodeType === 3) return escapeHtml(node.textContent ?? "");
  if (node.nodeType !== 1) return "";
  const el = node as Element;
  const tag = el.localName;
  let out = `<${tag}`;
  for (const attr of Array.from(el.attributes)) out += ` ${attr.name}="${escapeHtml(attr.value)}"`;
  out += ">";
  for (const child of Array.from(el.childNodes)) out += serialize(child);
  return `${out}</${tag}>`;
}

/** Median of the last k values (fewer at the start), the trend line of weekly series. */
export function rollingMedian(values: (number | null)[], k = 5): (number | null)[] {
  return values.map((_, i) => {
    const win = values.slice(Math.max(0, i - k + 1), i + 1).filter((v): v is number => v != null && Number.isFinite(v));
    return win.length ? median(win) : null;
  });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Options every chart over the plan's timeline takes. */
export interface TimeChartOptions extends ChartDocument {
  plan?: PlanContext;
  xDomain?: [Date, Date];
  title?: string;
  description?: string;
  width?: number;
  height?: number;
}

const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Jan" on month ticks, "Jan 2026" in January so the year is never ambiguous. */
export function monthTick(d: Date, i: number): string {
  const m = MONTH_NAMES[d.getUTCMonth()]!;
  return d.getUTCMonth() === 0 || i === 0 ? `${m} ${d.getUTCFullYear()}` : m;
}

/** The x axis of timeline charts: UTC time over the plan's domain, a labelled tick per month. */
export function monthAxis(xDomain?: [Date, Date]) {
  return { type: "utc", domain: xDomain, label: null, ticks: "month", tickFormat: monthTick } as const;
}
