-- Deployed changes whose lead time is negative (clock skew, or a commit dated after its deployment); left out of lead-time statistics. Zero is a valid lead time (a lightweight release tag on its own commit), not an alarm
-- total: SELECT count(*) FROM metrics.lead_time_items
SELECT change_id, service, deployment_id, start_at, deployed_at, lead_time_hours
FROM metrics.lead_time_items
WHERE lead_time_hours < 0
