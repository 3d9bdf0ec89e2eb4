-- grain: one row per change shipped by a successful production deployment.
-- inputs: staging.stg_changes, intermediate.int_deployments.
-- definition: lead time = deployment finished_at − coalesce(pr_first_commit_at, committed_at), in hours, with the stages coding (PR opened − start), pickup (first review − opened), review (merged − first review) and deploy (deployed − merged), and the deployment's local day.
-- materialize: view (read once, by metrics.lead_time_items, which keeps the rows; a second copy of 10M rows at 1M deployments cost a quarter of a minute)
SELECT
  c.change_id,
  c.service,
  c.deployment_id,
  d.finished_at AS deployed_at,
  d.local_day,
  c.start_at,
  (epoch(d.finished_at) - epoch(c.start_at)) / 3600.0 AS lead_time_hours,
  (epoch(c.pr_opened_at) - epoch(c.start_at)) / 3600.0 AS coding_hours,
  (epoch(c.first_review_at) - epoch(c.pr_opened_at)) / 3600.0 AS pickup_hours,
  (epoch(c.merged_at) - epoch(c.first_review_at)) / 3600.0 AS review_hours,
  (epoch(d.finished_at) - epoch(c.merged_at)) / 3600.0 AS deploy_hours,
  d.window_name
FROM staging.stg_changes c
JOIN intermediate.int_deployments d ON d.deployment_id = c.deployment_id
