-- grain: one row per successful production deployment.
-- inputs: intermediate.int_deployment_failures.
-- definition: each deployment with whether it failed and why ('incident', 'rollback', 'rework'; see intermediate/int_deployment_failures.sql), whether it was rework, its plan window, and its title (ref and short sha) and page at the source (url).
SELECT deployment_id, service, finished_at, is_failed, failed_reason, is_rework, window_name, title, url
FROM intermediate.int_deployment_failures
