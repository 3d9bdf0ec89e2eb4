-- grain: one row per change unit shipped by a successful production deployment: a merged PR, or a commit that reached production without a PR.
-- inputs: intermediate.int_lead_times.
-- definition: lead time = finished_at of the first production deployment holding the unit − its start (a PR's first authored commit, else the commit time), in hours, with its stages; negative values are kept here and left out of the statistics.
SELECT
  change_id, service, pr_id, commits, deployment_id, deployed_at, start_at, lead_time_hours,
  coding_hours, pickup_hours, review_hours, deploy_hours, window_name,
  -- the local day of deployed_at (configured zone): metrics.lead_time's periods
  local_day,
  -- the PR's title and page, or the commit's message line for a change without a PR
  title, url
FROM intermediate.int_lead_times
