import * as Plot from "@observablehq/plot";
import { baseOptions, PALETTE, planMarks, smallTicks, type ChartDocument, type PlanContext } from "./common.ts";
import type { TrendRow } from "./trend.ts";

export interface SparklineOptions extends ChartDocument {
  plan?: PlanContext;
  xDomain?: [Date, Date];
  yDomain?: [number, number];
  title?: string;
  description?: string;
  width?: number;
  height?: number;
}

const DEFAULTS = { width: 290, height: 120 };

/** A small multiple: one service's weekly series and rolling median, windows shaded, shared scales. */
export function sparklineChart(rows: TrendRow[], options: SparklineOptions): Element {
  const { width, height } = { ...DEFAULTS, ...options };
  const data = rows.filter((r) => r.value != null);
  return Plot.plot({
    ...baseOptions({ ...options, width, height }),
    marginTop: 8,
    marginLeft: 32,
    marginRight: 8,
    marginBottom: 22,
    x: { type: "utc", domain: options.xDomain, label: null, ...smallTicks(options.xDomain, width - 32 - 8) },
    y: { label: null, grid: true, zero: true, ticks: 3, domain: options.yDomain },
    marks: [
      ...planMarks(options.plan ? { ...options.plan, phases: [], milestones: [] } : undefined, { labels: false }),
      Plot.lineY(data, { x: "date", y: "value", stroke: PALETTE.faint, strokeWidth: 1 }),
      Plot.lineY(
        rows.filter((r) => r.rolling != null),
        { x: "date", y: "rolling", stroke: PALETTE.accent, strokeWidth: 2 },
      ),
    ],
  });
}
