// Backfill and nightly collection of the scale organisation through the real collectors.
// Run: node --import tsx bench/scale-collect.ts [repos=200] [months=12] [latencyMs=20] [warehouse=:memory:]
// Prints one `FIGURE name=value unit` line per figure (bench/scale.ts reads them).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { addMonths, Config } from "../schemas/config.ts";
import { Warehouse } from "../warehouse/warehouse.ts";
import { collectOrg } from "../test/sim/scale/collect.ts";
import type { SimWorkerReady } from "./scale-sim-worker.ts";

const repos = Number(process.argv[2] ?? 200);
const months = Number(process.argv[3] ?? 12);
const latencyMs = Number(process.argv[4] ?? 20);
const figure = (name: string, value: number, unit: string) => console.log(`FIGURE ${name}=${value} ${unit}`);

// The simulators (and the organisation, last day held back) live in a worker thread: their CPU is
// GitHub's and PagerDuty's, not the collector's.
const worker = new Worker(new URL("./scale-sim-worker.mjs", import.meta.url), { workerData: { repos, months, latencyMs } });
const next = async <T>(kind: string): Promise<T> => {
  for (;;) {
    const [message] = (await once(worker, "message")) as [{ kind: string }];
    if (message.kind === kind) return message as T;
  }
};
worker.on("error", (error) => {
  console.error(`simulator worker failed: ${error.message}`);
  process.exit(1);
});
const ready = await next<SimWorkerReady>("ready");
for (const [name, env] of Object.entries(ready.tokenEnv)) process.env[env] = ready.tokens[name];
const config = Config.parse(ready.config);
const { counts } = ready;
let t: number;
const dir = mkdtempSync(join(tmpdir(), "dora-bench-scale-"));
const w = await Warehouse.open(process.argv[5] ?? join(dir, "w.duckdb"));
try {
  const { prs, deployments } = counts;
  console.log(`organisation: ${repos} repos, ${months} months: ${prs} merged PRs, ${deployments} deployments, ${counts.incidents} incidents (built in ${(ready.buildMs / 1000).toFixed(1)} s)`);
  figure("merged PRs", prs, "PRs");
  figure("deployments", deployments, "deployments");
  figure("incidents", counts.incidents, "incidents");

  const since = new Date(`${addMonths(ready.planStart, -1)}T00:00:00Z`);
  t = performance.now();
  const backfill = await collectOrg(w, config, { since, runId: "backfill", logLevel: "warn" });
  const backfillMs = performance.now() - t;
  if (backfill.github.status !== "success" || backfill.pagerduty.status !== "success") throw new Error(`backfill failed: ${backfill.github.error ?? ""} ${backfill.pagerduty.error ?? ""}`);
  console.log(`backfill: GitHub ${backfill.requests.github} requests (${(backfill.github.durationMs / 1000).toFixed(1)} s), PagerDuty ${backfill.requests.pagerduty} (${(backfill.pagerduty.durationMs / 1000).toFixed(1)} s)`);
  for (const s of backfill.github.streams) if (s.pages) console.log(`  ${s.stream}: ${s.pages} pages, ${s.rows} rows`);
  figure("backfill GitHub requests", backfill.requests.github, "requests");
  figure("backfill GitHub requests per 1,000 PRs", (backfill.requests.github / prs) * 1000, "requests");
  figure("backfill GitHub wall time", backfill.github.durationMs / 1000, "s");
  figure("backfill PagerDuty requests", backfill.requests.pagerduty, "requests");
  figure("backfill wall time", backfillMs / 1000, "s");

  worker.postMessage("release");
  await next("released");
  console.log(`one more day: ${counts.newPulls} merged PRs, ${counts.newDeployments} deployments, ${counts.newIncidents} incidents`);
  t = performance.now();
  const nightly = await collectOrg(w, config, { runId: "nightly", logLevel: "warn" });
  const nightlyMs = performance.now() - t;
  if (nightly.github.status !== "success" || nightly.pagerduty.status !== "success") throw new Error(`nightly failed: ${nightly.github.error ?? ""} ${nightly.pagerduty.error ?? ""}`);
  const ghStreams = nightly.github.streams.filter((s) => s.partitions > 0).length;
  const pdStreams = nightly.pagerduty.streams.filter((s) => s.partitions > 0).length;
  console.log(`nightly: GitHub ${nightly.requests.github} requests over ${ghStreams} streams, PagerDuty ${nightly.requests.pagerduty} over ${pdStreams} streams`);
  figure("nightly GitHub requests per repo and stream", nightly.requests.github / repos / ghStreams, "requests");
  figure("nightly PagerDuty requests per service and stream", nightly.requests.pagerduty / repos / pdStreams, "requests");
  figure("nightly requests", nightly.requests.github + nightly.requests.pagerduty, "requests");
  figure("nightly wall time", nightlyMs / 1000, "s");
} finally {
  w.close();
  worker.postMessage("close");
  await next("closed");
  rmSync(dir, { recursive: true, force: true });
}
