-- grain: one row per commit shipped by a successful production deployment (the per-commit view; the headline counts change units in metrics.lead_time_items).
-- inputs: staging.stg_changes, intermediate.int_deployments.
-- definition: lead time of one commit = finished_at of the deployment that shipped it first − its start (its PR's first commit when known, else its committed time), in hours.
-- materialize: view (no transform reads it: a table would copy every shipped commit, 9.5M rows at 1M deployments, for readers who may never ask)
SELECT
  c.change_id,
  c.service,
  c.commit_sha,
  c.pr_id,
  coalesce(c.pr_id, c.change_id) AS unit_id,
  c.deployment_id,
  d.finished_at AS deployed_at,
  c.start_at,
  (epoch(d.finished_at) - epoch(c.start_at)) / 3600.0 AS lead_time_hours,
  d.window_name,
  d.local_day
FROM staging.stg_changes c
JOIN intermediate.int_deployments d ON d.deployment_id = c.deployment_id
