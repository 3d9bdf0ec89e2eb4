-- grain: one row per successful production deployment.
-- inputs: staging.stg_deployments, intermediate.int_plan_windows.
-- definition: the deployments DORA counts, with their local time in the configured zone, plan window, and the next deployment of the same service (to spot rollbacks and hotfixes).
WITH counted AS (
  SELECT
    deployment_id, source, service, repo, commit_sha, ref, natural_key, url, finished_at, is_rollback, is_rework,
    timezone(getvariable('tz'), finished_at) AS local_ts,
    -- Argo CD: when the application first ran this revision (a commit, or a chart version)
    min(finished_at) OVER (PARTITION BY service, repo, coalesce(commit_sha, ref)) AS revision_first_at
  FROM staging.stg_deployments
  WHERE is_deployment
),
deployments AS (
  SELECT
    * EXCLUDE (is_rollback, revision_first_at),
    -- An Argo CD sync to a revision the application first ran before the one it replaces is a
    -- rollback (an `argocd app rollback`, a canary rolled back by syncing the stable revision).
    -- Decided over every stored sync: Argo CD's own history keeps only the last ten. A re-sync of
    -- what runs, or rolling forward again after a rollback, is not one.
    is_rollback OR coalesce(source = 'argocd' AND revision_first_at < lag(revision_first_at) OVER (PARTITION BY service, repo ORDER BY finished_at, deployment_id), false) AS is_rollback
  FROM counted
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
