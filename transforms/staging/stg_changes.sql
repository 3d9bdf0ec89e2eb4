-- grain: one row per change (a commit, or a PR when commits are unknown).
-- inputs: core.changes.
-- definition: core changes renamed and cast; start_at is the lead-time start, the PR's first commit when known (a squash merge hides it), else the commit time.
-- materialize: view (a plain projection: copying it would only cost time and disk)
SELECT
  change_id,
  source,
  service,
  repo,
  deployment_id,
  lower(commit_sha) AS commit_sha,
  pr_id,
  title,
  authored_at,
  committed_at,
  pr_first_commit_at,
  pr_opened_at,
  first_review_at,
  merged_at,
  coalesce(pr_first_commit_at, committed_at) AS start_at
FROM core.changes
