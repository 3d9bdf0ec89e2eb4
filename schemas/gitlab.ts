import { z } from "zod";

// GitLab REST v4 items: only the fields the collector reads (GitLab adds fields freely; unknown keys pass).
// Timestamps come as ISO 8601 with `Z` (deployments, MRs) or with an offset (commits: `+02:00`).

const Timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "expected an ISO 8601 timestamp");
const OptionalTimestamp = Timestamp.nullish();
const Sha = z.string().regex(/^[0-9a-f]{7,64}$/i, "expected a commit SHA");
const User = z.looseObject({ username: z.string().nullish() }).nullish();

export const GitlabPipelineRef = z.looseObject({
  id: z.number().int(),
  created_at: OptionalTimestamp,
  /** Not in the documented deployable.pipeline example; read when a GitLab version sends it. */
  started_at: OptionalTimestamp,
});

export const GitlabDeployable = z.looseObject({
  id: z.number().int(),
  status: z.string().nullish(),
  created_at: OptionalTimestamp,
  started_at: OptionalTimestamp,
  finished_at: OptionalTimestamp,
  pipeline: GitlabPipelineRef.nullish(),
});

/** GET /projects/:id/deployments item (doc/api/deployments.md). */
export const GitlabDeployment = z.looseObject({
  id: z.number().int(),
  iid: z.number().int().nullish(),
  ref: z.string().nullish(),
  sha: Sha,
  created_at: Timestamp,
  updated_at: Timestamp,
  /** Not in the documented examples (the list can still be ordered and filtered by it); read when present. */
  finished_at: OptionalTimestamp,
  status: z.string().min(1),
  environment: z.looseObject({ id: z.number().int(), name: z.string().min(1) }),
  deployable: GitlabDeployable.nullish(),
  user: User,
});
export type GitlabDeployment = z.infer<typeof GitlabDeployment>;

/** GET /projects/:id/environments item. `tier` exists since GitLab 13.10. */
export const GitlabEnvironment = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  tier: z.string().nullish(),
});
export type GitlabEnvironment = z.infer<typeof GitlabEnvironment>;

/** GET /projects/:id/merge_requests/:iid/commits item, and a commit in repository/compare. */
export const GitlabCommit = z.looseObject({
  id: Sha,
  title: z.string().nullish(),
  author_name: z.string().nullish(),
  authored_date: OptionalTimestamp,
  committed_date: OptionalTimestamp,
  created_at: OptionalTimestamp,
});
export type GitlabCommit = z.infer<typeof GitlabCommit>;

/** GET /projects/:id/merge_requests/:iid/notes item (system notes record approvals). */
export const GitlabNote = z.looseObject({
  id: z.number().int(),
  body: z.string().nullish(),
  system: z.boolean().nullish(),
  created_at: Timestamp,
  author: User,
});
export type GitlabNote = z.infer<typeof GitlabNote>;

/** GET /projects/:id/merge_requests item. */
export const GitlabMergeRequestBase = z.looseObject({
  id: z.number().int(),
  iid: z.number().int(),
  title: z.string().nullish(),
  state: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
  merged_at: OptionalTimestamp,
  closed_at: OptionalTimestamp,
  target_branch: z.string().nullish(),
  source_branch: z.string().nullish(),
  sha: z.string().nullish(),
  merge_commit_sha: z.string().nullish(),
  squash_commit_sha: z.string().nullish(),
  labels: z.array(z.string()).nullish(),
  author: User,
  web_url: z.string().nullish(),
});

/**
 * A merged MR as the merge-requests stream stores it: the list item untouched, with the responses
 * of its sub-resources embedded (so core rows can be rebuilt from raw.pages alone):
 * `_commits` = GET …/merge_requests/:iid/commits, `_review_notes` = the first review note and the
 * first approval note from GET …/merge_requests/:iid/notes (not the whole discussion).
 */
export const GitlabMergeRequest = GitlabMergeRequestBase.extend({
  _commits: z.array(GitlabCommit),
  _review_notes: z.array(GitlabNote),
});
export type GitlabMergeRequest = z.infer<typeof GitlabMergeRequest>;

/** GET /projects/:id/repository/compare (an object, not a list). */
export const GitlabCompare = z.looseObject({
  commits: z.array(GitlabCommit),
  compare_timeout: z.boolean().nullish(),
});
export type GitlabCompare = z.infer<typeof GitlabCompare>;

/** GET /groups/:id/projects item. */
export const GitlabProject = z.looseObject({
  id: z.number().int(),
  path_with_namespace: z.string().min(1),
  archived: z.boolean().nullish(),
});
export type GitlabProject = z.infer<typeof GitlabProject>;

/**
 * GET /projects/:id/issues item (doc/api/issues.md). `severity` is GitLab's own incident severity
 * (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL), sent on recent versions.
 */
export const GitlabIssue = z.looseObject({
  id: z.number().int(),
  iid: z.number().int(),
  title: z.string(),
  description: z.string().nullish(),
  state: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
  closed_at: OptionalTimestamp,
  labels: z.array(z.string()).default([]),
  severity: z.string().nullish(),
  web_url: z.string().nullish(),
});
export type GitlabIssue = z.infer<typeof GitlabIssue>;
