-- grain: one row per deployment record, any environment and status.
-- inputs: core.deployments.
-- definition: core deployments renamed and cast; is_deployment marks what DORA counts as a deployment: a successful production deployment that finished (docs/architecture.md).
-- materialize: view (a plain projection: copying it would only cost time and disk)
SELECT
  deployment_id,
  source,
  service,
  repo,
  environment,
  is_production,
  lower(commit_sha) AS commit_sha,
  ref,
  started_at,
  finished_at,
  status,
  original_status,
  is_rollback,
  is_rework,
  url,
  -- the natural key is what people write in tickets ("deploy 4711"); ids are '<source>:<entity>:<key>'
  regexp_extract(deployment_id, '[^:]+$') AS natural_key,
  (is_production AND status = 'success' AND finished_at IS NOT NULL) AS is_deployment
FROM core.deployments
