// `npm run sim -- --repos 200 --months 12 [--latency-ms 20] [--seed 42] [--fault-rate 0.01] [--out config.yaml]`
// Serves one synthetic organisation (the demo generator's, so its true metrics are known) on the
// GitHub (REST + GraphQL) and PagerDuty simulators on 127.0.0.1 until interrupted, and writes a
// dora config that points at them.
import { writeFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { stringify } from "yaml";
import { startScaleSim, TOKEN_ENV } from "./scale/server.ts";

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
};
const rate = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError(`--fault-rate must be in [0, 1), got ${v}`);
  return n;
};

const program = new Command("sim")
  .description("Serve a synthetic organisation on local GitHub and PagerDuty simulators")
  .option("--repos <n>", "repositories (services)", int("--repos", 1), 200)
  .option("--months <n>", "plan months (2 more are generated before the plan)", int("--months", 2), 12)
  .option("--seed <n>", "generator seed", int("--seed", 0), 42)
  .option("--latency-ms <ms>", "delay added to every request", int("--latency-ms", 0), 0)
  .option("--rate-limit <n>", "GitHub requests per hour for the token", int("--rate-limit", 1), 5000)
  .option("--fault-rate <p>", "share of GitHub REST list requests answered 502 once (retried by clients)", rate, 0)
  .option("--out <file>", "write the dora config for the organisation here", "sim.config.yaml")
  .parse();

const o = program.opts<{ repos: number; months: number; seed: number; latencyMs: number; rateLimit: number; faultRate: number; out: string }>();
const started = performance.now();
const faults = o.faultRate > 0 ? [{ path: /\/repos\/[^/]+\/[^/]+\/deployments$/, status: 502, times: Math.round(o.repos * o.faultRate * 10) }] : [];
const sim = await startScaleSim({ repos: o.repos, months: o.months, seed: o.seed, latencyMs: o.latencyMs, githubRateLimit: { limit: o.rateLimit }, githubFaults: faults });
const c = sim.org.counts;
writeFileSync(o.out, stringify(JSON.parse(JSON.stringify(sim.config))));
console.log(`organisation: ${c.repos} repositories, ${c.commits} commits, ${c.pulls} merged PRs, ${c.deployments} deployments, ${c.incidents} incidents (built in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
console.log(`GitHub     ${sim.github.url}   token: export ${TOKEN_ENV.github}=${sim.tokens.github}`);
console.log(`PagerDuty  ${sim.pagerduty.url}   token: export ${TOKEN_ENV.pagerduty}=${sim.tokens.pagerduty}`);
console.log(`config     ${o.out}   (dora collect --config ${o.out}; Ctrl-C stops the simulators)`);

const stop = async () => {
  await sim.close();
  console.log(`served ${sim.github.requests.length} GitHub and ${sim.pagerduty.requests.length} PagerDuty requests`);
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
