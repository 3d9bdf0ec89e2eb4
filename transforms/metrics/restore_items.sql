-- grain: one row per incident.
-- inputs: staging.stg_incidents, intermediate.int_incident_links, intermediate.int_deployments, intermediate.int_plan_windows.
-- definition: restore_hours = resolved − created (NULL while open), recovery_hours = resolved − the linked deployment's finished_at, ack_minutes = acknowledged − created; the window is the incident's local creation date; title and url are the source's.
-- An incident still open is censored, not dropped: restore_observed_hours runs to its resolution or, while open,
-- to when it was last seen open (it took at least that long); ack_observed_minutes likewise runs to the
-- acknowledgement or, without one, to the resolution or last sighting, with ack_censored = true.
SELECT
  i.incident_id,
  i.service,
  i.created_at,
  i.resolved_at,
  (epoch(i.resolved_at) - epoch(i.created_at)) / 3600.0 AS restore_hours,
  (epoch(i.resolved_at) - epoch(d.finished_at)) / 3600.0 AS recovery_hours,
  (epoch(i.acknowledged_at) - epoch(i.created_at)) / 60.0 AS ack_minutes,
  l.link_kind,
  l.caused_by_deployment_id,
  i.is_open,
  CASE
    WHEN timezone(getvariable('tz'), i.created_at)::DATE BETWEEN w.baseline_from AND w.baseline_to THEN 'baseline'
    WHEN timezone(getvariable('tz'), i.created_at)::DATE BETWEEN w.final_from AND w.final_to THEN 'final'
  END AS window_name,
  (epoch(coalesce(i.resolved_at, i.last_seen_at)) - epoch(i.created_at)) / 3600.0 AS restore_observed_hours,
  (epoch(coalesce(i.acknowledged_at, i.resolved_at, i.last_seen_at)) - epoch(i.created_at)) / 60.0 AS ack_observed_minutes,
  i.acknowledged_at IS NULL AS ack_censored,
  i.title,
  i.url
FROM staging.stg_incidents i
JOIN intermediate.int_incident_links l ON l.incident_id = i.incident_id
LEFT JOIN intermediate.int_deployments d ON d.deployment_id = l.caused_by_deployment_id
CROSS JOIN intermediate.int_plan_windows w
