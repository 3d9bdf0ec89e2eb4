-- Release tags on the same commit as the tag just before them (4.16.0 and v4.16.0): one release, counted once at the earliest tag
-- total: SELECT count(*) FROM staging.stg_deployments WHERE source = 'git'
SELECT deployment_id, service, ref, original_status, finished_at
FROM staging.stg_deployments
WHERE source = 'git' AND original_status LIKE 'duplicate tag of %'
