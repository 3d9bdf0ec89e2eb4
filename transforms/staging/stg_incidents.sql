-- grain: one row per incident.
-- inputs: core.incidents.
-- definition: core incidents renamed and cast; the source's own link is kept as source_link_kind, the transforms decide the final link (intermediate.int_incident_links).
-- materialize: view (a plain projection: copying it would only cost time and disk)
SELECT
  incident_id,
  source,
  service,
  title,
  body,
  urgency,
  created_at,
  acknowledged_at,
  resolved_at,
  status,
  caused_by_deployment_id,
  link_kind AS source_link_kind,
  coalesce(refs, []::VARCHAR[]) AS refs,
  url,
  resolved_at IS NULL AS is_open,
  -- when the incident was last seen as it is stored: an open incident has been open at least until then
  coalesce(collected_at, updated_at, created_at) AS last_seen_at
FROM core.incidents
