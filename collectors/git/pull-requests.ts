import type { GitCommit } from "../../schemas/git.ts";

/** GitHub's merge-commit subject, and a squash merge's subject suffix. */
const MERGE_SUBJECT = /^Merge pull request #(\d+)\b/;
const SQUASH_SUBJECT = /\(#(\d+)\)\s*$/;

export interface PullRequestOfCommit {
  number: number;
  /** Author time of the PR's earliest authored commit (a merge commit's own time only when it is alone). */
  first_commit_at: string;
  /** When the PR reached the main line: the merge commit's, or the squash commit's, committed time. */
  merged_at: string;
}

/**
 * Groups a release's commits into pull requests as the history records them, since local git has no
 * PR data: a `Merge pull request #N` merge commit with two parents owns itself and the commits its
 * second parent brought in (reachable from it, not from the first parent, within this release); a
 * commit whose subject ends in `(#N)` is a squash merge of PR N. GitHub merges a PR with exactly two
 * parents, so an octopus merge is no PR whatever its subject. Merges are read descendants first (by
 * the parent links, not by date, which a skewed clock can invert), so a PR merged into another PR's
 * branch counts with the one that reached the main line. A rebase merge leaves no marker: its commits,
 * like any commit in no group, are each their own change. Pure: a function of the stored commits only.
 */
export function pullRequestsOf(commits: GitCommit[]): Map<string, PullRequestOfCommit> {
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const numberOf = new Map<string, number>();
  const mergedAt = new Map<number, string>();
  for (const c of descendantsFirst(commits, bySha)) {
    const m = MERGE_SUBJECT.exec(c.subject);
    if (!m || c.parents.length !== 2 || numberOf.has(c.sha)) continue;
    const n = Number(m[1]);
    const mainLine = reachable(c.parents[0]!, bySha);
    numberOf.set(c.sha, n);
    for (const sha of reachable(c.parents[1]!, bySha)) if (!mainLine.has(sha) && !numberOf.has(sha)) numberOf.set(sha, n);
    mergedAt.set(n, c.committed_at);
  }
  for (const c of commits) {
    const m = SQUASH_SUBJECT.exec(c.subject);
    if (!m || c.parents.length > 1 || numberOf.has(c.sha)) continue;
    const n = Number(m[1]);
    numberOf.set(c.sha, n);
    if (!mergedAt.has(n) || c.committed_at > mergedAt.get(n)!) mergedAt.set(n, c.committed_at);
  }
  const withOwnCommits = new Set([...numberOf].filter(([sha]) => bySha.get(sha)!.parents.length < 2).map(([, n]) => n));
  const first = new Map<number, string>();
  for (const [sha, n] of numberOf) {
    const c = bySha.get(sha)!;
    // a merge commit is dated at the merge, not when work began
    if (c.parents.length > 1 && withOwnCommits.has(n)) continue;
    if (!first.has(n) || c.authored_at < first.get(n)!) first.set(n, c.authored_at);
  }
  const out = new Map<string, PullRequestOfCommit>();
  for (const [sha, n] of numberOf) out.set(sha, { number: n, first_commit_at: first.get(n)!, merged_at: mergedAt.get(n)! });
  return out;
}

/** `commits` ordered so that every commit comes before its parents in the set (Kahn's algorithm over the child counts). */
function descendantsFirst(commits: GitCommit[], bySha: Map<string, GitCommit>): GitCommit[] {
  const children = new Map<string, number>();
  for (const c of commits) for (const p of c.parents) if (bySha.has(p)) children.set(p, (children.get(p) ?? 0) + 1);
  const ready = commits.filter((c) => !children.has(c.sha));
  const out: GitCommit[] = [];
  while (ready.length) {
    const c = ready.pop()!;
    out.push(c);
    for (const p of c.parents) {
      const left = children.get(p);
      if (left === undefined) continue;
      if (left === 1) {
        children.delete(p);
        ready.push(bySha.get(p)!);
      } else children.set(p, left - 1);
    }
  }
  return out;
}

/** Commits of `commits` reachable from `start` (itself included), walking parents inside the set. */
function reachable(start: string, bySha: Map<string, GitCommit>): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const sha = todo.pop()!;
    if (seen.has(sha) || !bySha.has(sha)) continue;
    seen.add(sha);
    todo.push(...bySha.get(sha)!.parents);
  }
  return seen;
}
