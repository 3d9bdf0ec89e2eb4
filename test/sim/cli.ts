// `npm run sim -- --repos 200 --months 12 [--forge github|gitlab|mixed] [--no-prometheus] [--latency-ms 20]
//                 [--seed 42] [--rate-limit 5000] [--gitlab-rate-limit 2000] [--fault-rate 0.01] [--out sim.config.yaml]`
// Serves one synthetic organisation (the demo generator's, so its true metrics are known) on the
// GitHub (REST + GraphQL) or GitLab, PagerDuty and Prometheus simulators on 127.0.0.1 until
// interrupted, and writes a dora config that points at them.
import { writeFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { stringify } from "yaml";
import { firstDay, FORGES, type Forge } from "./scale/org.ts";
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
  .description(
    "Serve a synthetic organisation (the demo generator's, so its true metrics are known) on local GitHub or GitLab, PagerDuty and Prometheus simulators, and write a dora config for it",
  )
  .option("--repos <n>", "repositories (services)", int("--repos", 1), 200)
  .option("--months <n>", "plan months (2 more are generated before the plan)", int("--months", 2), 12)
  .option("--seed <n>", "generator seed", int("--seed", 0), 42)
  .addOption(
    new Option("--forge <forge>", "where the repositories live: github (all on GitHub), gitlab (all GitLab projects) or mixed (every second one on GitLab, the rest on GitHub); the config points each service at its forge")
      .choices(FORGES)
      .default("github"),
  )
  .option("--no-prometheus", "do not serve latency histograms and request counters on the Prometheus simulator (and leave sources.prometheus out of the config)")
  .option("--latency-ms <ms>", "delay added to every request (all simulators)", int("--latency-ms", 0), 0)
  .option("--rate-limit <n>", "GitHub requests per hour for the token", int("--rate-limit", 1), 5000)
  .option("--gitlab-rate-limit <n>", "GitLab requests per minute (429 + Retry-After beyond it)", int("--gitlab-rate-limit", 1), 2000)
  .option("--fault-rate <p>", "share of deployment list requests (GitHub and GitLab) answered 502 once (retried by clients)", rate, 0)
  .option("--out <file>", "write the dora config for the organisation here", "sim.config.yaml")
  .addHelpText(
    "after",
    `
Examples:
  npm run sim -- --repos 20 --months 6                 GitHub + PagerDuty + Prometheus
  npm run sim -- --repos 20 --forge gitlab             the same organisation as GitLab projects
  npm run sim -- --repos 200 --forge mixed --latency-ms 20 --fault-rate 0.01

Then, in another shell, export the printed token variables and run
  dora collect --config sim.config.yaml --since <first day printed>`,
  )
  .parse();

const o = program.opts<{
  repos: number;
  months: number;
  seed: number;
  forge: Forge;
  prometheus: boolean;
  latencyMs: number;
  rateLimit: number;
  gitlabRateLimit: number;
  faultRate: number;
  out: string;
}>();
const started = performance.now();
const times = Math.round(o.repos * o.faultRate * 10);
const sim = await startScaleSim({
  repos: o.repos,
  months: o.months,
  seed: o.seed,
  forge: o.forge,
  prometheus: o.prometheus,
  latencyMs: o.latencyMs,
  githubRateLimit: { limit: o.rateLimit },
  gitlabRateLimit: { limit: o.gitlabRateLimit },
  githubFaults: times > 0 ? [{ path: /\/repos\/[^/]+\/[^/]+\/deployments$/, status: 502, times }] : [],
  gitlabFaults: times > 0 ? [{ path: /\/deployments$/, status: 502, times }] : [],
});
const c = sim.org.counts;
writeFileSync(o.out, stringify(JSON.parse(JSON.stringify(sim.config))));
const onGitlab = [...sim.org.forgeOf.values()].filter((f) => f === "gitlab").length;
console.log(
  `organisation: ${c.repos} repositories (${c.repos - onGitlab} on GitHub, ${onGitlab} on GitLab), ${c.commits} commits, ${c.pulls} merged PRs/MRs, ${c.deployments} deployments, ${c.incidents} incidents (built in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
if (onGitlab < c.repos) console.log(`GitHub      ${sim.github.url}   token: export ${TOKEN_ENV.github}=${sim.tokens.github}`);
if (onGitlab > 0) console.log(`GitLab      ${sim.gitlab.url}   token: export ${TOKEN_ENV.gitlab}=${sim.tokens.gitlab}`);
console.log(`PagerDuty   ${sim.pagerduty.url}   token: export ${TOKEN_ENV.pagerduty}=${sim.tokens.pagerduty}`);
if (sim.prometheus) console.log(`Prometheus  ${sim.prometheus.url}   (no auth; hourly histograms and request counters)`);
console.log(`config      ${o.out}   (dora collect --config ${o.out} --since ${firstDay(sim.org.demo)}; Ctrl-C stops the simulators)`);

const stop = async () => {
  await sim.close();
  console.log(
    `served ${sim.github.requests.length} GitHub, ${sim.gitlab.requests.length} GitLab, ${sim.pagerduty.requests.length} PagerDuty and ${sim.prometheus?.requests.length ?? 0} Prometheus requests`,
  );
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
