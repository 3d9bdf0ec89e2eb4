import { resolve } from "node:path";
import { measure, type Benchmark, type Figure } from "./harness.ts";

/** `FIGURE name=value unit` lines printed by the scale scripts. */
function figuresOf(stdout: string): Map<string, { value: number; unit: string }> {
  const out = new Map<string, { value: number; unit: string }>();
  for (const m of stdout.matchAll(/^FIGURE (.+?)=(\S+) (.+)$/gm)) out.set(m[1]!, { value: Number(m[2]), unit: m[3]! });
  return out;
}

async function script(file: string, args: string[]) {
  const r = await measure(process.execPath, ["--import", "tsx", resolve(file), ...args], { env: { CI: "true" }, echoStderr: true });
  if (r.code !== 0) throw new Error(`${file} ${args.join(" ")} failed:\n${r.stderr}\n${r.stdout}`);
  return { ...r, figures: figuresOf(r.stdout) };
}

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/**
 * Backfill and nightly run of the scale organisation (test/sim/scale) through the real collectors.
 * Scale from DORA_BENCH_SCALE_REPOS (default 200) and DORA_BENCH_SCALE_MONTHS (default 12).
 */
export const scaleCollectBench: Benchmark = {
  name: "scale: backfill and nightly collection",
  description: `GitHub + PagerDuty collection of the scale organisation (demo generator, ${num("DORA_BENCH_SCALE_REPOS", 200)} repositories × ${num("DORA_BENCH_SCALE_MONTHS", 12)} months, seed 42) from the local simulators with ${num("DORA_BENCH_SCALE_LATENCY_MS", 20)} ms injected latency per request, real Octokit and PagerDuty client over HTTP, on-disk warehouse: backfill of all but the last day, then a nightly run with that day. Simulators run in a worker thread of the same process (their CPU shares the machine's 2 cores; peak RSS includes them and the generated organisation); the nightly run gets a fresh token hour (it runs a day later).`,
  run: async () => {
    const repos = num("DORA_BENCH_SCALE_REPOS", 200);
    const r = await script("bench/scale-collect.ts", [String(repos), String(num("DORA_BENCH_SCALE_MONTHS", 12)), String(num("DORA_BENCH_SCALE_LATENCY_MS", 20))]);
    return collectFigures(r.stdout, r.maxRssMb);
  },
};

/** The figures of one bench/scale-collect.ts run, from its output and peak RSS. */
export function collectFigures(stdout: string, maxRssMb: number): Figure[] {
  const r = { figures: figuresOf(stdout), maxRssMb };
  const f = (name: string) => r.figures.get(name)?.value ?? NaN;
  return [
    { name: "merged PRs served", value: f("merged PRs"), unit: "PRs" },
    { name: "deployments served (all environments and outcomes)", value: f("deployments"), unit: "" },
    { name: "incidents served", value: f("incidents"), unit: "" },
    { name: "backfill: GitHub requests", value: f("backfill GitHub requests"), unit: "requests", goal: "≤ 5,000 (one token's hour)", met: f("backfill GitHub requests") <= 5000 },
    { name: "backfill: GitHub requests per 1,000 merged PRs", value: f("backfill GitHub requests per 1,000 PRs"), unit: "requests" },
    { name: "backfill: GitHub wall time", value: f("backfill GitHub wall time"), unit: "s", goal: "< 600 s", met: f("backfill GitHub wall time") < 600 },
    { name: "backfill: PagerDuty requests", value: f("backfill PagerDuty requests"), unit: "requests" },
    { name: "backfill: wall time, both sources", value: f("backfill wall time"), unit: "s" },
    { name: "nightly: GitHub requests per repo and stream", value: f("nightly GitHub requests per repo and stream"), unit: "requests", goal: "≤ 2", met: f("nightly GitHub requests per repo and stream") <= 2 },
    { name: "nightly: PagerDuty requests per service and stream", value: f("nightly PagerDuty requests per service and stream"), unit: "requests", goal: "≤ 2", met: f("nightly PagerDuty requests per service and stream") <= 2 },
    { name: "nightly: wall time", value: f("nightly wall time"), unit: "s", goal: "< 60 s", met: f("nightly wall time") < 60 },
    { name: "peak RSS (collector + simulators + organisation)", value: r.maxRssMb, unit: "MB" },
  ];
}

/**
 * runTransforms on synthetic warehouses made with SQL: sizes from DORA_BENCH_TRANSFORMS_SIZES
 * (default 10000,100000,1000000), each in its own process for its peak RSS.
 */
export const scaleTransformsBench: Benchmark = {
  name: "scale: transforms",
  description:
    "runTransforms on an on-disk warehouse of N deployments (50 services over 5 years, 1 in 20 failed), 10 N changes, N/10 incidents and hourly latency buckets (7 bounds) for 300 × N/1M routes over 5 years (3 routes at 10k, 300 at 1M), made with SQL (range, hash). Floor = one read of every column of the same tables. Each size in a fresh process; peak RSS includes generating the data.",
  run: async () => {
    const sizes = (process.env.DORA_BENCH_TRANSFORMS_SIZES ?? "10000,100000,1000000").split(",").map(Number);
    const figures: Figure[] = [];
    let previous: { n: number; s: number } | undefined;
    for (const n of sizes) {
      const r = await script("bench/transforms-scale.ts", [String(n)]);
      const s = r.figures.get("transforms")!.value;
      const floor = r.figures.get("read floor")!.value;
      const label = `${n.toLocaleString("en-US")} deployments`;
      const big = n >= 1_000_000;
      figures.push({ name: `transforms, ${label}`, value: s, unit: "s", ...(big ? { goal: "< 60 s", met: s < 60 } : {}) });
      figures.push({ name: `peak RSS, ${label}`, value: r.maxRssMb, unit: "MB", ...(big ? { goal: "< 2,048 MB", met: r.maxRssMb < 2048 } : {}) });
      figures.push({ name: `ratio to DuckDB read floor, ${label}`, value: s / floor, unit: "×", note: `floor ${floor.toFixed(2)} s` });
      if (previous) figures.push({ name: `growth ${previous.n.toLocaleString("en-US")} → ${label}`, value: s / previous.s, unit: `× for ${n / previous.n}× data`, goal: "close to linear" });
      previous = { n, s };
    }
    return figures;
  },
};
