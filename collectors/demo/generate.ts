import type { Config } from "../../schemas/config.ts";
import { Clock, DAY, HOUR, MINUTE } from "./clock.ts";
import { generateKpiSamples, generateRequestCounts, type KpiSampleRow, type RequestCountRow } from "./kpis.ts";
import { generateLatency, type LatencyBucketRow } from "./latency.ts";
import { createRandom, hash32, type Random } from "./random.ts";
import { at, badDeployShare, CANARY_AT, inBadMonth, remedyShares, story } from "./story.ts";
import { Timeline } from "./timeline.ts";

export type { LatencyBucketRow } from "./latency.ts";
export type { KpiSampleRow, RequestCountRow } from "./kpis.ts";

export type DeploymentRow = {
  deployment_id: string;
  source: "demo";
  service: string;
  repo: string;
  environment: "production" | "staging";
  is_production: boolean;
  commit_sha: string;
  ref: string;
  started_at: Date;
  finished_at: Date;
  status: "success" | "failure" | "cancelled";
  original_status: string;
  is_rollback: boolean;
  is_rework: boolean;
  pipeline_started_at: Date;
  url: string;
  updated_at: Date;
};

export type PullRequestRow = {
  pr_id: string;
  source: "demo";
  service: string;
  repo: string;
  number: number;
  title: string;
  author: string;
  base_branch: string;
  head_branch: string;
  labels: string[];
  opened_at: Date;
  first_commit_at: Date;
  first_review_at: Date | null;
  approved_at: Date | null;
  merged_at: Date | null;
  closed_at: Date | null;
  merge_commit_sha: string | null;
  commits: number;
  additions: number;
  deletions: number;
  is_revert: boolean;
  is_hotfix: boolean;
  url: string;
  updated_at: Date;
};

export type ChangeRow = {
  change_id: string;
  source: "demo";
  service: string;
  repo: string;
  /** First successful production deployment containing the commit; null while not yet deployed. */
  deployment_id: string | null;
  commit_sha: string;
  pr_id: string | null;
  title: string;
  author: string;
  authored_at: Date;
  committed_at: Date;
  pr_first_commit_at: Date | null;
  pr_opened_at: Date | null;
  first_review_at: Date | null;
  merged_at: Date | null;
  additions: number;
  deletions: number;
};

export type IncidentRow = {
  incident_id: string;
  source: "demo";
  service: string;
  title: string;
  body: string;
  urgency: "high" | "low";
  priority: string;
  created_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  status: "triggered" | "acknowledged" | "resolved";
  caused_by_deployment_id: string | null;
  link_kind: "explicit" | "none";
  refs: string[];
  url: string;
  updated_at: Date;
};

/** Generated rows by target table, ready for `writeRows`. */
export interface DemoRows {
  "core.deployments": DeploymentRow[];
  "core.pull_requests": PullRequestRow[];
  "core.changes": ChangeRow[];
  "core.incidents": IncidentRow[];
  "core.latency_buckets": LatencyBucketRow[];
  "core.request_counts": RequestCountRow[];
  "core.kpi_samples": KpiSampleRow[];
}

export interface GenerateOptions {
  /** Overrides `sources.demo.seed`. */
  seed?: number;
  /**
   * Latency bucket period: 3600, 21600 or 86400 (default). One day is the coarsest period that still
   * gives exact day/week/month p99s in the configured zone, and rows (and the demo's write time) grow
   * with every shorter period (bench/RESULTS.md, notes moved from code comments).
   */
  bucketSeconds?: number;
}

export const DEMO_ORG = "acme";
export const DEFAULT_BUCKET_SECONDS = 86_400;
const GIT_HOST = "https://git.acme.example";
const CI_HOST = "https://ci.acme.example";
const PAGER_HOST = "https://acme.pagerduty.example";

function demoTimeline(config: Config): Timeline {
  const clock = new Clock(config.timezone, config.oncall.working_hours);
  return new Timeline(clock, config.plan.start, config.plan.months, config.sources.demo?.months_before ?? 2);
}

/** The instant the generated history ends: the demo is "collected" then, so open incidents are censored there. */
export function demoCollectedAt(config: Config): Date {
  return new Date(demoTimeline(config).endUtc);
}

