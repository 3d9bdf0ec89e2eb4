-- Deployed changes whose lead time is zero or negative (clock skew, or a commit dated after its deployment); left out of lead-time statistics
-- total: SELECT count(*) FROM metrics.lead_time_items
SELECT change_id, service, deployment_id, start_at, deployed_at, lead_time_hours
FROM metrics.lead_time_items
WHERE lead_time_hours <= 0
