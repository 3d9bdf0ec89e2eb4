import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseHTML } from "linkedom";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { toCsv } from "./csv.ts";
import { loadReportData, type ReportData } from "./data.ts";
import { pageContext } from "./pages/context.ts";
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
  return { charts, ctx };
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
