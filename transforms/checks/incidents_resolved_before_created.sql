-- Incidents resolved before they were created; left out of time-to-restore statistics
-- total: SELECT count(*) FROM staging.stg_incidents
SELECT incident_id, service, created_at, resolved_at
FROM staging.stg_incidents
WHERE resolved_at < created_at
