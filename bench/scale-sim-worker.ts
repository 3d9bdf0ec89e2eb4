// The scale simulators in a worker thread for bench/scale-collect.ts: GitHub's and PagerDuty's work
// is not the collector's, so it runs beside it (on another core) instead of on the collector's
// event loop. The organisation is built here; its last day is held back until the parent says
// "release" (the nightly run's new data).
import { parentPort, workerData } from "node:worker_threads";
import { startScaleSim, TOKEN_ENV } from "../test/sim/scale/server.ts";
import { buildScaleOrg } from "../test/sim/scale/org.ts";
import type { SimDeployment, SimPull } from "../test/sim/github/state.ts";
import type { SimIncident } from "../test/sim/pagerduty/server.ts";

export interface SimWorkerInput {
  repos: number;
  months: number;
  latencyMs: number;
}

export interface SimWorkerReady {
  kind: "ready";
  config: unknown;
  tokens: Record<string, string>;
  tokenEnv: typeof TOKEN_ENV;
  planStart: string;
  buildMs: number;
  counts: { prs: number; deployments: number; incidents: number; newPulls: number; newDeployments: number; newIncidents: number };
}

const input = workerData as SimWorkerInput;
const port = parentPort!;
const t = performance.now();
const org = buildScaleOrg({ repos: input.repos, months: input.months, monthsBefore: 0 });
const buildMs = performance.now() - t;

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

const sim = await startScaleSim({ repos: input.repos, months: input.months, latencyMs: input.latencyMs, org });
const repos = [...org.github.repos.values()];
port.postMessage({
  kind: "ready",
  config: JSON.parse(JSON.stringify(sim.config)),
  tokens: sim.tokens,
  tokenEnv: TOKEN_ENV,
  planStart: org.demo.plan.start,
  buildMs,
  counts: {
    prs: repos.reduce((n, r) => n + r.pulls.length, 0),
    deployments: repos.reduce((n, r) => n + r.deployments.length, 0),
    incidents: org.pagerduty.incidents.length,
    newPulls,
    newDeployments,
    newIncidents: heldIncidents.length,
  },
} satisfies SimWorkerReady);

port.on("message", (message: string) => {
  if (message === "release") {
    for (const [name, repo] of org.github.repos) {
      repo.deployments.push(...heldDeployments.get(name)!);
      repo.pulls.push(...heldPulls.get(name)!);
    }
    sim.pagerduty.state.add(...heldIncidents);
    // The nightly run comes a day later: the token's hour has long been reset.
    Object.assign(sim.github.rate, { remaining: sim.github.rate.limit, used: 0, reset: Math.floor(Date.now() / 1000) + sim.github.rate.windowSeconds });
    port.postMessage({ kind: "released" });
  } else if (message === "close") {
    void sim.close().then(() => {
      port.postMessage({ kind: "closed" });
      port.close();
    });
  }
});
