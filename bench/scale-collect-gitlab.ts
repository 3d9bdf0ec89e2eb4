// Backfill and nightly collection of the scale organisation as GitLab projects, through the real
// GitLab (gitbeaker) and PagerDuty collectors: the GitLab twin of bench/scale-collect.ts.
// Run alone: node --import tsx bench/scale-collect-gitlab.ts [repos=50] [months=3] [latencyMs=20] [rateLimitPerMinute=2000]
// (prints one `FIGURE name=value unit` line per figure); `npm run bench -- scale-collect-gitlab` runs it
// in a child process for its peak RSS, sized by DORA_BENCH_SCALE_REPOS, DORA_BENCH_SCALE_MONTHS,
// DORA_BENCH_SCALE_LATENCY_MS and DORA_BENCH_SCALE_GITLAB_RATE_LIMIT.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Warehouse } from "../warehouse/warehouse.ts";
import { collectOrg } from "../test/sim/scale/collect.ts";
import { buildScaleOrg } from "../test/sim/scale/org.ts";
import { startScaleSim } from "../test/sim/scale/server.ts";
import type { SimDeployment, SimMergeRequest } from "../test/sim/gitlab/server.ts";
import type { SimIncident } from "../test/sim/pagerduty/server.ts";
import { measure, type Benchmark, type Figure } from "./harness.ts";

const DEFAULTS = { repos: 50, months: 3, latencyMs: 20, rateLimit: 2000 };
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export const scaleCollectGitlabBench: Benchmark = {
  name: "scale: backfill and nightly collection, GitLab",
  description: `GitLab + PagerDuty collection of the scale organisation (demo generator, ${env("DORA_BENCH_SCALE_REPOS", DEFAULTS.repos)} projects × ${env("DORA_BENCH_SCALE_MONTHS", DEFAULTS.months)} months, seed 42) from the local simulators with ${env("DORA_BENCH_SCALE_LATENCY_MS", DEFAULTS.latencyMs)} ms injected latency per request and GitLab's ${env("DORA_BENCH_SCALE_GITLAB_RATE_LIMIT", DEFAULTS.rateLimit)} requests a minute enforced (429 + Retry-After), real gitbeaker and PagerDuty client over HTTP, on-disk warehouse: backfill of all but the last day, then a nightly run with that day. Simulators run in the same process (their CPU counts against the wall time); peak RSS includes the generated organisation.`,
  run: async () => {
    const args = [
      env("DORA_BENCH_SCALE_REPOS", DEFAULTS.repos),
      env("DORA_BENCH_SCALE_MONTHS", DEFAULTS.months),
      env("DORA_BENCH_SCALE_LATENCY_MS", DEFAULTS.latencyMs),
      env("DORA_BENCH_SCALE_GITLAB_RATE_LIMIT", DEFAULTS.rateLimit),
    ].map(String);
    const file = fileURLToPath(import.meta.url);
    const r = await measure(process.execPath, ["--import", "tsx", resolve(file), ...args], { env: { CI: "true" } });
    if (r.code !== 0) throw new Error(`${file} ${args.join(" ")} failed:\n${r.stderr}\n${r.stdout}`);
    const figures = new Map<string, number>();
    for (const m of r.stdout.matchAll(/^FIGURE (.+?)=(\S+) (.+)$/gm)) figures.set(m[1]!, Number(m[2]));
    const f = (name: string) => figures.get(name) ?? NaN;
    return [
      { name: "merged MRs served", value: f("merged MRs"), unit: "MRs" },
      { name: "deployments served (all environments and outcomes)", value: f("deployments"), unit: "" },
      { name: "incidents served", value: f("incidents"), unit: "" },
      { name: "backfill: GitLab requests", value: f("backfill GitLab requests"), unit: "requests" },
      { name: "backfill: GitLab requests per 1,000 merged MRs", value: f("backfill GitLab requests per 1,000 MRs"), unit: "requests" },
      { name: "backfill: GitLab minutes of budget (requests ÷ the per-minute limit)", value: f("backfill GitLab budget minutes"), unit: "min" },
      { name: "backfill: GitLab wall time", value: f("backfill GitLab wall time"), unit: "s", goal: "< 600 s", met: f("backfill GitLab wall time") < 600 },
      { name: "backfill: 429 answers from GitLab", value: f("backfill GitLab 429s"), unit: "" },
      { name: "backfill: PagerDuty requests", value: f("backfill PagerDuty requests"), unit: "requests" },
      { name: "backfill: wall time, both sources", value: f("backfill wall time"), unit: "s" },
      { name: "nightly: GitLab requests per project and stream", value: f("nightly GitLab requests per project and stream"), unit: "requests", goal: "≤ 2", met: f("nightly GitLab requests per project and stream") <= 2 },
      { name: "nightly: GitLab list requests per project and stream (without per-MR commits/notes and compares)", value: f("nightly GitLab list requests per project and stream"), unit: "requests" },
      { name: "nightly: PagerDuty requests per service and stream", value: f("nightly PagerDuty requests per service and stream"), unit: "requests", goal: "≤ 2", met: f("nightly PagerDuty requests per service and stream") <= 2 },
      { name: "nightly: wall time", value: f("nightly wall time"), unit: "s", goal: "< 60 s", met: f("nightly wall time") < 60 },
      { name: "peak RSS (collector + simulators + organisation)", value: r.maxRssMb, unit: "MB" },
    ] satisfies Figure[];
  },
};

