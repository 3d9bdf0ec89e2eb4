import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { measure, type Benchmark, type Figure } from "./harness.ts";

/**
 * `dora collect` (its own process, under GNU time) against `npm run sim` (another process), for 1× and
 * 10× the history of the same organisation: the collectors stream pages, so the collector's peak
 * RSS should stay flat while the history grows tenfold.
 */
async function collectOnce(repos: number, months: number): Promise<{ rssMb: number; s: number; requests: string }> {
  const dir = mkdtempSync(join(tmpdir(), "dora-bench-memory-"));
  const config = join(dir, "sim.config.yaml");
  const sim = spawn(process.execPath, ["--import", "tsx", resolve("test/sim/cli.ts"), "--repos", String(repos), "--months", String(months), "--out", config], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    let out = "";
    await new Promise<void>((ok, fail) => {
      sim.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (/^config /m.test(out)) ok();
      });
      sim.on("exit", (code) => fail(new Error(`sim exited with ${code}: ${out}`)));
    });
    const env: NodeJS.ProcessEnv = { CI: "true" };
    for (const m of out.matchAll(/export (\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
    const r = await measure(process.execPath, [resolve("bin/dora.js"), "collect", "--config", config, "--warehouse", join(dir, "w.duckdb"), "--since", "2020-01-01", "--quiet"], { env });
    if (r.code !== 0) throw new Error(`dora collect failed: ${r.stderr}`);
    return { rssMb: r.maxRssMb, s: r.ms / 1000, requests: r.stdout.trim().split("\n").slice(-3).join(" ") };
  } finally {
    sim.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scaleMemoryBench: Benchmark = {
  name: "scale: collector memory as history grows",
  description: "`dora collect --since 2020-01-01` in its own process against `npm run sim` in another (GitHub, PagerDuty and Prometheus with hourly latency buckets): 3 repositories with 4 plan months (+2 before) and with 58 plan months (+2 before), 10× the history; and 30 repositories with 4 plan months (+2 before), 10× the organisation. Peak RSS of the collector process only.",
  run: async () => {
    const small = await collectOnce(3, 4);
    const large = await collectOnce(3, 58);
    const wide = await collectOnce(30, 4);
    const figures: Figure[] = [
      { name: "peak RSS, 1× history (6 months)", value: small.rssMb, unit: "MB" },
      { name: "peak RSS, 10× history (60 months)", value: large.rssMb, unit: "MB", goal: "flat (within 1.5× of 1×)", met: large.rssMb < small.rssMb * 1.5 },
      { name: "peak RSS, 10× repositories (30, 6 months)", value: wide.rssMb, unit: "MB", goal: "flat (within 1.5× of 1×)", met: wide.rssMb < small.rssMb * 1.5 },
      { name: "collect wall time, 1× history", value: small.s, unit: "s" },
      { name: "collect wall time, 10× history", value: large.s, unit: "s" },
      { name: "collect wall time, 10× repositories", value: wide.s, unit: "s" },
    ];
    return figures;
  },
};