/**
 * The demo organisation's delivery history: a pure function of the config and the seed (no clock,
 * no Math.random). Services come from `config.services`, the span from `config.plan` and
 * `sources.demo.months_before`, working hours and time zone from the config; the story is story.ts.
 */
export function generateDemo(config: Config, options: GenerateOptions = {}): DemoRows {
  const seed = options.seed ?? config.sources.demo?.seed ?? 42;
  const services = Object.keys(config.services);
  const bucketSeconds = options.bucketSeconds ?? DEFAULT_BUCKET_SECONDS;
  const timeline = demoTimeline(config);

  const out: DemoRows = {
    "core.deployments": [],
    "core.pull_requests": [],
    "core.changes": [],
    "core.incidents": [],
    "core.latency_buckets": [],
    "core.request_counts": [],
    "core.kpi_samples": [],
  };
  for (const service of services) {
    const rows = new ServiceHistory(service, services.length, seed, timeline).generate();
    out["core.deployments"].push(...rows.deployments);
    out["core.pull_requests"].push(...rows.pullRequests);
    out["core.changes"].push(...rows.changes);
    out["core.incidents"].push(...rows.incidents);
  }
  out["core.incidents"].push(...openIncidents(services, seed, timeline));
  out["core.latency_buckets"] = generateLatency(config, timeline, seed, bucketSeconds);
  out["core.request_counts"] = generateRequestCounts(config, timeline, seed, out["core.incidents"]);
  out["core.kpi_samples"] = generateKpiSamples(config, timeline, seed, out["core.request_counts"]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary: enough variety that tables and charts look like a real organisation's.

const PEOPLE = [
  "akoch", "bmueller", "c-nguyen", "dpetrova", "elif-y", "fschmidt", "gabriel-r", "hannah-w", "igor-s", "jkowalski",
  "k-osei", "lena-b", "mdiaz", "nora-k", "o-haddad", "pvogel", "quinn-t", "rsato", "svenh", "t-ibrahim",
  "ulrike-m", "vkumar", "wei-z", "xenia-p", "yusuf-a", "zoe-l", "arjun-n", "bea-f", "carlos-m", "dana-s",
];
const KINDS = ["feat", "feat", "fix", "fix", "refactor", "chore", "perf", "test"] as const;
const VERBS = ["add", "support", "handle", "validate", "cache", "retry", "paginate", "log", "expose", "simplify", "remove", "rename", "batch", "limit"];
const THINGS = [
  "idempotency keys", "currency rounding", "webhook signatures", "rate limits", "audit events", "pagination cursors",
  "timeouts on upstream calls", "feature flag checks", "metrics labels", "error codes", "health checks", "schema migration",
  "retry budget", "request tracing", "config reload", "connection pool size", "dead-letter queue", "input validation",
];
const DIRECT = ["docs: fix typo in README", "chore(ci): bump runner image", "chore: update CODEOWNERS", "docs: runbook link in alerts"];
const SYMPTOMS = ["5xx error rate above 2%", "p99 latency above SLO", "elevated error rate", "health checks failing", "queue consumers crash-looping", "requests timing out"];
const UNRELATED = [
  "Disk usage above 90% on {s}-db-2",
  "TLS certificate for {s} expires in 3 days",
  "Upstream provider timeouts",
  "Kafka consumer lag on {s}-events",
  "Node pool autoscaling stuck",
  "Memory pressure on {s} pods",
  "DNS resolution failures in eu-central-1",
  "Synthetic check failing: {s} login journey",
];

interface PrDraft {
  row: PullRequestRow;
  changes: ChangeRow[];
  squash: boolean;
}

/** One service's pull requests, changes, deployments and incidents, built in time order. */
class ServiceHistory {
  private readonly repo: string;
  private readonly team: string[];
  private readonly clock: Clock;
  private readonly prs: PrDraft[] = [];
  /** Changes on main in commit order, as the deploy loop walks them. */
  private readonly changes: ChangeRow[] = [];
  /** Hotfix changes, made while deploying: merged into `changes` at the end. */
  private readonly hotfixes: ChangeRow[] = [];
  private readonly deployments: DeploymentRow[] = [];
  private readonly incidents: IncidentRow[] = [];
  private deploymentSeq = 0;
  private version: { major: number; minor: number; patch: number };

  constructor(
    private readonly service: string,
    private readonly serviceCount: number,
    private readonly seed: number,
    private readonly timeline: Timeline,
  ) {
    this.repo = `${DEMO_ORG}/${service}`;
    this.clock = timeline.clock;
    const h = hash32(service);
    this.team = Array.from({ length: 4 + (h % 4) }, (_, i) => PEOPLE[(h + i * 7) % PEOPLE.length]!);
    this.version = { major: 1 + (h % 3), minor: 3 + ((h >>> 4) % 30), patch: 0 };
  }

  generate() {
    this.pullRequests(createRandom(this.seed, `${this.service}:pull-requests`));
    this.directCommits(createRandom(this.seed, `${this.service}:direct-commits`));
    this.changes.sort(byCommitTime);
    this.deploy(createRandom(this.seed, `${this.service}:deployments`));
    this.unrelatedIncidents(createRandom(this.seed, `${this.service}:incidents`));
    const changes = [...this.changes, ...this.hotfixes].sort(byCommitTime);
    return { deployments: this.deployments, pullRequests: this.numberPullRequests(), changes, incidents: this.numberIncidents() };
  }

  // -- pull requests and commits -------------------------------------------------------------

  private pullRequests(rng: Random) {
    const { clock, timeline } = this;
    for (const day of timeline.days()) {
      if (!clock.isWorkingDay(day)) continue;
      const s = timeline.storyOfLocal(day + 12 * HOUR);
      const n = rng.poisson(at(story.prRate, s) * (isHoliday(day) ? 0.3 : 1));
      for (let k = 0; k < n; k++) {
        const [open, close] = clock.workingWindow(day);
        // Most work starts in working hours; some in the evening.
        const firstCommitLocal = rng.chance(0.08) ? day + rng.uniform(18.5, 22.5) * HOUR : rng.uniform(open, close - 30 * MINUTE);
        const openedLocal = clock.addWorkingMinutes(firstCommitLocal, rng.logNormal(at(story.codingHours, s) * 60, 0.7));
        const reviewLocal = clock.addWorkingMinutes(openedLocal, Math.max(5, rng.logNormal(at(story.pickupHours, s) * 60, 0.8)));
        const mergedLocal = clock.addWorkingMinutes(reviewLocal, Math.max(5, rng.logNormal(at(story.reviewHours, s) * 60, 0.8)));
        const approvedLocal = reviewLocal + (mergedLocal - reviewLocal) * rng.uniform(0.6, 0.97);
        const abandoned = rng.chance(0.04);
        const changes = this.addPullRequest(rng, s, {
          firstCommit: clock.toUtc(firstCommitLocal),
          opened: clock.toUtc(openedLocal),
          review: clock.toUtc(reviewLocal),
          approved: clock.toUtc(approvedLocal),
          merged: clock.toUtc(mergedLocal),
          abandoned,
          hotfix: false,
        });
        this.changes.push(...changes);
      }
    }
  }

  private addPullRequest(
    rng: Random,
    s: number,
    t: { firstCommit: number; opened: number; review: number; approved: number; merged: number; abandoned: boolean; hotfix: boolean; title?: string },
  ): ChangeRow[] {
    const end = this.timeline.endUtc;
    if (t.opened >= end) return [];
    const author = rng.pick(this.team);
    const kind = t.hotfix ? "fix" : rng.pick(KINDS);
    const title = t.title ?? `${kind}(${this.service.split("-")[0]}): ${rng.pick(VERBS)} ${rng.pick(THINGS)}`;
    const commits = t.hotfix ? 1 + rng.poisson(0.5) : 1 + rng.poisson(2);
    // Batch size falls over the plan: smaller pull requests.
    const additions = Math.max(1, Math.round(rng.logNormal(s < 3 ? 140 : s < 7 ? 90 : 60, 1.0)));
    const deletions = Math.max(0, Math.round(additions * rng.uniform(0.1, 0.6)));
    const reviewed = t.review < end;
    const merged = !t.abandoned && t.merged < end;
    const closed = t.abandoned && t.merged < end;
    const squash = commits === 1 || rng.chance(0.8);
    const slug = title.replace(/^[a-z]+\([^)]*\): /, "").replace(/[^a-z0-9]+/gi, "-").toLowerCase().slice(0, 40).replace(/-$/, "");
    const row: PullRequestRow = {
      pr_id: "",
      source: "demo",
      service: this.service,
      repo: this.repo,
      number: 0,
      title,
      author,
      base_branch: "main",
      head_branch: `${t.hotfix ? "hotfix" : kind === "fix" ? "fix" : "feat"}/${slug}`,
      labels: t.hotfix ? ["hotfix"] : kind === "fix" ? ["bug"] : [],
      opened_at: at0(t.opened),
      first_commit_at: at0(t.firstCommit),
      first_review_at: reviewed ? at0(t.review) : null,
      approved_at: reviewed && t.approved < end && !t.abandoned ? at0(t.approved) : null,
      merged_at: merged ? at0(t.merged) : null,
      closed_at: merged || closed ? at0(t.merged) : null,
      merge_commit_sha: null,
      commits,
      additions,
      deletions,
      is_revert: false,
      is_hotfix: t.hotfix,
      url: "",
      updated_at: at0(Math.min(merged || closed ? t.merged : reviewed ? t.review : t.opened, end)),
    };
    const draft: PrDraft = { row, changes: [], squash };
    this.prs.push(draft);
    if (!merged) return [];

    if (squash) {
      // A squash merge makes one new commit at merge time; the PR's first commit is earlier.
      draft.changes.push(this.change(rng, { title, author, authored: t.merged, committed: t.merged, additions, deletions }));
    } else {
      // A rebase merge keeps the authored times and rewrites the committer time.
      const n = Math.min(commits, 4);
      for (let i = 0; i < n; i++) {
        const authored = t.firstCommit + ((t.opened - t.firstCommit) * i) / n;
        draft.changes.push(
          this.change(rng, {
            title: i === 0 ? title : `${kind}: ${rng.pick(VERBS)} ${rng.pick(THINGS)}`,
            author,
            authored,
            committed: t.merged + i * 1000,
            additions: Math.ceil(additions / n),
            deletions: Math.ceil(deletions / n),
          }),
        );
      }
    }
    for (const c of draft.changes) {
      c.pr_first_commit_at = at0(t.firstCommit);
      c.pr_opened_at = at0(t.opened);
      c.first_review_at = at0(t.review);
      c.merged_at = at0(t.merged);
    }
    row.merge_commit_sha = draft.changes[draft.changes.length - 1]!.commit_sha;
    return draft.changes;
  }

  private change(rng: Random, c: { title: string; author: string; authored: number; committed: number; additions: number; deletions: number }): ChangeRow {
    const sha = rng.sha();
    const row: ChangeRow = {
      change_id: `demo:change:${this.repo}@${sha}`,
      source: "demo",
      service: this.service,
      repo: this.repo,
      deployment_id: null,
      commit_sha: sha,
      pr_id: null,
      title: c.title,
      author: c.author,
      authored_at: at0(c.authored),
      committed_at: at0(c.committed),
      pr_first_commit_at: null,
      pr_opened_at: null,
      first_review_at: null,
      merged_at: null,
      additions: c.additions,
      deletions: c.deletions,
    };
    return row;
  }

  /** A few commits pushed straight to main (docs, CI): no pull request, lead time from the commit. */
  private directCommits(rng: Random) {
    for (const day of this.timeline.days()) {
      if (!this.clock.isWorkingDay(day) || !rng.chance(0.05)) continue;
      const [open, close] = this.clock.workingWindow(day);
      const t = this.clock.toUtc(rng.uniform(open, close));
      if (t >= this.timeline.endUtc) continue;
      this.changes.push(
        this.change(rng, { title: rng.pick(DIRECT), author: rng.pick(this.team), authored: t, committed: t, additions: rng.int(1, 12), deletions: rng.int(0, 6) }),
      );
    }
  }

  // -- deployments ---------------------------------------------------------------------------

  private deploy(rng: Random) {
    const { clock, timeline } = this;
    const slots: number[] = [];
    for (const day of timeline.days()) {
      if (!clock.isWorkingDay(day)) continue;
      const s = timeline.storyOfLocal(day + 12 * HOUR);
      const n = rng.poisson(at(story.deployRate, s) * weekdayWeight(s, Clock.weekday(day)) * (isHoliday(day) ? 0.15 : 1));
      const [open, close] = clock.workingWindow(day);
      const day0: number[] = [];
      for (let k = 0; k < n; k++) day0.push(clock.toUtc(rng.uniform(open + 60 * MINUTE, close - 30 * MINUTE)));
      slots.push(...day0.sort((a, b) => a - b));
    }

    let next = 0; // first change not yet deployed (changes are sorted by committed_at)
    let blockedUntil = -Infinity;
    let running: DeploymentRow | undefined; // what production runs
    let badBudget = rng.next();
    for (const slot of slots) {
      if (slot < blockedUntil) continue;
      const s = timeline.storyOf(slot);
      const ready = slot - at(story.ciMinutes, s) * MINUTE;
      let last = next;
      while (last < this.changes.length && this.changes[last]!.committed_at.getTime() <= ready) last++;
      if (last === next) continue; // nothing new to ship
      const batch = this.changes.slice(next, last);
      next = last;
      const head = batch[batch.length - 1]!;
      this.version = { ...this.version, minor: this.version.minor + 1, patch: 0 };
      const ref = versionTag(this.version);

      let start = slot;
      if (rng.chance(s < 4 ? 0.7 : 0.35)) {
        const stagingStart = Math.max(slot - rng.uniform(15, 40) * MINUTE, head.committed_at.getTime() + 5 * MINUTE, blockedUntil);
        const staging = this.deployment(rng, s, { env: "staging", sha: head.commit_sha, ref: "main", start: stagingStart });
        start = Math.max(start, staging.finished_at.getTime() + 2 * MINUTE);
      }
      if (rng.chance(at(story.jobFailure, s))) {
        // The job fails (or someone cancels it) before it ships: not a deployment in DORA terms.
        const failed = this.deployment(rng, s, { env: "production", sha: head.commit_sha, ref, start, status: rng.chance(0.75) ? "failure" : "cancelled" });
        start = failed.finished_at.getTime() + rng.uniform(15, 60) * MINUTE;
      }
      const shipped = this.deployment(rng, s, { env: "production", sha: head.commit_sha, ref, start });
      for (const c of batch) c.deployment_id = shipped.deployment_id;
      // One production deploy at a time: a retried job holds the next slot back.
      blockedUntil = Math.max(blockedUntil, shipped.finished_at.getTime() + 5 * MINUTE);
      const previous = running;
      running = shipped;

      // No new failures in the last day: the demo's only open incidents are the two added on purpose.
      // Failures come from a jittered budget rather than a coin per deploy, so a window's failure
      // share stays near the story's and a seed cannot lose the story by bad luck.
      badBudget += badDeployShare(s) * rng.uniform(0.4, 1.6);
      if (badBudget >= 1 && shipped.finished_at.getTime() < timeline.endUtc - DAY) {
        badBudget -= 1;
        const outcome = this.badDeployment(rng, s, shipped, previous);
        running = outcome.running;
        blockedUntil = Math.max(blockedUntil, outcome.blockedUntil);
        // A hotfix ships the main branch: pending changes merged before it go with it.
        if (outcome.rework) {
          const hotfixStart = outcome.rework.started_at.getTime();
          let upTo = next;
          while (upTo < this.changes.length && this.changes[upTo]!.committed_at.getTime() <= hotfixStart - 5 * MINUTE) upTo++;
          for (const c of this.changes.slice(next, upTo)) c.deployment_id = outcome.rework.deployment_id;
          next = upTo;
        }
      }
    }
  }

  private deployment(
    rng: Random,
    s: number,
    d: { env: "production" | "staging"; sha: string; ref: string; start: number; status?: "success" | "failure" | "cancelled"; rollback?: boolean; rework?: boolean; minutes?: number },
  ): DeploymentRow {
    const status = d.status ?? "success";
    const minutes = d.minutes ?? Math.max(2, rng.logNormal(at(story.deployMinutes, s), 0.35)) * (status === "success" ? 1 : rng.uniform(0.2, 0.8));
    const started = at0(d.start);
    const finished = at0(d.start + minutes * MINUTE);
    const n = ++this.deploymentSeq;
    const row: DeploymentRow = {
      deployment_id: `demo:deployment:${this.service}:${n}`,
      source: "demo",
      service: this.service,
      repo: this.repo,
      environment: d.env,
      is_production: d.env === "production",
      commit_sha: d.sha,
      ref: d.ref,
      started_at: started,
      finished_at: finished,
      status,
      original_status: status === "cancelled" ? "canceled" : status,
      is_rollback: d.rollback ?? false,
      is_rework: d.rework ?? false,
      pipeline_started_at: at0(d.start - rng.uniform(3, 12) * MINUTE),
      url: `${CI_HOST}/${this.repo}/deployments/${n}`,
      updated_at: finished,
    };
    this.deployments.push(row);
    return row;
  }

  /**
   * A bad deployment is rolled back, hot-fixed, or fixed forward by the next regular deploy (then it
   * always pages). Returns what production runs afterwards and until when deploys pause.
   */
  private badDeployment(rng: Random, s: number, bad: DeploymentRow, previous: DeploymentRow | undefined) {
    const shares = remedyShares(s);
    const r = rng.next();
    const remedy = r < shares.rollback && previous ? "rollback" : r < shares.rollback + shares.hotfix ? "hotfix" : "forward";
    const pages = remedy === "forward" || rng.chance(at(story.badDeployPages, s));
    const finished = bad.finished_at.getTime();
    // Most bad deploys show within the hour; some only under the evening or night peak (fewer once
    // canaries compare the new version with the old under live traffic).
    const delay = rng.chance(s < CANARY_AT ? 0.75 : 0.94) ? Math.min(rng.logNormal(30, 0.7), 150) * MINUTE : rng.uniform(3, 14) * HOUR;
    const detected = finished + delay;

    let incident: IncidentRow | undefined;
    if (pages) {
      const explicit = rng.chance(at(story.explicitRefs, s));
      const symptom = rng.pick(SYMPTOMS);
      const short = bad.commit_sha.slice(0, 7);
      incident = this.incident(rng, {
        created: detected,
        urgency: rng.chance(0.85) ? "high" : "low",
        title: explicit ? `${this.service}: ${symptom} after deploy ${bad.ref} (${short})` : `${this.service}: ${symptom}`,
        body: explicit
          ? `Started ${Math.round(delay / MINUTE)} min after deployment ${bad.deployment_id} of ${this.repo}@${short}. Rolling back or fixing per playbook.`
          : `Alert fired: ${symptom}. See dashboard.`,
        causedBy: explicit ? bad.deployment_id : null,
        refs: explicit ? [bad.deployment_id, short] : [],
      });
    }
    const created = incident?.created_at.getTime() ?? detected;
    const restore = incident && incident.resolved_at ? incident.resolved_at.getTime() - created : 0;

    if (remedy === "rollback" && previous) {
      const rolledBack = pages
        ? created + restore * rng.uniform(0.45, 0.8)
        : detected + (s < CANARY_AT ? rng.uniform(20, 60) : rng.uniform(4, 12)) * MINUTE;
      const minutes = rng.uniform(3, 8);
      const start = Math.max(rolledBack - minutes * MINUTE, finished + MINUTE);
      const rollback = this.deployment(rng, s, { env: "production", sha: previous.commit_sha, ref: previous.ref, start, rollback: true, minutes });
      if (incident) resolveAfter(incident, rollback.finished_at.getTime() + rng.uniform(3, 15) * MINUTE);
      return { running: previous, blockedUntil: rollback.finished_at.getTime() + rng.uniform(30, 120) * MINUTE, rework: undefined };
    }
    if (remedy === "hotfix") {
      const total = pages ? restore * rng.uniform(0.7, 0.9) : rng.logNormal(2.5 * HOUR, 0.5);
      const firstCommit = detected + total * 0.1;
      const opened = detected + total * 0.4;
      const review = detected + total * 0.5;
      const merged = detected + total * 0.65;
      const [change] = this.addPullRequest(rng, s, {
        firstCommit,
        opened,
        review,
        approved: review + (merged - review) * 0.5,
        merged,
        abandoned: false,
        hotfix: true,
        title: `fix(${this.service.split("-")[0]}): hotfix for ${bad.ref} regression`,
      });
      // A hotfix normally lands before the plan ends (bad deploys stop a day early), but guard anyway.
      if (!change) return { running: bad, blockedUntil: detected, rework: undefined };
      this.version = { ...this.version, patch: this.version.patch + 1 };
      const start = detected + total * 0.8;
      const rework = this.deployment(rng, s, { env: "production", sha: change.commit_sha, ref: versionTag(this.version), start, rework: true, minutes: (total * 0.2) / MINUTE });
      change.deployment_id = rework.deployment_id;
      this.hotfixes.push(change);
      if (incident) resolveAfter(incident, rework.finished_at.getTime() + rng.uniform(3, 15) * MINUTE);
      return { running: rework, blockedUntil: rework.finished_at.getTime() + 30 * MINUTE, rework };
    }
    return { running: bad, blockedUntil: -Infinity, rework: undefined };
  }

  // -- incidents -----------------------------------------------------------------------------

  private incident(
    rng: Random,
    i: { created: number; urgency: "high" | "low"; title: string; body: string; causedBy: string | null; refs: string[]; restoreFactor?: number },
  ): IncidentRow {
    const s = this.timeline.storyOf(i.created);
    const local = this.clock.toLocal(i.created);
    // Out of hours the on-call engineer needs longer to get to a laptop.
    const ack = rng.logNormal(at(story.ackMinutes, s), 0.7) * (this.clock.isWorkingTime(local) ? 1 : 1.6);
    const restore = rng.logNormal(at(story.restoreHours, s) * 60, 0.6) * (inBadMonth(s) ? 1.5 : 1) * (i.restoreFactor ?? 1);
    const created = at0(i.created);
    const acknowledged = at0(i.created + Math.max(0.5, ack) * MINUTE);
    const resolved = at0(Math.max(i.created + restore * MINUTE, acknowledged.getTime() + 2 * MINUTE));
    const row: IncidentRow = {
      incident_id: "",
      source: "demo",
      service: this.service,
      title: i.title,
      body: i.body,
      urgency: i.urgency,
      priority: i.urgency === "high" ? rng.pick(["P1", "P2", "P2"]) : rng.pick(["P3", "P4"]),
      created_at: created,
      acknowledged_at: acknowledged,
      resolved_at: resolved,
      status: "resolved",
      caused_by_deployment_id: i.causedBy,
      link_kind: i.causedBy ? "explicit" : "none",
      refs: i.refs,
      url: "",
      updated_at: resolved,
    };
    this.incidents.push(row);
    return row;
  }

  /** Pages not caused by a deployment: disks, certificates, providers; a spike in the bad month. */
  private unrelatedIncidents(rng: Random) {
    const { timeline, clock } = this;
    const lastCreated = timeline.endUtc - 2 * DAY;
    for (let month = timeline.startLocal; month < timeline.endLocal; month = nextMonth(month)) {
      const monthEnd = nextMonth(month);
      const s = timeline.storyOfLocal(month + 15 * DAY);
      const n = rng.poisson(at(story.unrelatedIncidents, s) * (inBadMonth(s) ? 3 : 1));
      for (let k = 0; k < n; k++) {
        let local = rng.uniform(month, monthEnd);
        if (rng.chance(0.55)) {
          const [open, close] = clock.workingWindow(clock.nextWorkingTime(local));
          local = rng.uniform(open, close);
        }
        const created = clock.toUtc(local);
        if (created >= lastCreated) continue;
        this.incident(rng, {
          created,
          urgency: rng.chance(0.45) ? "high" : "low",
          title: rng.pick(UNRELATED).replaceAll("{s}", this.service),
          body: "Alert fired by monitoring; no deployment in progress.",
          causedBy: null,
          refs: [],
        });
      }
      // The bad month's database failover pages every service (a sample of them in a large demo).
      if (inBadMonth(s) && rng.chance(Math.min(1, 12 / this.serviceCount))) {
        const failover = clock.toUtc(month + 12 * DAY + 14 * HOUR + 20 * MINUTE) + rng.uniform(0, 25) * MINUTE;
        if (failover < lastCreated) {
          this.incident(rng, {
            created: failover,
            urgency: "high",
            title: "Primary database failover: connection errors and timeouts",
            body: "Managed PostgreSQL primary failed over; clients reconnecting. Not deployment related.",
            causedBy: null,
            refs: [],
            restoreFactor: 1.5,
          });
        }
      }
    }
  }

  // -- ids that depend on time order -----------------------------------------------------------

  private numberPullRequests(): PullRequestRow[] {
    this.prs.sort((a, b) => a.row.opened_at.getTime() - b.row.opened_at.getTime());
    const first = 100 + (hash32(`${this.service}:pr`) % 800);
    return this.prs.map((draft, i) => {
      const number = first + i;
      draft.row.number = number;
      draft.row.pr_id = `demo:pr:${this.repo}#${number}`;
      draft.row.url = `${GIT_HOST}/${this.repo}/pull/${number}`;
      for (const c of draft.changes) {
        c.pr_id = draft.row.pr_id;
        if (draft.squash) c.title = `${c.title} (#${number})`;
      }
      return draft.row;
    });
  }

  private numberIncidents(): IncidentRow[] {
    this.incidents.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
    this.incidents.forEach((row, i) => {
      const key = `${this.service}:${i + 1}`;
      row.incident_id = `demo:incident:${key}`;
      row.url = `${PAGER_HOST}/incidents/${key}`;
    });
    return this.incidents;
  }
}

/**
 * Two pages still open when the data ends (one acknowledged, one just triggered), so reports show
 * how open incidents are counted rather than averaged.
 */
function openIncidents(services: string[], seed: number, timeline: Timeline): IncidentRow[] {
  const rng = createRandom(seed, "open-incidents");
  const end = timeline.endUtc;
  const specs = [
    { service: services[1 % services.length]!, created: end - rng.uniform(8, 30) * HOUR, status: "acknowledged" as const, title: "Queue backlog growing on {s}-events" },
    { service: services[3 % services.length]!, created: end - rng.uniform(0.5, 4) * HOUR, status: "triggered" as const, title: "{s}: p99 latency above SLO" },
  ];
  return specs.map((o, i) => {
    const created = at0(o.created);
    const acknowledged = o.status === "acknowledged" ? at0(o.created + rng.uniform(2, 9) * MINUTE) : null;
    const key = `${o.service}:open-${i + 1}`;
    return {
      incident_id: `demo:incident:${key}`,
      source: "demo",
      service: o.service,
      title: o.title.replaceAll("{s}", o.service),
      body: "Still open when the data ends.",
      urgency: "high",
      priority: "P2",
      created_at: created,
      acknowledged_at: acknowledged,
      resolved_at: null,
      status: o.status,
      caused_by_deployment_id: null,
      link_kind: "none",
      refs: [],
      url: `${PAGER_HOST}/incidents/${key}`,
      updated_at: acknowledged ?? created,
    };
  });
}

function byCommitTime(a: ChangeRow, b: ChangeRow): number {
  return a.committed_at.getTime() - b.committed_at.getTime() || a.commit_sha.localeCompare(b.commit_sha);
}

function resolveAfter(incident: IncidentRow, t: number) {
  if (incident.resolved_at && incident.resolved_at.getTime() >= t) return;
  incident.resolved_at = at0(t);
  incident.updated_at = incident.resolved_at;
}

/**
 * Release trains on Tuesdays and Thursdays at first (a Wednesday now and then, never a Friday), so
 * the organisation deploys on 2–3 days a week; any day but a quieter Friday later.
 */
function weekdayWeight(s: number, weekday: number): number {
  const early = [0.05, 2.3, 0.2, 2.3, 0, 0, 0][weekday - 1]!;
  const late = [1, 1.1, 1.1, 1.1, 0.7, 0.2, 0.2][weekday - 1]!;
  const blend = Math.min(1, Math.max(0, (s - 2) / 4));
  return early + (late - early) * blend;
}

/** The Christmas week: little work, a deploy freeze. */
function isHoliday(local: number): boolean {
  const d = new Date(local);
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return (month === 12 && day >= 22) || (month === 1 && day <= 1);
}

function nextMonth(local: number): number {
  const d = new Date(local);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function versionTag(v: { major: number; minor: number; patch: number }): string {
  return `v${v.major}.${v.minor}.${v.patch}`;
}

/** Whole seconds, as the APIs report them. */
function at0(ms: number): Date {
  return new Date(Math.round(ms / 1000) * 1000);
}
