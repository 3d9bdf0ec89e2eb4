-- grain: one row per change shipped by a successful production deployment.
-- inputs: intermediate.int_lead_times.
-- definition: lead time = deployment finished_at − coalesce(pr_first_commit_at, committed_at), in hours, with its stages; values ≤ 0 are kept here and left out of the statistics.
SELECT
  change_id, service, deployment_id, deployed_at, start_at, lead_time_hours,
  coding_hours, pickup_hours, review_hours, deploy_hours, window_name,
  -- the local day of deployed_at (configured zone): metrics.lead_time's periods
  local_day
FROM intermediate.int_lead_times
