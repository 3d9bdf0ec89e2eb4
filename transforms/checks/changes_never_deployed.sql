-- Changes not shipped by any successful production deployment (not yet deployed, or the deployment was not recognised as production)
-- total: SELECT count(*) FROM staging.stg_changes
SELECT c.change_id, c.service, c.commit_sha, c.deployment_id
FROM staging.stg_changes c
ANTI JOIN intermediate.int_deployments d ON d.deployment_id = c.deployment_id
