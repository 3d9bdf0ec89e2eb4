-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: intermediate.int_deployment_periods, intermediate.int_period_grid.
-- definition: rate = failed deployments ÷ successful production deployments finished in the period (deployments, not incidents), with a Wilson 95 % score interval; NULL when there were no deployments.
WITH rates AS (
  SELECT
    g.grain,
    g.period_start,
    g.service,
    coalesce(a.deployments, 0) AS deployments,
    coalesce(a.failed_deployments, 0) AS failed_deployments,
    a.failed_deployments / a.deployments::DOUBLE AS p,
    a.deployments::DOUBLE AS n,
    1.959963984540054 AS z
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
  -- Wilson score interval (Wilson 1927): centre and half-width shrink towards 1/2 for small n;
  -- the CASE keeps it NULL without deployments (greatest/least would turn NULL into 0 and 1)
  CASE WHEN n > 0 THEN greatest(0.0, (p + z * z / (2 * n) - z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)) END AS ci_low,
  CASE WHEN n > 0 THEN least(1.0, (p + z * z / (2 * n) + z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)) END AS ci_high
FROM rates
ORDER BY grain, period_start, service
