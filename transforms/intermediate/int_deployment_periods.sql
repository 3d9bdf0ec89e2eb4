-- grain: one row per grain (day, week, month), period and service with deployments, plus service '*'.
-- inputs: intermediate.int_deployment_failures.
-- definition: deployments, deploy days (distinct local days), failed and rework deployments per local period, computed once for the frequency, failure-rate and rework tables.
WITH by_period AS (
  SELECT 'day' AS grain, local_day AS period_start, service, local_day, is_failed, is_rework FROM intermediate.int_deployment_failures
  UNION ALL
  SELECT 'week', date_trunc('week', local_day)::DATE, service, local_day, is_failed, is_rework FROM intermediate.int_deployment_failures
  UNION ALL
  SELECT 'month', date_trunc('month', local_day)::DATE, service, local_day, is_failed, is_rework FROM intermediate.int_deployment_failures
)
SELECT
  grain,
  period_start,
  CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
  count(*) AS deployments,
  count(DISTINCT local_day) AS deploy_days,
  count(*) FILTER (WHERE is_failed) AS failed_deployments,
  count(*) FILTER (WHERE is_rework) AS rework_deployments
FROM by_period
GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
