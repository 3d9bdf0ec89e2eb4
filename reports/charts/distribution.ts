import * as Plot from "@observablehq/plot";
import { baseOptions, PALETTE, type ChartDocument } from "./common.ts";

export interface DistributionRow {
  window: "Baseline" | "Final";
  value: number;
}

export interface DistributionOptions extends ChartDocument {
  xLabel: string;
  title?: string;
  description?: string;
  width?: number;
  height?: number;
}

const DEFAULTS = { width: 440, height: 170 };

/** Duration ticks a person reads at a glance on a log axis of hours. */
export const DURATION_TICKS: [hours: number, label: string][] = [
  [1 / 60, "1 min"], [5 / 60, "5 min"], [0.25, "15 min"], [0.5, "30 min"], [1, "1 h"], [2, "2 h"], [4, "4 h"], [8, "8 h"],
  [24, "1 d"], [48, "2 d"], [96, "4 d"], [168, "1 wk"], [336, "2 wk"], [720, "30 d"], [1440, "60 d"],
];

/** Up to `most` ticks inside [min, max], spaced evenly enough on the log scale to stay legible. */
export function durationTicks(min: number, max: number, most = 6): [number, string][] {
  const lo = Math.max(min, 1 / 120);
  const hi = Math.max(max, lo * 2);
  const inRange = DURATION_TICKS.filter(([h]) => h >= lo && h <= hi);
  const step = Math.log(hi / lo) / most;
  const out: [number, string][] = [];
  for (const t of inRange) if (!out.length || Math.log(t[0] / out[out.length - 1]![0]) >= step * 0.9) out.push(t);
  return out;
}

/**
 * Baseline versus final as box plots on a log scale (durations are skewed: a median and quartiles
 * say more than a mean). Values ≤ 0 cannot sit on a log scale and are not drawn (a zero lead time
 * still counts in the statistics; negative ones are counted in data quality).
 */
export function distributionChart(rows: DistributionRow[], options: DistributionOptions): Element {
  const { width, height } = { ...DEFAULTS, ...options };
  const data = rows.filter((r) => r.value > 0 && Number.isFinite(r.value));
  const counts = new Map<string, number>();
  for (const r of data) counts.set(r.window, (counts.get(r.window) ?? 0) + 1);
  const values = data.map((r) => r.value);
  const ticks = durationTicks(Math.min(...values), Math.max(...values));
  // Drawn on log10 values with a linear scale: Plot hands a log scale's tick labels to d3, which
  // blanks some of them; the labels here are exactly the durations chosen above.
  const labels = new Map(ticks.map(([h, label]) => [Math.log10(h), label]));
  const logged = data.map((r) => ({ window: r.window, value: Math.log10(r.value) }));
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginLeft: 112,
    marginRight: 20,
    x: { type: "linear", label: options.xLabel, grid: true, ticks: [...labels.keys()], tickFormat: (l: number) => labels.get(l) ?? "" },
    y: { domain: ["Baseline", "Final"], label: null, tickFormat: (w: string) => `${w} (n=${counts.get(w) ?? 0})` },
    color: { domain: ["Baseline", "Final"], range: [PALETTE.baseline, PALETTE.final] },
    marks: [Plot.boxX(logged, { x: "value", y: "window", fill: "window", fillOpacity: 0.35, stroke: PALETTE.ink, r: 1.5 })],
  });
}
