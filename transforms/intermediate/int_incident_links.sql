-- grain: one row per incident.
-- inputs: staging.stg_incidents, staging.stg_changes, staging.stg_pull_requests, intermediate.int_incident_refs, intermediate.int_deployments, seeds.settings.
-- definition: the deployment an incident is blamed on: explicit first (the source's link, then a deployment id, commit sha or PR the incident names), else the last successful production deployment of the same service within incident_window_hours before it, else none.
WITH named AS (
  -- 1: the source itself links the incident to a deployment
  SELECT i.incident_id, d.deployment_id, 1 AS priority
  FROM staging.stg_incidents i
  JOIN intermediate.int_deployments d ON d.deployment_id = i.caused_by_deployment_id
  WHERE i.source_link_kind <> 'heuristic'
  UNION ALL
  -- 2: a deployment id or URL anywhere, or a ref/pattern capture equal to a deployment's natural key
  SELECT r.incident_id, d.deployment_id, 2
  FROM intermediate.int_incident_refs r
  JOIN intermediate.int_deployments d ON d.deployment_id = r.token
  WHERE r.kind IN ('ref', 'word', 'pattern')
  UNION ALL
  SELECT r.incident_id, d.deployment_id, 2
  FROM intermediate.int_incident_refs r
  JOIN intermediate.int_deployments d ON d.url = r.token
  WHERE r.kind IN ('ref', 'word')
  UNION ALL
  SELECT r.incident_id, d.deployment_id, 2
  FROM intermediate.int_incident_refs r
  JOIN intermediate.int_deployments d ON d.natural_key = r.token AND d.service = r.service
  WHERE r.kind IN ('ref', 'pattern')
  UNION ALL
  -- 3: a commit sha (prefix of 7+ hex digits) of the deployed commit or of a change it shipped;
  -- the join is on the first 7 characters so it stays a hash join, then the prefix is checked
  SELECT r.incident_id, d.deployment_id, 3
  FROM intermediate.int_incident_refs r
  JOIN intermediate.int_deployments d ON left(d.commit_sha, 7) = left(lower(r.token), 7) AND starts_with(d.commit_sha, lower(r.token))
  WHERE r.kind IN ('sha', 'pattern') AND length(r.token) >= 7
  UNION ALL
  SELECT r.incident_id, c.deployment_id, 3
  FROM intermediate.int_incident_refs r
  JOIN staging.stg_changes c ON left(c.commit_sha, 7) = left(lower(r.token), 7) AND starts_with(c.commit_sha, lower(r.token))
  WHERE r.kind IN ('sha', 'pattern') AND length(r.token) >= 7 AND c.deployment_id IS NOT NULL
  UNION ALL
  -- 4: a PR of the incident's service by number, or any PR by URL, whose changes were deployed
  SELECT r.incident_id, c.deployment_id, 4
  FROM intermediate.int_incident_refs r
  JOIN staging.stg_pull_requests p ON p.number = TRY_CAST(r.token AS INTEGER) AND p.service = r.service
  JOIN staging.stg_changes c ON c.pr_id = p.pr_id
  WHERE r.kind IN ('pr_number', 'pattern') AND c.deployment_id IS NOT NULL
  UNION ALL
  SELECT r.incident_id, c.deployment_id, 4
  FROM intermediate.int_incident_refs r
  JOIN staging.stg_pull_requests p ON p.repo || '#' || p.number = r.token
  JOIN staging.stg_changes c ON c.pr_id = p.pr_id
  WHERE r.kind = 'pr_ref' AND c.deployment_id IS NOT NULL
),
explicit AS (
  -- several named deployments: the strongest kind of reference, then one already live when the
  -- incident opened, then the latest
  SELECT n.incident_id, n.deployment_id
  FROM named n
  JOIN intermediate.int_deployments d ON d.deployment_id = n.deployment_id
  JOIN staging.stg_incidents i ON i.incident_id = n.incident_id
  QUALIFY row_number() OVER (
    PARTITION BY n.incident_id
    ORDER BY n.priority, (d.finished_at <= i.created_at) DESC, d.finished_at DESC, d.deployment_id DESC
  ) = 1
),
heuristic AS (
  SELECT i.incident_id, d.deployment_id
  FROM staging.stg_incidents i
  ASOF JOIN intermediate.int_deployments d ON d.service = i.service AND i.created_at >= d.finished_at
  CROSS JOIN seeds.settings s
  WHERE epoch(i.created_at) - epoch(d.finished_at) <= s.incident_window_hours * 3600
)
SELECT
  i.incident_id,
  i.service,
  coalesce(e.deployment_id, h.deployment_id) AS caused_by_deployment_id,
  CASE WHEN e.deployment_id IS NOT NULL THEN 'explicit' WHEN h.deployment_id IS NOT NULL THEN 'heuristic' ELSE 'none' END AS link_kind
FROM staging.stg_incidents i
LEFT JOIN explicit e ON e.incident_id = i.incident_id
LEFT JOIN heuristic h ON h.incident_id = i.incident_id
