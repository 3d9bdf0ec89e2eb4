-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: intermediate.int_deployment_periods, intermediate.int_period_grid.
-- definition: rate = rework deployments (unplanned, to fix a user-facing defect) ÷ successful production deployments finished in the period; NULL when there were none (DORA 2024).
SELECT
  g.grain,
  g.period_start,
  g.service,
  coalesce(a.deployments, 0) AS deployments,
  coalesce(a.rework_deployments, 0) AS rework_deployments,
  a.rework_deployments / a.deployments::DOUBLE AS rate
FROM intermediate.int_period_grid g
LEFT JOIN intermediate.int_deployment_periods a ON a.grain = g.grain AND a.period_start = g.period_start AND a.service = g.service
ORDER BY g.grain, g.period_start, g.service
