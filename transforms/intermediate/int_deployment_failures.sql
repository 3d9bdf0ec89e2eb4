-- grain: one row per successful production deployment.
-- inputs: intermediate.int_deployments, intermediate.int_incident_links, staging.stg_incidents, seeds.settings.
-- definition: whether the deployment failed: an incident is linked to it ('incident'), the next production deployment of the service rolled it back ('rollback'), or the next one is a rework deployment within incident_window_hours ('rework'); several incidents on one deployment count once.
WITH blamed AS (
  SELECT DISTINCT l.caused_by_deployment_id AS deployment_id
  FROM intermediate.int_incident_links l
  JOIN staging.stg_incidents i ON i.incident_id = l.incident_id
  CROSS JOIN seeds.settings s
  WHERE l.link_kind <> 'none'
    -- failures.urgencies: only these urgencies count as failures (empty = all)
    AND (len(coalesce(s.failure_urgencies, [])) = 0 OR list_contains(s.failure_urgencies, i.urgency))
),
flags AS (
  SELECT
    d.*,
    b.deployment_id IS NOT NULL AS by_incident,
    d.next_is_rollback AS by_rollback,
    -- a hotfix blames the deployment right before it, when it follows within the incident window
    d.next_is_rework AND epoch(d.next_finished_at) - epoch(d.finished_at) <= s.incident_window_hours * 3600 AS by_rework
  FROM intermediate.int_deployments d
  CROSS JOIN seeds.settings s
  LEFT JOIN blamed b ON b.deployment_id = d.deployment_id
)
SELECT
  deployment_id,
  service,
  finished_at,
  local_day,
  by_incident OR by_rollback OR by_rework AS is_failed,
  CASE WHEN by_incident THEN 'incident' WHEN by_rollback THEN 'rollback' WHEN by_rework THEN 'rework' END AS failed_reason,
  is_rework,
  window_name,
  -- what a person recognises the deployment by, and its page at the source
  coalesce(ref, natural_key) || coalesce(' (' || left(commit_sha, 7) || ')', '') AS title,
  url
FROM flags
