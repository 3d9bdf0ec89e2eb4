-- grain: one row per successful production deployment whose CI/CD run start is known (pipeline_started_at).
-- inputs: core.deployments, intermediate.int_plan_windows.
-- definition: pipeline time = finished_at − pipeline_started_at (the GitHub Actions run or GitLab pipeline that ended in the deployment), in minutes; a start after the finish is kept with is_valid = false and left out of the statistics.
SELECT
  d.deployment_id,
  d.service,
  d.source,
  d.pipeline_started_at,
  d.finished_at,
  date_diff('millisecond', d.pipeline_started_at, d.finished_at) / 60000.0 AS pipeline_minutes,
  d.pipeline_started_at <= d.finished_at AS is_valid,
  CASE
    WHEN timezone(getvariable('tz'), d.finished_at)::DATE BETWEEN w.baseline_from AND w.baseline_to THEN 'baseline'
    WHEN timezone(getvariable('tz'), d.finished_at)::DATE BETWEEN w.final_from AND w.final_to THEN 'final'
  END AS window_name
FROM core.deployments d
CROSS JOIN intermediate.int_plan_windows w
WHERE d.is_production AND d.status = 'success' AND d.finished_at IS NOT NULL AND d.pipeline_started_at IS NOT NULL
