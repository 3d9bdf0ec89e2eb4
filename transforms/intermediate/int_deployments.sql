-- grain: one row per successful production deployment.
-- inputs: staging.stg_deployments, intermediate.int_deployment_flags, intermediate.int_plan_windows.
-- definition: the deployments DORA counts, with their local time in the configured zone, plan window, and the next deployment of the same service (to spot rollbacks and hotfixes).
WITH deployments AS (
  SELECT
    d.deployment_id, d.service, d.repo, d.commit_sha, d.ref, d.natural_key, d.url, d.finished_at, f.is_rollback, f.is_rework,
    timezone(getvariable('tz'), d.finished_at) AS local_ts
  FROM staging.stg_deployments d
  JOIN intermediate.int_deployment_flags f ON f.deployment_id = d.deployment_id
  WHERE d.is_deployment
)
SELECT
  d.deployment_id,
  d.service,
  d.repo,
  d.commit_sha,
  d.ref,
  d.natural_key,
  d.url,
  d.finished_at,
  d.local_ts,
  -- periods derive from this DATE: truncating a DATE needs no time-zone work (1M rows: milliseconds)
  d.local_ts::DATE AS local_day,
  d.is_rollback,
  d.is_rework,
  lead(d.deployment_id) OVER next AS next_deployment_id,
  lead(d.finished_at) OVER next AS next_finished_at,
  coalesce(lead(d.is_rollback) OVER next, false) AS next_is_rollback,
  coalesce(lead(d.is_rework) OVER next, false) AS next_is_rework,
  CASE
    WHEN d.local_ts::DATE BETWEEN w.baseline_from AND w.baseline_to THEN 'baseline'
    WHEN d.local_ts::DATE BETWEEN w.final_from AND w.final_to THEN 'final'
  END AS window_name
FROM deployments d
CROSS JOIN intermediate.int_plan_windows w
WINDOW next AS (PARTITION BY d.service ORDER BY d.finished_at, d.deployment_id)
