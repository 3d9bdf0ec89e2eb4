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

/** "P1", "P2" …: the short code a phase carries on charts (its full name and dates are in the key). */
export function phaseCode(i: number): string {
  return `P${i + 1}`;
}

/** "M1", "M2" …: the short code a milestone carries on charts. */
export function milestoneCode(i: number): string {
  return `M${i + 1}`;
}

/** Pixels between two labels on one row below which they would touch ("M12" at 10 px is ~20 px wide). */
const LABEL_GAP = 24;

/**
 * Milestones whose codes would overprint at this width share one label ("M3–4") at the first one's
 * date; each keeps its own dashed rule.
 */
export function milestoneLabels(milestones: { date: Date }[], xDomain: [Date, Date] | undefined, plotWidth: number | undefined): { date: Date; text: string }[] {
  const px = (d: Date) => (xDomain && plotWidth ? ((d.getTime() - xDomain[0].getTime()) / (xDomain[1].getTime() - xDomain[0].getTime())) * plotWidth : 0);
  const out: { date: Date; text: string; first: number; last: number; x: number }[] = [];
  milestones.forEach((m, i) => {
    const prev = out[out.length - 1];
    if (prev && xDomain && plotWidth && px(m.date) - prev.x < LABEL_GAP) {
      prev.last = i;
    } else out.push({ date: m.date, text: "", first: i, last: i, x: px(m.date) });
  });
  return out.map((g) => ({ date: g.date, text: g.first === g.last ? milestoneCode(g.first) : `M${g.first + 1}–${g.last + 1}` }));
}

/**
 * The plan drawn behind a time series: phases as alternating bands labelled with their codes (P1, P2 …),
 * baseline and final windows shaded, milestones as dashed rules labelled M1, M2 …. Full names and dates
 * sit in the key under the chart (and in the plan timeline), where long text cannot collide.
 */
export function planMarks(plan: PlanContext | undefined, options: { labels?: boolean; xDomain?: [Date, Date]; plotWidth?: number } = {}): Plot.Markish[] {
  if (!plan) return [];
  const labels = options.labels ?? true;
  const span = options.xDomain ? options.xDomain[1].getTime() - options.xDomain[0].getTime() : 0;
  const widthPx = (from: Date, to: Date) => (span && options.plotWidth ? ((to.getTime() - from.getTime()) / span) * options.plotWidth : Infinity);
  const phases = plan.phases.map((p, i) => {
    const end = endOfDay(p.to);
    // A band too narrow for its code stays unlabelled; the key still names it.
    return { ...p, i, end, mid: new Date((p.from.getTime() + end.getTime()) / 2), code: widthPx(p.from, end) >= 20 ? phaseCode(i) : "" };
  });
  const windows = [
    plan.baseline && { name: "Baseline", from: plan.baseline.from, to: endOfDay(plan.baseline.to) },
    plan.final && { name: "Final", from: plan.final.from, to: endOfDay(plan.final.to) },
  ].filter((x): x is { name: string; from: Date; to: Date } => Boolean(x));
  const marks: Plot.Markish[] = [
    Plot.rectX(phases.filter((p) => p.i % 2 === 1), { x1: "from", x2: "end", fill: PALETTE.band }),
    Plot.rectX(windows, { x1: "from", x2: "to", fill: PALETTE.window, fillOpacity: 0.16 }),
    Plot.ruleX(phases.slice(1), { x: "from", stroke: PALETTE.grid }),
    Plot.ruleX(plan.milestones, { x: "date", stroke: PALETTE.muted, strokeDasharray: "3,3", strokeWidth: 1 }),
  ];
  if (labels) {
    marks.push(
      Plot.text(phases, { x: "mid", text: "code", frameAnchor: "top", dy: -22, fill: PALETTE.muted, fontSize: 11, fontWeight: 600 }),
      Plot.text(windows.filter((w) => widthPx(w.from, w.to) >= 44), { x: (d: { from: Date; to: Date }) => new Date((d.from.getTime() + d.to.getTime()) / 2), text: "name", frameAnchor: "bottom", dy: -6, fill: PALETTE.accent, fontSize: 10, fontWeight: 600 }),
      Plot.text(milestoneLabels(plan.milestones, options.xDomain, options.plotWidth), { x: "date", text: "text", frameAnchor: "top", dy: -6, fill: PALETTE.ink, fontSize: 10, fontWeight: 700 }),
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

/** Month steps a time axis may take, finest first; 12 and more label years only. */
const STEPS = [1, 2, 3, 6, 12, 24, 60] as const;

/**
 * Tick dates for a time axis `plotWidth` pixels wide: the finest month step whose labels stay at least
 * `minGap` pixels apart ("Jan 2026" is ~50 px at 11 px type), so labels never overprint at any span.
 */
export function timeTicks(xDomain: [Date, Date] | undefined, plotWidth: number, minGap = 58): { ticks: Date[]; step: number } {
  if (!xDomain) return { ticks: [], step: 1 };
  const [a, b] = [xDomain[0].getTime(), xDomain[1].getTime()];
  const months = Math.max(1 / 30, (b - a) / (30.44 * DAY_MS));
  const step = STEPS.find((s) => (plotWidth / months) * s >= minGap) ?? 60;
  const ticks: Date[] = [];
  const start = new Date(a);
  const y = start.getUTCFullYear();
  let m = start.getUTCMonth() + (start.getUTCDate() === 1 && start.getUTCHours() === 0 ? 0 : 1);
  // Align to the step (quarters start in Jan/Apr/Jul/Oct, years in January).
  for (;;) {
    const t = Date.UTC(y + Math.floor(m / 12), ((m % 12) + 12) % 12, 1);
    if (t > b) break;
    const d = new Date(t);
    const index = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (index % step === 0) ticks.push(d);
    m++;
    if (ticks.length > 400) break;
  }
  return { ticks, step };
}

/** Tick labels for a step: month names (year at January and on the first), or years alone for steps of a year or more. */
export function tickLabel(step: number): (d: Date, i: number) => string {
  return step >= 12 ? (d: Date) => String(d.getUTCFullYear()) : monthTick;
}

/** The x axis of timeline charts: UTC time over the plan's span, ticks thinned to what `plotWidth` fits. */
export function monthAxis(xDomain?: [Date, Date], plotWidth = 850) {
  const { ticks, step } = timeTicks(xDomain, plotWidth);
  return { type: "utc", domain: xDomain, label: null, ticks, tickFormat: tickLabel(step) } as const;
}

/** "Jan 26": labels of small charts. */
export function shortMonth(d: Date): string {
  return `${MONTH_NAMES[d.getUTCMonth()]} ${String(d.getUTCFullYear()).slice(2)}`;
}

/** Ticks of small multiples: "Jan 26" labels (~40 px), thinned to the width like the large charts. */
export function smallTicks(xDomain: [Date, Date] | undefined, plotWidth: number) {
  const { ticks, step } = timeTicks(xDomain, plotWidth, 52);
  return { ticks, tickFormat: step >= 12 ? (d: Date) => String(d.getUTCFullYear()) : shortMonth };
}
