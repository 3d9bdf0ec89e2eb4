import { createHash } from "node:crypto";

// The simulator's in-memory organisation: plain data a test (or a benchmark) seeds and may mutate.

export interface SimPerson {
  name: string;
  email: string;
  login?: string;
}

export interface SimCommit {
  sha: string;
  parents: string[];
  message: string;
  author: SimPerson & { date: string };
  committer: SimPerson & { date: string };
  /** Paths the commit touched (monorepo tests); `history(path:)` filters on them. */
  files: string[];
}

export interface SimDeploymentStatus {
  id: number;
  state: "error" | "failure" | "inactive" | "pending" | "success" | "queued" | "in_progress";
  created_at: string;
}

export interface SimDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  production_environment?: boolean;
  created_at: string;
  updated_at: string;
  statuses: SimDeploymentStatus[];
}

export interface SimRelease {
  id: number;
  tag_name: string;
  name: string | null;
  draft: boolean;
  prerelease: boolean;
  created_at: string;
  published_at: string | null;
  sha: string;
}

export interface SimTag {
  name: string;
  sha: string;
  /** Annotated tags have a tagger date; lightweight ones do not. */
  tagger_date?: string;
}

export interface SimWorkflowRun {
  id: number;
  workflow_id: number;
  name: string;
  path: string;
  head_branch: string;
  head_sha: string;
  event: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  created_at: string;
  updated_at: string;
  run_started_at: string;
}

export interface SimReview {
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "PENDING" | "DISMISSED";
  submitted_at: string;
  login: string;
}

export interface SimPull {
  number: number;
  title: string;
  login: string;
  head_ref: string;
  base_ref: string;
  labels: string[];
  created_at: string;
  updated_at: string;
  merged_at: string | null;
  closed_at: string | null;
  merge_commit_sha: string | null;
  /** The PR's own commits (for squash/rebase merges these never reach the base branch). */
  commits: string[];
  /** Commits on the base branch that came from this PR (rebase merges): associatedPullRequests. */
  landed: string[];
  reviews: SimReview[];
  additions: number;
  deletions: number;
}

/** An issue (GitHub numbers issues and PRs in one sequence; the issues list also returns the PRs). */
export interface SimIssue {
  number: number;
  title: string;
  body: string | null;
  login: string;
  labels: string[];
  state: "open" | "closed";
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface SimRepo {
  id: number;
  owner: string;
  name: string;
  default_branch: string;
  commits: Map<string, SimCommit>;
  branches: Map<string, string>;
  deployments: SimDeployment[];
  releases: SimRelease[];
  tags: SimTag[];
  runs: SimWorkflowRun[];
  pulls: SimPull[];
  issues: SimIssue[];
  /** Raw JSON patches applied to items as served: fault injection of malformed items. */
  malformed: { kind: "deployment" | "run" | "compare_commit" | "pull"; id: string | number; patch: Record<string, unknown> }[];
}

export const DEV: SimPerson = { name: "Dev One", email: "dev@example.com", login: "dev1" };

/** A data-driven org: repositories are created on first use; ids are deterministic. */
export class SimState {
  readonly repos = new Map<string, SimRepo>();
  private nextId = 1000;

  id(): number {
    return this.nextId++;
  }

  repo(fullName: string): SimRepo {
    let repo = this.repos.get(fullName);
    if (!repo) {
      const [owner, name] = fullName.split("/") as [string, string];
      repo = {
        id: this.id(),
        owner,
        name,
        default_branch: "main",
        commits: new Map(),
        branches: new Map(),
        deployments: [],
        releases: [],
        tags: [],
        runs: [],
        pulls: [],
        issues: [],
        malformed: [],
      };
      this.repos.set(fullName, repo);
    }
    return repo;
  }

  /** Adds a commit on `branch` (parents default to the branch head) and moves the branch. */
  commit(
    fullName: string,
    options: { message: string; date: string; authoredAt?: string; parents?: string[]; branch?: string; author?: SimPerson; files?: string[] },
  ): string {
    const repo = this.repo(fullName);
    const branch = options.branch ?? repo.default_branch;
    const head = repo.branches.get(branch);
    const parents = options.parents ?? (head ? [head] : []);
    const author = options.author ?? DEV;
    const sha = createHash("sha1")
      .update(JSON.stringify([fullName, parents, options.message, options.date, options.authoredAt ?? "", repo.commits.size]))
      .digest("hex");
    repo.commits.set(sha, {
      sha,
      parents,
      message: options.message,
      author: { ...author, date: options.authoredAt ?? options.date },
      committer: { ...author, date: options.date },
      files: options.files ?? [],
    });
    repo.branches.set(branch, sha);
    return sha;
  }

  deploy(
    fullName: string,
    options: { sha: string; environment?: string; ref?: string; at: string; statuses?: [SimDeploymentStatus["state"], string][]; production_environment?: boolean },
  ): SimDeployment {
    const repo = this.repo(fullName);
    const statuses = (options.statuses ?? [["success", options.at]]).map(([state, created_at]) => ({ id: this.id(), state, created_at }));
    const d: SimDeployment = {
      id: this.id(),
      sha: options.sha,
      ref: options.ref ?? "main",
      task: "deploy",
      environment: options.environment ?? "production",
      production_environment: options.production_environment,
      created_at: options.at,
      updated_at: statuses.at(-1)?.created_at ?? options.at,
      statuses,
    };
    repo.deployments.push(d);
    return d;
  }

  /** Adds a status to a deployment later (its updated_at moves). */
  addStatus(fullName: string, deploymentId: number, state: SimDeploymentStatus["state"], at: string): void {
    const d = this.repo(fullName).deployments.find((x) => x.id === deploymentId);
    if (!d) throw new Error(`no deployment ${deploymentId}`);
    d.statuses.push({ id: this.id(), state, created_at: at });
    d.updated_at = at;
  }

