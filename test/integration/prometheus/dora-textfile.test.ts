import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DORA_GAUGES, publishRunMetrics } from "../../../cli/monitoring.ts";
import { buildTrailing } from "../../fixtures/monitoring/trailing.ts";
import { withTempDir } from "../../helpers/db.ts";
import { testConfig, withTransformWarehouse } from "../../unit/transforms/helpers.ts";
import { findBinaries, freePort, startPrometheus } from "./fixture.ts";

const binaries = findBinaries("prometheus", "prometheus-node-exporter");
const inCi = process.env.CI === "true";
if (!binaries && !inCi) {
  console.warn("prometheus/prometheus-node-exporter not found on PATH: skipping the textfile integration test (apt-get install prometheus prometheus-node-exporter)");
}

async function startNodeExporter(binary: string, textDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    ["--collector.disable-defaults", "--collector.textfile", `--collector.textfile.directory=${textDir}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`node exporter exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${url}/metrics`)).ok) return { url, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`node exporter did not start: ${stderr}`);
}

describe.skipIf(!binaries && !inCi)("DORA gauges: dora textfile → node_exporter → Prometheus → PromQL", () => {
  it("PromQL returns the values of metrics.dora_trailing for every service and measure", () =>
    withTempDir(async (tmp) => {
      if (!binaries) throw new Error("CI=true but prometheus/prometheus-node-exporter are not on PATH: install the Debian packages");
      const textDir = join(tmp, "textfile");
      mkdirSync(textDir);
      const config = testConfig({ monitoring: { textfile: join(textDir, "dora.prom") } });
      await withTransformWarehouse(config, async (w) => {
        await buildTrailing(w);
        const now = new Date();
        const warnings = await publishRunMetrics(w, config, { startedAt: now, finishedAt: now, success: true, results: [] });
        expect(warnings).toEqual([]);
        const expected = await w.all<{ measure: string; service: string; value: number }>("SELECT measure, service, value FROM metrics.dora_trailing WHERE value IS NOT NULL");
        expect(expected.length).toBe(21);

        const exporter = await startNodeExporter(binaries["prometheus-node-exporter"], textDir);
        const prometheus = await startPrometheus(binaries.prometheus, tmp, join(tmp, "tsdb"), exporter.url.replace("http://", ""));
        try {
          // node_exporter reports a textfile it cannot parse as node_textfile_scrape_error 1.
          const scraped = await (await fetch(`${exporter.url}/metrics`)).text();
          expect(scraped).toMatch(/^node_textfile_scrape_error 0$/m);
          const query = `${prometheus.url}/api/v1/query?query=${encodeURIComponent('{__name__=~"dora_.+",window="28d"}')}`;
          type Sample = { metric: Record<string, string>; value: [number, string] };
          let result: Sample[] = [];
          // Wait for the first scrapes (one a second); the assertion is on the values, not the time.
          for (let attempt = 0; attempt < 600 && result.length < expected.length; attempt++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            const body = (await (await fetch(query)).json()) as { data: { result: Sample[] } };
            result = body.data.result;
          }
          expect(result).toHaveLength(expected.length);
          for (const row of expected) {
            const g = DORA_GAUGES.find((x) => x.measure === row.measure)!;
            const quantile = g.labels ? /quantile="([^"]+)"/.exec(g.labels)![1] : undefined;
            const sample = result.find((s) => s.metric.__name__ === g.name && s.metric.service === row.service && s.metric.quantile === quantile);
            expect(sample, `${g.name} ${row.service}`).toBeDefined();
            expect(Number(sample!.value[1]), `${g.name} ${row.service}`).toBe(row.value * (g.scale ?? 1));
          }
        } finally {
          await prometheus.stop();
          await exporter.stop();
        }
      });
    }), 120_000);
});
