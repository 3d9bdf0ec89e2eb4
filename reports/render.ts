import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseHTML } from "linkedom";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { toCsv } from "./csv.ts";
import { loadReportData, type ReportData } from "./data.ts";
import { pageContext } from "./pages/context.ts";
import type { ChartSpec } from "./pages/figure.ts";
import { itemListCsv, itemLists } from "./pages/item-lists.ts";
import { kpiCharts } from "./pages/kpis.ts";
import { allCharts, reportPage, type ReportCharts } from "./pages/report-page.ts";
import { serviceCharts } from "./pages/services.ts";
import { slidesPage } from "./pages/slides.ts";
import { distributionCharts, latencyCharts, stagesChartSpec, trendCharts } from "./pages/trends.ts";
import { findChromium, PDF_SKIPPED, printPdf } from "./pdf.ts";

export interface BuildReportOptions {
  /** Output directory (report/). */
  out: string;
  /** true: PDF required (error when Chromium is missing); "auto" (default): PDF when Chromium is found; false: none. */
  pdf?: boolean | "auto";
  /** The "generated" time shown in the report (fixed in tests). */
  now?: Date;
  toolVersion?: string;
  onProgress?: (step: string) => void;
}

export interface BuildReportResult {
  files: string[];
  warnings: string[];
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Renders every chart of the report into `document` (linkedom on the server). */
export function renderCharts(data: ReportData, document: Document): { charts: ReportCharts; ctx: ReturnType<typeof pageContext> } {
  const ctx = pageContext(data, document);
  const charts: ReportCharts = {
    trends: trendCharts(ctx),
    latency: latencyCharts(ctx),
    distributions: distributionCharts(ctx),
    stages: stagesChartSpec(ctx),
    services: serviceCharts(ctx),
    kpis: kpiCharts(ctx),
  };
  blankUnmeasured(allCharts(charts), data);
  return { charts, ctx };
}

/**
 * Every comparison of the report as data/comparison.csv: the numbers behind each card and table row with
 * their status, so a metric whose source is not configured reads "not measured" with empty values, never 0.
 */
export function comparisonCsv(data: ReportData): string {
  const columns = [
    "metric", "service", "status", "verdict", "measured_by", "window_kind", "baseline_from", "baseline_to", "final_from", "final_to",
    "baseline_value", "final_value", "unit", "change_pct", "ci_low", "ci_high", "interval_of", "p_value", "q_value", "n_baseline", "n_final",
    "n_open_baseline", "n_open_final", "tier_baseline", "tier_final", "target_met",
  ] as const;
  return toCsv(
    [...columns],
    data.comparison.map((r) => {
      const measured = r.verdict !== "not measured";
      // a metric not measured has no values: its counts are left empty too, never 0
      const kept = new Set<string>(["metric", "service", "verdict", "measured_by", "window_kind", "baseline_from", "baseline_to", "final_from", "final_to", "unit"]);
      return columns.map((c) => (c === "status" ? (measured ? "measured" : "not measured") : measured || kept.has(c) ? r[c] : null));
    }),
  );
}

/** The metric each chart over a single source's data draws (the all-services comparison row says whether it is measured). */
const CHART_METRIC: Record<string, string> = {
  "restore-weekly": "time_to_restore",
  "restore-distribution": "time_to_restore",
  "oncall-load": "pages_per_week",
  "pipeline-time-weekly": "pipeline_time",
  "availability-weekly": "availability",
  "cost-per-transaction-monthly": "cost_per_transaction",
};

/**
 * A chart whose source is not configured draws nothing and its table and CSV hold no rows: the dense
 * weekly tables read 0 pages or 0 runs for every week, and a zero there would read as measured.
 */
function blankUnmeasured(charts: ChartSpec[], data: ReportData): void {
  for (const chart of charts) {
    const metric = CHART_METRIC[chart.id];
    const row = metric ? data.comparison.find((r) => r.metric === metric && r.service === "*") : undefined;
    if (row?.verdict !== "not measured") continue;
    chart.svg = null;
    chart.empty = `not measured — configure ${row.measured_by ?? "its source"} to measure it.`;
    chart.table = { columns: chart.table.columns, rows: [] };
    if (chart.csv) chart.csv = { columns: chart.csv.columns, rows: [] };
  }
}

/**
 * report/index.html (self-contained), report/slides.html, report/data/<chart>.csv and, with Chromium,
 * report/report.pdf — all from metrics.* and seeds.* (plus sync.runs for the data's age).
 */
export async function buildReport(w: Warehouse, options: BuildReportOptions): Promise<BuildReportResult> {
  const progress = options.onProgress ?? (() => undefined);
  const warnings: string[] = [];
  const files: string[] = [];
  const info = { generatedAt: options.now ?? new Date(), toolVersion: options.toolVersion ?? packageVersion() };

  progress("reading metrics");
  const data = await loadReportData(w);
  if (data.missing.length) warnings.push(`Tables not found, their sections show "no data": ${data.missing.join(", ")}`);
  if (data.stale) warnings.push("metrics.* were built before the latest successful collection: run dora transform, then the report");

  progress("rendering charts");
  const { document } = parseHTML("<!doctype html><html><head></head><body></body></html>");
  const { charts, ctx } = renderCharts(data, document as unknown as Document);

  progress("writing index.html and slides.html");
  mkdirSync(join(options.out, "data"), { recursive: true });
  const write = (name: string, content: string) => {
    const file = join(options.out, name);
    writeFileSync(file, content);
    files.push(file);
  };
  write("index.html", reportPage(ctx, charts, info));
  write("slides.html", slidesPage(ctx, charts, info));

  progress("writing chart data (CSV)");
  for (const c of allCharts(charts)) {
    const t = c.csv ?? c.table;
    write(join("data", `${c.id}.csv`), toCsv(t.columns, t.rows));
  }
  write(join("data", "comparison.csv"), comparisonCsv(data));
  // The evidence lists of the cards, for reading without scripts and in a spreadsheet.
  mkdirSync(join(options.out, "evidence"), { recursive: true });
  for (const [name, list] of Object.entries(itemLists(data))) {
    const t = itemListCsv(list);
    write(join("evidence", `${name}.csv`), toCsv(t.columns, t.rows));
  }

  const pdf = options.pdf ?? "auto";
  if (pdf !== false) {
    const chromium = findChromium();
    if (!chromium) {
      if (pdf === true) throw new Error(PDF_SKIPPED.replace("PDF skipped", "cannot print the PDF"));
      warnings.push(PDF_SKIPPED);
    } else {
      progress("printing report.pdf and slides.pdf");
      const file = join(options.out, "report.pdf");
      const slidesFile = join(options.out, "slides.pdf");
      try {
        await printPdf(join(options.out, "index.html"), file, chromium, { footer: data.settings.title });
        files.push(file);
        await printPdf(join(options.out, "slides.html"), slidesFile, chromium, { query: "?print" });
        files.push(slidesFile);
      } catch (error) {
        // "auto" never costs the user the HTML report; an explicit request for the PDF fails loudly.
        const message = `PDF skipped: Chromium at ${chromium} failed: ${(error as Error).message.split("\n")[0]}`;
        if (pdf === true) throw new Error(message.replace("PDF skipped", "cannot print the PDF"), { cause: error });
        warnings.push(message);
      }
    }
  }
  return { files, warnings };
}
