import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { measure, type Benchmark, type Figure } from "./harness.ts";

const BIN = resolve("bin/dora.js");

/** `dora demo` end to end (generate → warehouse → transforms → report), as a newcomer runs it. */
export const demoBench: Benchmark = {
  name: "dora demo",
  description: "`dora demo` (6 services, 2 + 12 months, default seed) in a fresh folder: generate, write the warehouse, transform, report. Median of 3 runs; peak RSS is the largest.",
  run: async () => {
    const figures: Figure[] = [];
    for (const pdf of [false, true]) {
      const times: number[] = [];
      let rss = 0;
      let htmlBytes = 0;
      for (let i = 0; i < 3; i++) {
        const dir = mkdtempSync(join(tmpdir(), "dora-bench-demo-"));
        try {
          const r = await measure(process.execPath, [BIN, "demo", "--out", "out", ...(pdf ? [] : ["--no-pdf"])], { cwd: dir, env: { CI: "true" } });
          if (r.code !== 0) throw new Error(`dora demo failed: ${r.stderr}`);
          times.push(r.ms);
          rss = Math.max(rss, r.maxRssMb);
          htmlBytes = statSync(join(dir, "out", "report", "index.html")).size;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
      const median = times.sort((a, b) => a - b)[1]! / 1000;
      const label = pdf ? "with report.pdf" : "without PDF";
      figures.push({ name: `wall time, ${label}`, value: median, unit: "s", goal: "< 20 s", met: median < 20 });
      figures.push({ name: `peak RSS, ${label}`, value: rss, unit: "MB" });
      if (!pdf) figures.push({ name: "index.html size", value: htmlBytes / 1024, unit: "KiB", goal: "< 2 MB", met: htmlBytes < 2 * 1024 * 1024 });
    }
    return figures;
  },
};
