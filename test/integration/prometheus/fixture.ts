import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, constants, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

/**
 * A known latency distribution, written as OpenMetrics histograms for `promtool tsdb
 * create-blocks-from openmetrics`, and a real Prometheus started over the blocks.
 */

export interface SeriesSpec {
  metric: string;
  labels: Record<string, string>;
  bounds: number[];
  /** Requests per sample step at time t (unix s). */
  rate: (t: number) => number;
  /** Share of requests ≤ each bound at time t (same length as bounds, non-decreasing, ≤ 1). */
  cdf: (t: number) => number[];
  /** Times (unix s) at which the process restarts: every counter starts again from 0. */
  resets?: number[];
  /** Bounds added to the layout later: bound → first sample time (before it, the bucket series does not exist). */
  boundsFrom?: Record<string, number>;
}

/** Writes one OpenMetrics file (samples every `step` seconds from start to end inclusive); returns the sample count. */
export function writeOpenMetrics(file: string, series: SeriesSpec[], start: number, end: number, step: number): number {
  const lines: string[] = [];
  let samples = 0;
  for (const metric of [...new Set(series.map((s) => s.metric))]) {
    lines.push(`# TYPE ${metric} histogram`, `# UNIT ${metric} seconds`, `# HELP ${metric} Request latency.`);
    const members = series.filter((s) => s.metric === metric);
    const state = members.map((s) => ({ counts: new Array<number>(s.bounds.length + 1).fill(0), sum: 0 }));
    for (let t = start; t <= end; t += step) {
      members.forEach((s, i) => {
        const st = state[i]!;
        if (s.resets?.includes(t)) {
          st.counts.fill(0);
          st.sum = 0;
        } else if (t > start) {
          const n = Math.round(s.rate(t));
          const cdf = s.cdf(t);
          cdf.forEach((share, b) => (st.counts[b]! += Math.round(n * share)));
          st.counts[s.bounds.length]! += n;
          st.sum += n * 0.1;
        }
        const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`);
        const at = (extra: string[]) => `{${[...labels, ...extra].join(",")}}`;
        s.bounds.forEach((le, b) => {
          const from = s.boundsFrom?.[String(le)];
          if (from !== undefined && t < from) return;
          lines.push(`${metric}_bucket${at([`le="${le}"`])} ${st.counts[b]} ${t}`);
          samples++;
        });
        lines.push(`${metric}_bucket${at(['le="+Inf"'])} ${st.counts[s.bounds.length]} ${t}`);
        lines.push(`${metric}_count${at([])} ${st.counts[s.bounds.length]} ${t}`);
        lines.push(`${metric}_sum${at([])} ${st.sum.toFixed(3)} ${t}`);
        samples += 3;
      });
    }
  }
  lines.push("# EOF");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return samples;
}

/** The directory on PATH holding every one of `names`, or undefined. */
export function findBinaries<N extends string>(...names: N[]): Record<N, string> | undefined {
  const out = {} as Record<N, string>;
  for (const name of names) {
    const dir = (process.env.PATH ?? "").split(delimiter).find((d) => {
      try {
        accessSync(join(d, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    if (!dir) return undefined;
    out[name] = join(dir, name);
  }
  return out;
}

/** Backfills the OpenMetrics file into TSDB blocks under `dataDir`. */
export function backfill(promtool: string, file: string, dataDir: string): void {
  // One block for the whole range: with the default 2 h blocks promtool re-reads the file per block
  // (a minute for a month of data instead of well under a second).
  const result = spawnSync(promtool, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=2400h", file, dataDir], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`promtool failed (${result.status}): ${result.stderr || result.stdout}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface RunningPrometheus {
  url: string;
  stop: () => Promise<void>;
}

/**
 * Starts prometheus on 127.0.0.1 over `dataDir` and waits until /-/ready answers 200; with
 * `scrape`, it scrapes that host:port every second.
 */
export async function startPrometheus(binary: string, dir: string, dataDir: string, scrape?: string): Promise<RunningPrometheus> {
  const config = join(dir, "prometheus.yml");
  const scrapeConfigs = scrape ? `\n  - job_name: node\n    scrape_interval: 1s\n    static_configs: [{ targets: ["${scrape}"] }]\n` : " []\n";
  writeFileSync(config, `global:\n  scrape_interval: 1m\nscrape_configs:${scrapeConfigs}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      "--storage.tsdb.retention.time=400d",
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) return { url, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`prometheus did not become ready at ${url}: ${stderr}`);
}