  pull(fullName: string, pull: Partial<SimPull> & Pick<SimPull, "created_at" | "merged_at">): SimPull {
    const repo = this.repo(fullName);
    const p: SimPull = {
      number: pull.number ?? repo.pulls.length + 1,
      title: pull.title ?? `Change ${repo.pulls.length + 1}`,
      login: pull.login ?? "dev1",
      head_ref: pull.head_ref ?? `feature/${repo.pulls.length + 1}`,
      base_ref: pull.base_ref ?? repo.default_branch,
      labels: pull.labels ?? [],
      created_at: pull.created_at,
      updated_at: pull.updated_at ?? pull.merged_at ?? pull.created_at,
      merged_at: pull.merged_at,
      closed_at: pull.closed_at ?? pull.merged_at,
      merge_commit_sha: pull.merge_commit_sha ?? null,
      commits: pull.commits ?? [],
      landed: pull.landed ?? [],
      reviews: pull.reviews ?? [],
      additions: pull.additions ?? 10,
      deletions: pull.deletions ?? 2,
    };
    repo.pulls.push(p);
    return p;
  }

  /**
   * A merged PR, as GitHub records it: `merge` (merge commit with the PR's commits as second parent),
   * `squash` (one new commit) or `rebase` (the commits replayed on the base branch).
   */
  mergePull(
    fullName: string,
    options: { how: "merge" | "squash" | "rebase"; commits: { message: string; authoredAt: string }[]; openedAt: string; mergedAt: string; title?: string; labels?: string[]; head_ref?: string; reviews?: SimReview[] },
  ): SimPull {
    const repo = this.repo(fullName);
    const base = repo.branches.get(repo.default_branch);
    const number = repo.pulls.length + 1;
    const branch = `pr-${number}`;
    if (base) repo.branches.set(branch, base);
    const own = options.commits.map((c) => this.commit(fullName, { message: c.message, date: c.authoredAt, authoredAt: c.authoredAt, branch }));
    let merge: string;
    let landed: string[] = [];
    if (options.how === "merge") {
      merge = this.commit(fullName, { message: `Merge pull request #${number} from acme/${branch}`, date: options.mergedAt, parents: [base!, own.at(-1)!].filter(Boolean) });
    } else if (options.how === "squash") {
      merge = this.commit(fullName, { message: `${options.title ?? `Change ${number}`} (#${number})`, date: options.mergedAt, authoredAt: options.commits[0]!.authoredAt });
    } else {
      landed = options.commits.map((c) => this.commit(fullName, { message: c.message, date: options.mergedAt, authoredAt: c.authoredAt }));
      merge = landed.at(-1)!;
    }
    repo.branches.delete(branch);
    return this.pull(fullName, {
      number,
      title: options.title,
      labels: options.labels,
      head_ref: options.head_ref ?? branch,
      created_at: options.openedAt,
      merged_at: options.mergedAt,
      merge_commit_sha: merge,
      commits: own,
      landed,
      reviews: options.reviews,
    });
  }

  /** Adds an issue numbered after every issue and PR so far; `closed_at` closes it. */
  issue(fullName: string, issue: Partial<SimIssue> & Pick<SimIssue, "created_at">): SimIssue {
    const repo = this.repo(fullName);
    const number = issue.number ?? Math.max(0, ...repo.issues.map((i) => i.number), ...repo.pulls.map((p) => p.number)) + 1;
    const closedAt = issue.closed_at ?? null;
    const i: SimIssue = {
      number,
      title: issue.title ?? `Issue ${number}`,
      body: issue.body ?? null,
      login: issue.login ?? "dev1",
      labels: issue.labels ?? [],
      state: issue.state ?? (closedAt ? "closed" : "open"),
      created_at: issue.created_at,
      updated_at: issue.updated_at ?? closedAt ?? issue.created_at,
      closed_at: closedAt,
    };
    repo.issues.push(i);
    return i;
  }

  /** Closes an issue later (its updated_at moves). */
  closeIssue(fullName: string, number: number, at: string): void {
    const i = this.repo(fullName).issues.find((x) => x.number === number);
    if (!i) throw new Error(`no issue #${number}`);
    i.state = "closed";
    i.closed_at = at;
    i.updated_at = at;
  }

  head(fullName: string, branch?: string): string {
    const repo = this.repo(fullName);
    const sha = repo.branches.get(branch ?? repo.default_branch);
    if (!sha) throw new Error(`${fullName}: no branch ${branch ?? repo.default_branch}`);
    return sha;
  }
}

/** Commits reachable from `sha` (itself included). */
export function ancestorsOf(repo: SimRepo, sha: string): Set<string> {
  const seen = new Set<string>();
  const stack = [sha];
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s) || !repo.commits.has(s)) continue;
    seen.add(s);
    stack.push(...repo.commits.get(s)!.parents);
  }
  return seen;
}

/** Parents before children; siblings by committer date. Iterative: histories can be long. */
export function topoOrder(repo: SimRepo, shas: Set<string>): string[] {
  const out: string[] = [];
  const done = new Set<string>();
  const sorted = [...shas].sort((a, b) => repo.commits.get(a)!.committer.date.localeCompare(repo.commits.get(b)!.committer.date));
  for (const start of sorted) {
    const stack: [string, boolean][] = [[start, false]];
    while (stack.length) {
      const [sha, expanded] = stack.pop()!;
      if (expanded) {
        out.push(sha);
        continue;
      }
      if (done.has(sha) || !shas.has(sha)) continue;
      done.add(sha);
      stack.push([sha, true]);
      for (const p of [...repo.commits.get(sha)!.parents].reverse()) stack.push([p, false]);
    }
  }
  return out;
}
