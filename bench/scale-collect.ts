// Backfill and nightly collection of the scale organisation through the real collectors.
// Run: node --import tsx bench/scale-collect.ts [repos=200] [months=12] [latencyMs=20] [warehouse=:memory:]
// Prints one `FIGURE name=value unit` line per figure (bench/scale.ts reads them).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addMonths } from "../schemas/config.ts";
import { Warehouse } from "../warehouse/warehouse.ts";
import { collectOrg } from "../test/sim/scale/collect.ts";
import { buildScaleOrg } from "../test/sim/scale/org.ts";
import { startScaleSim } from "../test/sim/scale/server.ts";
import type { SimDeployment, SimPull } from "../test/sim/github/state.ts";
import type { SimIncident } from "../test/sim/pagerduty/server.ts";

const repos = Number(process.argv[2] ?? 200);
const months = Number(process.argv[3] ?? 12);
const latencyMs = Number(process.argv[4] ?? 20);
const figure = (name: string, value: number, unit: string) => console.log(`FIGURE ${name}=${value} ${unit}`);

let t = performance.now();
const org = buildScaleOrg({ repos, months, monthsBefore: 0 });
const buildMs = performance.now() - t;

// The last day is held back: the backfill sees the organisation as it was yesterday, the nightly run
// sees one more day of deployments, merged PRs and incidents.
const lastDeploy = Math.max(...[...org.github.repos.values()].flatMap((r) => r.deployments.map((d) => Date.parse(d.created_at))));
const cutoff = new Date(lastDeploy - 24 * 3600_000).toISOString();
const heldDeployments = new Map<string, SimDeployment[]>();
const heldPulls = new Map<string, SimPull[]>();
let newDeployments = 0;
let newPulls = 0;
for (const [name, repo] of org.github.repos) {
  heldDeployments.set(name, repo.deployments.filter((d) => d.created_at > cutoff));
  repo.deployments = repo.deployments.filter((d) => d.created_at <= cutoff);
  heldPulls.set(name, repo.pulls.filter((p) => (p.merged_at ?? "") > cutoff));
  repo.pulls = repo.pulls.filter((p) => !((p.merged_at ?? "") > cutoff));
  newDeployments += heldDeployments.get(name)!.length;
  newPulls += heldPulls.get(name)!.length;
}
const heldIncidents: SimIncident[] = org.pagerduty.incidents.filter((i) => i.createdAt > cutoff);
org.pagerduty.incidents = org.pagerduty.incidents.filter((i) => i.createdAt <= cutoff);

const sim = await startScaleSim({ repos, months, latencyMs, org });
const dir = mkdtempSync(join(tmpdir(), "dora-bench-scale-"));
const w = await Warehouse.open(process.argv[5] ?? join(dir, "w.duckdb"));
try {
  const prs = [...org.github.repos.values()].reduce((n, r) => n + r.pulls.length, 0);
  const deployments = [...org.github.repos.values()].reduce((n, r) => n + r.deployments.length, 0);
  console.log(`organisation: ${repos} repos, ${months} months: ${prs} merged PRs, ${deployments} deployments, ${org.pagerduty.incidents.length} incidents (built in ${(buildMs / 1000).toFixed(1)} s)`);
  figure("merged PRs", prs, "PRs");
  figure("deployments", deployments, "deployments");
  figure("incidents", org.pagerduty.incidents.length, "incidents");

  const since = new Date(`${addMonths(org.demo.plan.start, -1)}T00:00:00Z`);
  t = performance.now();
  const backfill = await collectOrg(w, sim.config, { since, runId: "backfill" });
  const backfillMs = performance.now() - t;
  if (backfill.github.status !== "success" || backfill.pagerduty.status !== "success") throw new Error(`backfill failed: ${backfill.github.error ?? ""} ${backfill.pagerduty.error ?? ""}`);
  console.log(`backfill: GitHub ${backfill.requests.github} requests (${(backfill.github.durationMs / 1000).toFixed(1)} s), PagerDuty ${backfill.requests.pagerduty} (${(backfill.pagerduty.durationMs / 1000).toFixed(1)} s)`);
  for (const s of backfill.github.streams) if (s.pages) console.log(`  ${s.stream}: ${s.pages} pages, ${s.rows} rows`);
  figure("backfill GitHub requests", backfill.requests.github, "requests");
  figure("backfill GitHub requests per 1,000 PRs", (backfill.requests.github / prs) * 1000, "requests");
  figure("backfill GitHub wall time", backfill.github.durationMs / 1000, "s");
  figure("backfill PagerDuty requests", backfill.requests.pagerduty, "requests");
  figure("backfill wall time", backfillMs / 1000, "s");

  for (const [name, repo] of org.github.repos) {
    repo.deployments.push(...heldDeployments.get(name)!);
    repo.pulls.push(...heldPulls.get(name)!);
  }
  sim.pagerduty.state.add(...heldIncidents);
  console.log(`one more day: ${newPulls} merged PRs, ${newDeployments} deployments, ${heldIncidents.length} incidents`);
  t = performance.now();
  const nightly = await collectOrg(w, sim.config, { runId: "nightly" });
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
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
