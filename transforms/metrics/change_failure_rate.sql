-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: intermediate.int_deployment_periods, intermediate.int_period_grid.
-- definition: rate = failed deployments ÷ successful production deployments finished in the period (deployments, not incidents), with a Wilson 95 % score interval (wilson_low/wilson_high of transforms/lib/sql-functions.ts); NULL when there were no deployments.
WITH rates AS (
  SELECT
    g.grain,
    g.period_start,
    g.service,
    coalesce(a.deployments, 0) AS deployments,
    coalesce(a.failed_deployments, 0) AS failed_deployments,
    a.failed_deployments / a.deployments::DOUBLE AS p,
    a.deployments::DOUBLE AS n
  FROM intermediate.int_period_grid g
  LEFT JOIN intermediate.int_deployment_periods a ON a.grain = g.grain AND a.period_start = g.period_start AND a.service = g.service
)
SELECT
  grain,
  period_start,
  service,
  deployments,
  failed_deployments,
  p AS rate,
  wilson_low(failed_deployments, n) AS ci_low,
  wilson_high(failed_deployments, n) AS ci_high
FROM rates
ORDER BY grain, period_start, service
