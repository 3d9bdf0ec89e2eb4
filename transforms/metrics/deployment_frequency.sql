-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: intermediate.int_deployment_periods, intermediate.int_period_grid.
-- definition: deployments = successful production deployments finished in the period (local zone, weeks from Monday); deploy_days = local days with at least one; failed_deployments as in metrics.deployment_items.
SELECT
  g.grain,
  g.period_start,
  g.service,
  coalesce(a.deployments, 0) AS deployments,
  coalesce(a.deploy_days, 0) AS deploy_days,
  coalesce(a.failed_deployments, 0) AS failed_deployments
FROM intermediate.int_period_grid g
LEFT JOIN intermediate.int_deployment_periods a ON a.grain = g.grain AND a.period_start = g.period_start AND a.service = g.service
ORDER BY g.grain, g.period_start, g.service
