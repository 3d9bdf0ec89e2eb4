// Requests per 1,000 merged PRs for the GitHub collector, against the local simulator.
// Run: node --import tsx bench/github-requests.ts [prs=1000] [prsPerDeployment=5]
import { collectSource } from "../collectors/core/runner.ts";
import { createLogger } from "../collectors/core/log.ts";
import { githubSource } from "../collectors/github/index.ts";
import { Config } from "../schemas/config.ts";
import { Warehouse } from "../warehouse/warehouse.ts";
import { SimState, startGithubSim } from "../test/sim/github/server.ts";

const prs = Number(process.argv[2] ?? 1000);
const perDeployment = Number(process.argv[3] ?? 5);
const REPO = "acme/bench";

type Mix = Record<"squash" | "merge" | "rebase", number>;
const scenarios: [string, Mix][] = [
  ["squash only", { squash: 1, merge: 0, rebase: 0 }],
  ["mixed (60% squash, 25% merge, 15% rebase; 2 commits per PR)", { squash: 0.6, merge: 0.25, rebase: 0.15 }],
];

function seed(mix: Mix): SimState {
  const state = new SimState();
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const iso = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
  state.commit(REPO, { message: "root", date: iso(0) });
  state.deploy(REPO, { sha: state.head(REPO), at: iso(1) });
  for (let i = 0; i < prs; i++) {
    const r = (i * 0.618034) % 1;
    const how = r < mix.squash ? "squash" : r < mix.squash + mix.merge ? "merge" : "rebase";
    const m = 60 * (i + 1);
    state.mergePull(REPO, {
      how,
      commits: [{ message: `work ${i}`, authoredAt: iso(m - 50) }, { message: `more ${i}`, authoredAt: iso(m - 40) }],
      openedAt: iso(m - 30),
      mergedAt: iso(m),
      reviews: [{ state: "APPROVED", submitted_at: iso(m - 10), login: "reviewer" }],
    });
    if ((i + 1) % perDeployment === 0) state.deploy(REPO, { sha: state.head(REPO), at: iso(m + 5) });
  }
  return state;
}

for (const [name, mix] of scenarios) {
  const sim = await startGithubSim({ token: "bench-token", state: seed(mix) });
  const w = await Warehouse.open(":memory:");
  try {
    process.env.DORA_BENCH_GITHUB_TOKEN = "bench-token";
    const config = Config.parse({
      plan: { start: "2026-01-01" },
      services: { bench: { github: [REPO] } },
      sources: { github: { base_url: sim.url, token_env: "DORA_BENCH_GITHUB_TOKEN" } },
    });
    const run = async () => {
      const ctx = { config, log: createLogger({ level: "error" }), runId: "bench", requests: { count: 0 }, warehouse: w };
      const started = Date.now();
      const result = await collectSource(githubSource, ctx);
      return { result, requests: ctx.requests.count, ms: Date.now() - started };
    };
    const mark = sim.requests.length;
    const first = await run();
    const byKind = new Map<string, number>();
    for (const r of sim.requests.slice(mark)) {
      const kind = r.graphql ? `GraphQL ${r.graphql}` : `REST ${r.path.replace(/\/compare\/.*/, "/compare/…")}`;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    const second = await run();
    const changes = (await w.one<{ n: number }>("SELECT count(*) AS n FROM core.changes"))!.n;
    const linked = (await w.one<{ n: number }>("SELECT count(*) AS n FROM core.changes WHERE pr_first_commit_at IS NOT NULL"))!.n;
    console.log(`\n${name}: ${prs} merged PRs, ${Math.floor(prs / perDeployment)} deployments, ${changes} changes (${linked} with PR first-commit time)`);
    console.log(`  first run: ${first.requests} requests = ${((first.requests / prs) * 1000).toFixed(1)} per 1,000 merged PRs (${first.result.status}, ${(first.ms / 1000).toFixed(1)} s)`);
    for (const [kind, n] of [...byKind].sort()) console.log(`    ${n.toString().padStart(4)}  ${kind}`);
    console.log(`  second run, nothing new: ${second.requests} requests`);
  } finally {
    w.close();
    await sim.close();
  }
}
