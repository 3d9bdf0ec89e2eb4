/**
 * A small, hand-checkable GitLab project for the simulator. Times are UTC unless a commit carries
 * an offset, as GitLab's do.
 *
 * main history: c0 ─ c1 ─ c2 ─ m1 (merge of !1: c1, c2) ─ s2 (squash of !2) ─ c3 (direct push)
 *
 * deployments (production, tier production, unless noted):
 *   101 c0 success  01-05 10:00  first known: GitLab tracked no MR for it → no change
 *   102 m1 success  staging      not production
 *   103 m1 success  01-06 10:00  ships c1, c2, m1 (→ !1)
 *   104 c3 failed   01-07 11:00  kept as failure, ships nothing
 *   105 c3 success  01-07 12:00  ships s2 (→ !2, labelled hotfix → rework), c3 (no MR); top-level finished_at
 *   106 m1 success  01-08 09:00  rollback (m1 ran before)
 *   107 c3 canceled 01-08 10:00
 *   108 c3 success  01-08 12:00  re-ships s2, c3: already shipped by 105 → no new change
 *   109 c2 success  01-09 08:00  rollback to an ancestor never deployed (compare finds nothing)
 *   110 c3 success  01-09 09:00  API-created (no deployable): finished_at = updated_at
 */
import type { SimCommit, SimDeployment, SimProject } from "./server.ts";

export const sha = (label: string): string => {
  let hex = "";
  for (const ch of label) hex += ch.charCodeAt(0).toString(16);
  return hex.padEnd(40, "0").slice(0, 40);
};

const commit = (label: string, authored: string, title = `commit ${label}`): SimCommit => ({
  id: sha(label),
  title,
  authored_date: authored,
  committed_date: authored,
});

export const COMMITS = {
  c0: commit("c0", "2025-12-20T10:00:00.000+01:00", "Initial commit"),
  c1: commit("c1", "2026-01-01T08:00:00.000+01:00"),
  c2: commit("c2", "2026-01-02T08:30:00.000+01:00"),
  m1: commit("m1", "2026-01-05T15:00:00.000Z", "Merge branch 'feature-1' into 'main'"),
  x1: commit("x1", "2026-01-06T09:00:00.000+01:00"),
  s2: commit("s2", "2026-01-07T09:00:00.000Z", "Fix payment rounding"),
  c3: commit("c3", "2026-01-07T10:00:00.000Z", "Bump version"),
};

function deployment(id: number, label: keyof typeof COMMITS, status: string, finished: string, extra: Partial<SimDeployment> = {}): SimDeployment {
  const done = new Date(finished);
  const created = new Date(done.getTime() - 10 * 60_000).toISOString();
  return {
    id,
    iid: id - 100,
    sha: sha(label),
    status,
    environment: "production",
    created_at: created,
    updated_at: new Date(done.getTime() + 60_000).toISOString(),
    deployable: {
      id: id + 1000,
      status,
      created_at: created,
      started_at: new Date(done.getTime() - 5 * 60_000).toISOString(),
      finished_at: finished,
      pipeline: { id: id + 500, created_at: new Date(done.getTime() - 20 * 60_000).toISOString() },
    },
    ...extra,
  };
}

export function paymentsProject(path = "acme/payments", id = 7): SimProject {
  const c = COMMITS;
  return {
    id,
    path,
    environments: [
      { id: 1, name: "production", tier: "production" },
      { id: 2, name: "staging", tier: "staging" },
    ],
    history: [c.c0, c.c1, c.c2, c.m1, c.s2, c.c3],
    mergeRequests: [
      {
        id: 1001,
        iid: 1,
        title: "Add refunds",
        state: "merged",
        author: "alice",
        created_at: "2026-01-02T09:00:00.000Z",
        updated_at: "2026-01-05T15:00:01.000Z",
        merged_at: "2026-01-05T15:00:00.000Z",
        sha: sha("c2"),
        merge_commit_sha: sha("m1"),
        commits: [c.c1, c.c2],
        notes: [
          { id: 1, body: "Ready for review", system: false, created_at: "2026-01-02T09:05:00.000Z", author: "alice" },
          { id: 2, body: "Looks good, one nit", system: false, created_at: "2026-01-03T10:00:00.000Z", author: "bob" },
          { id: 3, body: "approved this merge request", system: true, created_at: "2026-01-04T11:00:00.000Z", author: "bob" },
        ],
      },
      {
        id: 1002,
        iid: 2,
        title: "Fix payment rounding",
        state: "merged",
        author: "carol",
        labels: ["hotfix"],
        created_at: "2026-01-06T10:00:00.000Z",
        updated_at: "2026-01-07T09:00:01.000Z",
        merged_at: "2026-01-07T09:00:00.000Z",
        sha: sha("x1"),
        squash_commit_sha: sha("s2"),
        commits: [c.x1],
        notes: [{ id: 4, body: "approved this merge request", system: true, created_at: "2026-01-06T12:00:00.000Z", author: "alice" }],
      },
      {
        id: 1003,
        iid: 3,
        title: "Work in progress",
        state: "opened",
        author: "alice",
        created_at: "2026-01-08T10:00:00.000Z",
        updated_at: "2026-01-08T10:00:00.000Z",
        sha: sha("x9"),
        commits: [],
      },
    ],
    deployments: [
      deployment(101, "c0", "success", "2026-01-05T10:00:00.000Z"),
      deployment(102, "m1", "success", "2026-01-05T20:00:00.000Z", { environment: "staging" }),
      deployment(103, "m1", "success", "2026-01-06T10:00:00.000Z"),
      deployment(104, "c3", "failed", "2026-01-07T11:00:00.000Z"),
      deployment(105, "c3", "success", "2026-01-07T12:00:00.000Z", { finished_at: "2026-01-07T12:00:30.000Z" }),
      deployment(106, "m1", "success", "2026-01-08T09:00:00.000Z"),
      deployment(107, "c3", "canceled", "2026-01-08T10:00:00.000Z"),
      deployment(108, "c3", "success", "2026-01-08T12:00:00.000Z"),
      deployment(109, "c2", "success", "2026-01-09T08:00:00.000Z"),
      { ...deployment(110, "c3", "success", "2026-01-09T09:00:00.000Z"), deployable: null },
    ],
  };
}

/** n successful production deployments of one commit, a minute apart (for paging tests). */
export function manyDeployments(n: number, path = "acme/big", id = 9): SimProject {
  const c0 = COMMITS.c0;
  const start = Date.parse("2026-02-01T00:00:00.000Z");
  return {
    id,
    path,
    environments: [{ id: 1, name: "production", tier: "production" }],
    history: [c0],
    mergeRequests: [],
    deployments: Array.from({ length: n }, (_, i) => deployment(1 + i + 100, "c0", "success", new Date(start + i * 60_000).toISOString())),
  };
}
