import { demoConfig, generateDemo, type DemoRows } from "../../../collectors/demo/index.ts";
import { addMonths, Config } from "../../../schemas/config.ts";
import { SimState as GithubState, type SimDeploymentStatus } from "../github/state.ts";
import type { SimProject } from "../gitlab/server.ts";
import type { SimIncident, SimService } from "../pagerduty/server.ts";
import { buildGitlabProjects } from "./gitlab.ts";

// One synthetic organisation, described once by the demo generator (so its true metrics are known),
// served by the GitHub (or GitLab, see gitlab.ts) and PagerDuty simulators: every demo commit becomes a
// commit on the repo's main branch, every merged PR a pull request, every deployment a GitHub deployment
// with its status, every incident a PagerDuty incident that names the deployment it blames the way a
// person would. The latency histograms and request counts are served by the Prometheus simulator
// (prometheus.ts).

/** Where the organisation's repositories live: all on GitHub, all on GitLab, or alternating. */
export type Forge = "github" | "gitlab" | "mixed";
export const FORGES: readonly Forge[] = ["github", "gitlab", "mixed"];

export interface ScaleOrgOptions {
  /** Services (one GitHub repository and one PagerDuty service each). */
  repos: number;
  /** Plan months (the demo adds `monthsBefore`, default 2, before the plan). */
  months: number;
  monthsBefore?: number;
  seed?: number;
  /** Default github; mixed puts every second service (the 2nd, 4th …) on GitLab. */
  forge?: Forge;
}

export interface ScaleOrg {
  /** The demo config the ground truth was generated from (no source sections). */
  demo: Config;
  /** The generator's rows: the ground truth. */
  truth: DemoRows;
  github: GithubState;
  /** The GitLab projects of the services on GitLab (empty when forge is github). */
  gitlab: SimProject[];
  /** Which forge each service's repository is on. */
  forgeOf: Map<string, "github" | "gitlab">;
  pagerduty: { services: SimService[]; incidents: SimIncident[] };
  /** Demo deployment id → the simulated GitHub deployment id (number). */
  deploymentIds: Map<string, number>;
  /** Demo commit sha → simulated commit sha. */
  shas: Map<string, string>;
  /** PagerDuty service id per service name. */
  pdServiceOf: Map<string, string>;
  counts: { repos: number; commits: number; pulls: number; deployments: number; incidents: number };
}

export const ORG = "acme";

export function pdServiceId(index: number): string {
  return `PSCALE${String(index).padStart(4, "0")}`;
}

/** Builds the organisation in memory (no servers). */
export function buildScaleOrg(options: ScaleOrgOptions): ScaleOrg {
  const demo = demoConfig({ services: options.repos, months: options.months, monthsBefore: options.monthsBefore, seed: options.seed });
  const truth = generateDemo(demo, { seed: options.seed });
  const github = new GithubState();
  const shas = new Map<string, string>();
  const deploymentIds = new Map<string, number>();
  const pdServiceOf = new Map<string, string>();
  const services = Object.keys(demo.services);
  services.forEach((s, i) => pdServiceOf.set(s, pdServiceId(i + 1)));
  const forge = options.forge ?? "github";
  const forgeOf = new Map<string, "github" | "gitlab">(services.map((s, i) => [s, forge === "mixed" ? (i % 2 === 1 ? "gitlab" : "github") : forge]));

  const changesByRepo = groupBy(truth["core.changes"], (c) => c.repo);
  const prs = new Map(truth["core.pull_requests"].map((p) => [p.pr_id, p]));
  let pulls = 0;
  for (const [repo, changes] of changesByRepo) {
    // Commit order on main is the generator's: by committed time (then id, as it sorts).
    const ordered = [...changes].sort((a, b) => a.committed_at.getTime() - b.committed_at.getTime() || a.change_id.localeCompare(b.change_id));
    for (const c of ordered) {
      const sha = github.commit(repo, { message: c.title, date: c.committed_at.toISOString(), authoredAt: c.authored_at.toISOString(), author: person(c.author) });
      shas.set(c.commit_sha, sha);
    }
    const byPr = groupBy(ordered.filter((c) => c.pr_id), (c) => c.pr_id!);
    for (const [prId, landed] of byPr) {
      const pr = prs.get(prId);
      if (!pr || !pr.merged_at) continue;
      const landedShas = landed.map((c) => shas.get(c.commit_sha)!);
      // A squash merge hides the PR's own commits: its first commit lives on the PR branch only.
      const first = landed[0]!;
      const own =
        first.authored_at.getTime() === pr.first_commit_at.getTime()
          ? landedShas
          : [github.commit(repo, { message: pr.title, date: pr.first_commit_at.toISOString(), authoredAt: pr.first_commit_at.toISOString(), parents: [], branch: `pr-${pr.number}`, author: person(pr.author) })];
      github.repo(repo).branches.delete(`pr-${pr.number}`);
      const reviews: Parameters<GithubState["pull"]>[1]["reviews"] = [];
      if (pr.first_review_at) reviews.push({ state: "COMMENTED", submitted_at: pr.first_review_at.toISOString(), login: "reviewer" });
      if (pr.approved_at) reviews.push({ state: "APPROVED", submitted_at: pr.approved_at.toISOString(), login: "reviewer" });
      github.pull(repo, {
        number: pr.number,
        title: pr.title,
        login: login(pr.author),
        head_ref: pr.head_branch,
        labels: pr.labels,
        created_at: pr.opened_at.toISOString(),
        updated_at: pr.updated_at.toISOString(),
        merged_at: pr.merged_at.toISOString(),
        closed_at: (pr.closed_at ?? pr.merged_at).toISOString(),
        merge_commit_sha: landedShas.at(-1)!,
        commits: own,
        landed: landedShas,
        reviews,
        additions: pr.additions,
        deletions: pr.deletions,
      });
      pulls++;
    }
  }

  const deployments = [...truth["core.deployments"]].sort((a, b) => a.started_at.getTime() - b.started_at.getTime() || a.deployment_id.localeCompare(b.deployment_id));
  for (const d of deployments) {
    const sha = shas.get(d.commit_sha);
    if (!sha) throw new Error(`scale org: deployment ${d.deployment_id} ships unknown commit ${d.commit_sha}`);
    // GitHub has no "cancelled": a deployment made inactive without ever succeeding is read as cancelled.
    const state: SimDeploymentStatus["state"] = d.status === "success" ? "success" : d.status === "failure" ? "failure" : "inactive";
    const made = github.deploy(d.repo, { sha, ref: d.ref, environment: d.environment, at: d.started_at.toISOString(), statuses: [[state, d.finished_at.toISOString()]] });
    deploymentIds.set(d.deployment_id, made.id);
  }

  const byShort = new Map<string, string>();
  for (const [demoSha, simSha] of shas) byShort.set(demoSha.slice(0, 7), simSha.slice(0, 7));
  const incidents: SimIncident[] = truth["core.incidents"].map((i, n) => {
    const rewrite = (text: string) => rewriteRefs(text, forgeOf.get(i.service)!, `${ORG}/${i.service}`, deploymentIds, byShort);
    return {
      id: `Q${String(n + 1).padStart(7, "0")}`,
      serviceId: pdServiceOf.get(i.service)!,
      title: rewrite(i.title),
      description: rewrite(i.body),
      createdAt: i.created_at.toISOString(),
      urgency: i.urgency,
      priority: i.priority,
      acknowledgedAt: i.acknowledged_at ? [i.acknowledged_at.toISOString()] : undefined,
      resolvedAt: i.resolved_at?.toISOString(),
    };
  });
  const pdServices = services.map((s) => ({ id: pdServiceOf.get(s)!, name: s }));
  const gitlab = buildGitlabProjects({ truth, shas, deploymentIds, services: services.filter((s) => forgeOf.get(s) === "gitlab"), org: ORG });
  return {
    demo,
    truth,
    github,
    gitlab,
    forgeOf,
    pagerduty: { services: pdServices, incidents },
    deploymentIds,
    shas,
    pdServiceOf,
    counts: { repos: services.length, commits: shas.size, pulls, deployments: deployments.length, incidents: incidents.length },
  };
}

