-- grain: one row per service.
-- inputs: seeds.services, staging.stg_deployments, staging.stg_incidents, staging.stg_changes.
-- definition: every service named in the config or seen in the data, so a configured service with no activity still gets (zero) rows.
SELECT service FROM seeds.services
UNION
SELECT service FROM staging.stg_deployments WHERE is_deployment
UNION
SELECT service FROM staging.stg_incidents
UNION
SELECT service FROM staging.stg_changes
