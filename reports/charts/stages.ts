import * as Plot from "@observablehq/plot";
import { baseOptions, PALETTE, type ChartDocument } from "./common.ts";

export const STAGES = ["coding", "pickup", "review", "deploy"] as const;
export type Stage = (typeof STAGES)[number];

export interface StageRow {
  window: "Baseline" | "Final";
  stage: Stage;
  hours: number | null;
}

export interface StageOptions extends ChartDocument {
  title?: string;
  description?: string;
  width?: number;
  height?: number;
  format?: (hours: number) => string;
  /**
   * The headline median lead time of each window (the number on the Lead time card): drawn as a mark
   * on the bar's row, since medians of stages do not add up to the median of their sums.
   */
  reference?: { window: "Baseline" | "Final"; hours: number }[];
}

const DEFAULTS = { width: 920, height: 200 };
const MARGIN = { top: 30, bottom: 34 };
const PADDING = 0.4;

interface Segment {
  window: string;
  stage: Stage;
  x1: number;
  x2: number;
  hours: number;
}

/** Median hours per lead-time stage, baseline and final side by side as stacked bars. */
export function stagesChart(rows: StageRow[], options: StageOptions): Element {
  const { width, height } = { ...DEFAULTS, ...options };
  const format = options.format ?? ((h: number) => `${h.toFixed(1)} h`);
  const segments: Segment[] = [];
  for (const window of ["Baseline", "Final"] as const) {
    let x = 0;
    for (const stage of STAGES) {
      const hours = rows.find((r) => r.window === window && r.stage === stage)?.hours;
      if (hours == null || !(hours > 0)) continue;
      segments.push({ window, stage, x1: x, x2: x + hours, hours });
      x += hours;
    }
  }
  const reference = (options.reference ?? []).filter((r) => Number.isFinite(r.hours) && r.hours > 0);
  const total = Math.max(1, ...segments.map((s) => s.x2), ...reference.map((r) => r.hours));
  const totals = (["Baseline", "Final"] as const).map((window) => ({ window, x: Math.max(0, ...segments.filter((s) => s.window === window).map((s) => s.x2)) })).filter((t) => t.x > 0);
  const plotWidth = width - 72 - 60;
  const px = (s: Segment) => ((s.x2 - s.x1) / (total * 1.12)) * plotWidth;
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginLeft: 72,
    marginTop: MARGIN.top,
    marginBottom: MARGIN.bottom,
    marginRight: 60,
    x: { label: reference.length ? "Hours: stage medians stacked; black mark: median lead time" : "Median hours per stage, stacked", grid: true, domain: [0, total * 1.12] },
    y: { domain: ["Baseline", "Final"], label: null, padding: PADDING },
    color: { domain: [...STAGES], range: [...PALETTE.stages] },
    marks: [
      Plot.barX(segments, { x1: "x1", x2: "x2", y: "window", fill: "stage", stroke: "white", strokeWidth: 1 }),
      Plot.text(
        segments.filter((s) => px(s) > 34),
        { x: (s: Segment) => (s.x1 + s.x2) / 2, y: "window", text: (s: Segment) => (px(s) > 110 ? `${s.stage} ${format(s.hours)}` : format(s.hours)), fill: PALETTE.ink, fontSize: 11 },
      ),
      Plot.text(totals, { x: "x", y: "window", text: (t: { x: number }) => `Σ ${format(t.x)}`, textAnchor: "start", dx: 6, fill: PALETTE.muted, fontSize: 11.5 }),
      // the headline median: a black bar across the row, its label just above the row
      Plot.tickX(reference, { x: "hours", y: "window", stroke: PALETTE.ink, strokeWidth: 3 }),
      Plot.text(reference, {
        x: "hours",
        y: "window",
        text: (r: { hours: number }) => `median lead time ${format(r.hours)}`,
        // half a bar's height and a little: the label sits in the gap above its row
        dy: -((height - MARGIN.top - MARGIN.bottom) / 2) * (1 - PADDING) * 0.5 - 5,
        textAnchor: "middle",
        fill: PALETTE.ink,
        fontWeight: 700,
        fontSize: 11.5,
      }),
    ],
  });
}
