-- Successful production deployments that shipped no recorded change (lead time cannot be measured for them)
-- total: SELECT count(*) FROM intermediate.int_deployments
SELECT d.deployment_id, d.service, d.finished_at
FROM intermediate.int_deployments d
ANTI JOIN staging.stg_changes c ON c.deployment_id = d.deployment_id