/**
 * The collector config for the organisation served at the given URLs: the demo's plan and services,
 * each with its repository (on GitHub or GitLab) and PagerDuty service, and, when a Prometheus URL is
 * given, the demo's key paths and availability counters (hourly steps, collected from the first
 * generated day).
 */
export function scaleConfig(
  org: ScaleOrg,
  urls: { github: string; pagerduty: string; gitlab?: string; prometheus?: string },
  tokens: { github: string; pagerduty: string; gitlab?: string },
): Config {
  const prometheus = urls.prometheus !== undefined;
  const services = Object.fromEntries(
    Object.entries(org.demo.services).map(([name, s]) => [
      name,
      {
        [org.forgeOf.get(name) ?? "github"]: [`${ORG}/${name}`],
        pagerduty: [org.pdServiceOf.get(name)!],
        ...(prometheus ? { latency: s.latency, availability: s.availability } : {}),
      },
    ]),
  );
  const forges = new Set(org.forgeOf.values());
  if (forges.has("gitlab") && (!urls.gitlab || !tokens.gitlab)) throw new Error("scale org: services on GitLab need a GitLab URL and token variable");
  return Config.parse({
    timezone: org.demo.timezone,
    plan: org.demo.plan,
    services,
    failures: org.demo.failures,
    oncall: org.demo.oncall,
    targets: org.demo.targets,
    sources: {
      ...(forges.has("github") ? { github: { base_url: urls.github, token_env: tokens.github } } : {}),
      ...(forges.has("gitlab") ? { gitlab: { base_url: urls.gitlab, token_env: tokens.gitlab } } : {}),
      pagerduty: { base_url: urls.pagerduty, token_env: tokens.pagerduty },
      // Hourly steps like the served histograms; availability at the same hour (the demo's request counts).
      ...(prometheus ? { prometheus: { base_url: urls.prometheus, from: firstDay(org.demo), step_seconds: 3600, availability_step_seconds: 3600 } } : {}),
    },
  });
}

/** The first generated day (the demo generates `months_before` months before the plan). */
export function firstDay(demo: Config): string {
  return addMonths(demo.plan.start, -(demo.sources.demo?.months_before ?? 2));
}

/** Demo deployment ids and short shas in an incident's text → the simulated GitHub/GitLab ids and shas. */
function rewriteRefs(text: string, forge: "github" | "gitlab", repo: string, deploymentIds: Map<string, number>, byShort: Map<string, string>): string {
  let out = text.replace(/\bdemo:deployment:[A-Za-z0-9_./#@:-]*[A-Za-z0-9_]/g, (id) => {
    const gh = deploymentIds.get(id);
    return gh === undefined ? id : `${forge}:deployment:${repo}:${gh}`;
  });
  out = out.replace(/@([0-9a-f]{7})\b|\(([0-9a-f]{7})\)/g, (m, a?: string, b?: string) => {
    const short = a ?? b!;
    const sim = byShort.get(short) ?? short;
    return a ? `@${sim}` : `(${sim})`;
  });
  return out;
}

function person(name: string) {
  return { name, email: `${login(name)}@example.com`, login: login(name) };
}

function login(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
