import { spawn } from "node:child_process";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

/** One measured figure, with the goal it is read against. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  goal?: string;
  met?: boolean;
  note?: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run: () => Promise<Figure[]>;
}

export interface Measured {
  ms: number;
  maxRssMb: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs a command in a child process under GNU time to get its wall time and peak RSS (the figure
 * users see), independent of this process's own memory.
 */
export function measure(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; echoStderr?: boolean } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const useTime = existsSync("/usr/bin/time");
    const child = useTime
      ? spawn("/usr/bin/time", ["-f", "MAXRSS_KB=%M", cmd, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } })
      : spawn(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      // warnings as they come (a rate-limit wait of an hour must not look like a hang)
      if (options.echoStderr) process.stderr.write(d.toString().replace(/MAXRSS_KB=\d+\n?/, ""));
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      const kb = Number(/MAXRSS_KB=(\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ ms, maxRssMb: kb / 1024, stdout, stderr: stderr.replace(/MAXRSS_KB=\d+\n?/, ""), code });
    });
  });
}

export function machine(): string {
  // The load average says whether the figures were taken on a quiet machine.
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}, load average ${loadavg()[0]!.toFixed(1)} at start`;
}

/** Appends a dated section with the machine and each figure to bench/RESULTS.md. */
export function record(path: string, bench: Benchmark, figures: Figure[], when = new Date()): void {
  if (!existsSync(path)) writeFileSync(path, "# Benchmark results\n\nAppended by `npm run bench`; newest last. Figures are wall time and peak RSS on the machine named.\n");
  const lines = [
    "",
    `## ${bench.name} — ${when.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    `${bench.description}`,
    "",
    `Machine: ${machine()}`,
    "",
    "| figure | value | goal | met |",
    "| --- | --- | --- | --- |",
    ...figures.map(
      (f) => `| ${f.name}${f.note ? ` (${f.note})` : ""} | ${formatValue(f.value)} ${f.unit} | ${f.goal ?? ""} | ${f.met === undefined ? "" : f.met ? "yes" : "**no**"} |`,
    ),
  ];
  appendFileSync(path, `${lines.join("\n")}\n`);
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString("en-US");
  return v.toFixed(2);
}
