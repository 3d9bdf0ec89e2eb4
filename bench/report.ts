// Report build time and size: `node --import tsx bench/report.ts` (or via bench/run.ts once registered).
// Goals from the issue: default demo < 5 s, index.html < 2 MB for 6 services × 14 months, 50 services < 15 s.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { demoConfig, loadDemo } from "../collectors/demo/index.ts";
import { buildReport } from "../reports/render.ts";
import { runTransforms } from "../transforms/run.ts";
import { Warehouse } from "../warehouse/warehouse.ts";
import type { Benchmark, Figure } from "./harness.ts";

async function measureReport(services: number, runs: number, pdf: boolean): Promise<{ ms: number; htmlBytes: number; pdfMs?: number; steps: Record<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), "dora-bench-report-"));
  const w = await Warehouse.open(join(dir, "w.duckdb"));
  try {
    const config = demoConfig({ services });
    // Daily latency buckets keep the 50-service setup short; the report reads weekly metrics either way.
    await loadDemo(w, config, services > 6 ? { bucketSeconds: 86_400 } : {});
    await runTransforms(w, config);
    const times: number[] = [];
    let steps: Record<string, number> = {};
    for (let i = 0; i < runs; i++) {
      const marks: [string, number][] = [];
      const started = performance.now();
      await buildReport(w, { out: join(dir, `r${i}`), pdf: false, onProgress: (s) => marks.push([s, performance.now()]) });
      const ended = performance.now();
      times.push(ended - started);
      steps = Object.fromEntries(marks.map(([s, t], j) => [s, (marks[j + 1]?.[1] ?? ended) - t]));
    }
    times.sort((a, b) => a - b);
    const htmlBytes = statSync(join(dir, "r0", "index.html")).size;
    let pdfMs: number | undefined;
    if (pdf) {
      const started = performance.now();
      await buildReport(w, { out: join(dir, "pdf"), pdf: true });
      pdfMs = performance.now() - started;
    }
    return { ms: times[Math.floor(times.length / 2)]!, htmlBytes, pdfMs, steps };
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const reportBench: Benchmark = {
  name: "dora report",
  description: "buildReport on the demo warehouse after transforms (collection and transforms not timed): median of 3 builds without PDF, then one with the PDF; 6 and 50 services.",
  run: async () => {
    const figures: Figure[] = [];
    const six = await measureReport(6, 3, true);
    figures.push({ name: "report, 6 services (no PDF)", value: six.ms / 1000, unit: "s", goal: "< 5 s", met: six.ms < 5000, note: Object.entries(six.steps).map(([s, ms]) => `${s} ${Math.round(ms)} ms`).join("; ") });
    figures.push({ name: "index.html, 6 services × 14 months", value: six.htmlBytes / 1e6, unit: "MB", goal: "< 2 MB", met: six.htmlBytes < 2e6 });
    if (six.pdfMs != null) figures.push({ name: "report with PDF, 6 services", value: six.pdfMs / 1000, unit: "s" });
    const fifty = await measureReport(50, 1, false);
    figures.push({ name: "report, 50 services (no PDF)", value: fifty.ms / 1000, unit: "s", goal: "< 15 s", met: fifty.ms < 15000, note: Object.entries(fifty.steps).map(([s, ms]) => `${s} ${Math.round(ms)} ms`).join("; ") });
    figures.push({ name: "index.html, 50 services", value: fifty.htmlBytes / 1e6, unit: "MB" });
    return figures;
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const f of await reportBench.run()) console.log(`${f.name}: ${f.value.toFixed(2)} ${f.unit}${f.goal ? `  (goal ${f.goal}: ${f.met ? "met" : "NOT met"})` : ""}${f.note ? `  [${f.note}]` : ""}`);
}