async function main(argv: string[]) {
  const repos = Number(argv[0] ?? DEFAULTS.repos);
  const months = Number(argv[1] ?? DEFAULTS.months);
  const latencyMs = Number(argv[2] ?? DEFAULTS.latencyMs);
  const rateLimit = Number(argv[3] ?? DEFAULTS.rateLimit);
  const figure = (name: string, value: number, unit: string) => console.log(`FIGURE ${name}=${value} ${unit}`);

  let t = performance.now();
  const org = buildScaleOrg({ repos, months, monthsBefore: 0, forge: "gitlab" });
  const buildMs = performance.now() - t;

  // The last day is held back: the backfill sees the organisation as it was yesterday, the nightly run
  // sees one more day of deployments, merged MRs and incidents.
  const lastDeploy = Math.max(...org.gitlab.flatMap((p) => p.deployments.map((d) => Date.parse(d.created_at))));
  const cutoff = lastDeploy - 24 * 3600_000;
  const later = (iso: string | null | undefined) => iso !== null && iso !== undefined && Date.parse(iso) > cutoff;
  const heldDeployments = new Map<string, SimDeployment[]>();
  const heldMrs = new Map<string, SimMergeRequest[]>();
  let newDeployments = 0;
  let newMrs = 0;
  for (const p of org.gitlab) {
    heldDeployments.set(p.path, p.deployments.filter((d) => later(d.created_at)));
    p.deployments = p.deployments.filter((d) => !later(d.created_at));
    heldMrs.set(p.path, p.mergeRequests.filter((m) => later(m.merged_at)));
    p.mergeRequests = p.mergeRequests.filter((m) => !later(m.merged_at));
    newDeployments += heldDeployments.get(p.path)!.length;
    newMrs += heldMrs.get(p.path)!.length;
  }
  const heldIncidents: SimIncident[] = org.pagerduty.incidents.filter((i) => later(i.createdAt));
  org.pagerduty.incidents = org.pagerduty.incidents.filter((i) => !later(i.createdAt));

  const sim = await startScaleSim({ repos, months, latencyMs, org, gitlabRateLimit: { limit: rateLimit, windowSeconds: 60 } });
  const dir = mkdtempSync(join(tmpdir(), "dora-bench-scale-gitlab-"));
  const w = await Warehouse.open(argv[4] ?? join(dir, "w.duckdb"));
  try {
    const mrs = org.gitlab.reduce((n, p) => n + p.mergeRequests.length, 0);
    const deployments = org.gitlab.reduce((n, p) => n + p.deployments.length, 0);
    console.log(`organisation: ${repos} projects, ${months} months: ${mrs} merged MRs, ${deployments} deployments, ${org.pagerduty.incidents.length} incidents (built in ${(buildMs / 1000).toFixed(1)} s)`);
    figure("merged MRs", mrs, "MRs");
    figure("deployments", deployments, "deployments");
    figure("incidents", org.pagerduty.incidents.length, "incidents");

    const since = new Date(`${org.demo.plan.start}T00:00:00Z`);
    t = performance.now();
    const backfill = await collectOrg(w, sim.config, { since, runId: "backfill", logLevel: "warn" });
    const backfillMs = performance.now() - t;
    if (backfill.gitlab.status !== "success" || backfill.pagerduty.status !== "success") throw new Error(`backfill failed: ${backfill.gitlab.error ?? ""} ${backfill.pagerduty.error ?? ""}`);
    console.log(`backfill: GitLab ${backfill.requests.gitlab} requests (${(backfill.gitlab.durationMs / 1000).toFixed(1)} s), PagerDuty ${backfill.requests.pagerduty} (${(backfill.pagerduty.durationMs / 1000).toFixed(1)} s)`);
    for (const s of backfill.gitlab.streams) if (s.pages) console.log(`  ${s.stream}: ${s.pages} pages, ${s.rows} rows`);
    figure("backfill GitLab requests", backfill.requests.gitlab, "requests");
    figure("backfill GitLab requests per 1,000 MRs", (backfill.requests.gitlab / mrs) * 1000, "requests");
    figure("backfill GitLab budget minutes", backfill.requests.gitlab / rateLimit, "min");
    figure("backfill GitLab wall time", backfill.gitlab.durationMs / 1000, "s");
    figure("backfill GitLab 429s", sim.gitlab.requests.filter((r) => r.status === 429).length, "answers");
    figure("backfill PagerDuty requests", backfill.requests.pagerduty, "requests");
    figure("backfill wall time", backfillMs / 1000, "s");

    for (const p of org.gitlab) {
      p.deployments.push(...heldDeployments.get(p.path)!);
      p.mergeRequests.push(...heldMrs.get(p.path)!);
    }
    sim.pagerduty.state.add(...heldIncidents);
    console.log(`one more day: ${newMrs} merged MRs, ${newDeployments} deployments, ${heldIncidents.length} incidents`);
    const before = sim.gitlab.requests.length;
    t = performance.now();
    const nightly = await collectOrg(w, sim.config, { runId: "nightly", logLevel: "warn" });
    const nightlyMs = performance.now() - t;
    if (nightly.gitlab.status !== "success" || nightly.pagerduty.status !== "success") throw new Error(`nightly failed: ${nightly.gitlab.error ?? ""} ${nightly.pagerduty.error ?? ""}`);
    const glStreams = nightly.gitlab.streams.filter((s) => s.partitions > 0).length;
    const pdStreams = nightly.pagerduty.streams.filter((s) => s.partitions > 0).length;
    const served = sim.gitlab.requests.slice(before);
    const lists = served.filter((r) => /\/projects\/[^/]+\/[^/]+\/(merge_requests|deployments|environments)$/.test(r.path)).length;
    console.log(`nightly: GitLab ${nightly.requests.gitlab} requests over ${glStreams} streams (${lists} list pages), PagerDuty ${nightly.requests.pagerduty} over ${pdStreams} streams`);
    figure("nightly GitLab requests per project and stream", nightly.requests.gitlab / repos / glStreams, "requests");
    figure("nightly GitLab list requests per project and stream", lists / repos / glStreams, "requests");
    figure("nightly PagerDuty requests per service and stream", nightly.requests.pagerduty / repos / pdStreams, "requests");
    figure("nightly wall time", nightlyMs / 1000, "s");
  } finally {
    w.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
