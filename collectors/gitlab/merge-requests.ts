import { GitlabMergeRequest, GitlabNote } from "../../schemas/gitlab.ts";
import { defineStream } from "../core/stream.ts";
import { listAll, listPages, type GitlabClient } from "./client.ts";
import { gitlabClient, gitlabConfig, gitlabProjects, projectUrl, type GitlabProjectRef, type GitlabRun } from "./context.ts";

/** GitLab writes this system note when someone approves (all tiers; the approvals API has no times on Free). */
const APPROVAL_NOTE = /^approved this merge request/i;

export const mergeRequestId = (project: GitlabProjectRef, iid: number) => `gitlab:mr:${project.path}:${iid}`;

/**
 * Merged merge requests, oldest update first (`updated_after`, so the cursor is `updated_at`).
 * Each MR carries its commits (the first one's author time is where lead time starts, which a
 * squash hides) and its first review and approval notes.
 */
export const mergeRequests = defineStream<GitlabMergeRequest, GitlabProjectRef, GitlabRun>({
  id: "gitlab.merge_requests",
  item: GitlabMergeRequest,
  itemId: (raw) => {
    const mr = raw as { iid?: unknown; id?: unknown } | null;
    return mr?.iid !== undefined ? `!${String(mr.iid)}` : String(mr?.id ?? "(no id)");
  },
  partitions: gitlabProjects,
  partitionKey: (project) => project.path,
  order: "asc",
  overlapMs: 5 * 60_000,
  async *pages(ctx, project, since) {
    const client = gitlabClient(ctx);
    const perPage = gitlabConfig(ctx).page_size;
    const params: Record<string, unknown> = { state: "merged", order_by: "updated_at", sort: "asc", per_page: perPage, ...(since ? { updated_after: since } : {}) };
    const pages = listPages((page) =>
      client.mergeRequests.all({
        projectId: project.path,
        state: "merged",
        orderBy: "updated_at",
        sort: "asc",
        perPage,
        ...(since ? { updatedAfter: since } : {}),
        page,
        showExpanded: true,
      }),
    );
    for await (const p of pages) {
      const items: unknown[] = [];
      for (const mr of p.items) items.push(await withSubResources(client, project, mr));
      yield { url: projectUrl(client, project, "merge_requests"), params: { ...params, page: p.page }, items };
    }
  },
  toRows(mr, ctx, project) {
    const cfg = gitlabConfig(ctx);
    const firstCommit = earliest(mr._commits.map((c) => c.authored_date ?? c.committed_date ?? c.created_at));
    const approval = mr._review_notes.find((n) => isApproval(n));
    const labels = mr.labels ?? [];
    const shas = new Set<string>(mr._commits.map((c) => c.id));
    for (const sha of [mr.merge_commit_sha, mr.squash_commit_sha, mr.sha]) if (sha) shas.add(sha);
    return {
      "core.pull_requests": [
        {
          pr_id: mergeRequestId(project, mr.iid),
          source: "gitlab",
          service: project.service,
          repo: project.path,
          number: mr.iid,
          title: mr.title ?? null,
          author: mr.author?.username ?? null,
          base_branch: mr.target_branch ?? null,
          head_branch: mr.source_branch ?? null,
          labels,
          opened_at: mr.created_at,
          first_commit_at: firstCommit,
          first_review_at: earliest(mr._review_notes.map((n) => n.created_at)),
          approved_at: approval?.created_at ?? null,
          merged_at: mr.merged_at ?? null,
          closed_at: mr.closed_at ?? null,
          merge_commit_sha: mr.merge_commit_sha ?? mr.squash_commit_sha ?? null,
          commits: mr._commits.length,
          is_revert: /^Revert "/.test(mr.title ?? ""),
          is_hotfix: labels.some((l) => cfg.hotfix_labels.includes(l)),
          url: mr.web_url ?? null,
          updated_at: mr.updated_at,
          commit_shas: [...shas].sort(),
        },
      ],
    };
  },
  cursorOf: (mr) => mr.updated_at,
});

function isApproval(note: GitlabNote): boolean {
  return Boolean(note.system) && APPROVAL_NOTE.test(note.body ?? "");
}

/** A review: an approval, or a human comment by someone other than the author. */
function isReview(note: GitlabNote, author: string | null | undefined): boolean {
  if (isApproval(note)) return true;
  return !note.system && Boolean(note.author?.username) && note.author?.username !== author;
}

/**
 * The MR list item with `_commits` (all its commits) and `_review_notes` (the first review note
 * and the first approval note, oldest first; the notes walk stops once both are found).
 */
async function withSubResources(client: GitlabClient, project: GitlabProjectRef, raw: unknown): Promise<unknown> {
  const mr = raw as { iid?: unknown; author?: { username?: string } } | null;
  // A malformed item goes to validation untouched, which names it and keeps the page.
  if (!mr || typeof mr.iid !== "number") return raw;
  const iid = mr.iid;
  const commits = await listAll((page) => client.mergeRequests.allCommits(project.path, iid, { perPage: 100, page, showExpanded: true }));
  const reviewNotes: unknown[] = [];
  let review = false;
  let approval = false;
  const notes = listPages((page) =>
    client.mergeRequestNotes.all(project.path, iid, { sort: "asc", orderBy: "created_at", perPage: 100, page, showExpanded: true }),
  );
  for await (const p of notes) {
    for (const item of p.items) {
      const note = GitlabNote.safeParse(item);
      if (!note.success) continue;
      const isA = isApproval(note.data);
      const isR = isReview(note.data, mr.author?.username);
      if ((isA && !approval) || (isR && !review)) reviewNotes.push(item);
      approval ||= isA;
      review ||= isR;
    }
    if (review && approval) break;
  }
  return { ...(raw as object), _commits: commits, _review_notes: reviewNotes };
}

function earliest(times: (string | null | undefined)[]): string | null {
  let best: string | null = null;
  let bestMs = Infinity;
  for (const t of times) {
    if (!t) continue;
    const ms = Date.parse(t);
    if (ms < bestMs) {
      bestMs = ms;
      best = t;
    }
  }
  return best;
}
