-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: metrics.deployment_items, intermediate.int_period_grid.
-- definition: rate = failed deployments ÷ successful production deployments finished in the period (deployments, not incidents), with a Wilson 95 % score interval; NULL when there were no deployments.
WITH items AS (
  SELECT service, timezone(getvariable('tz'), finished_at) AS local_ts, is_failed
  FROM metrics.deployment_items
),
by_period AS (
  SELECT
    g.grain,
    CASE g.grain WHEN 'day' THEN i.local_ts::DATE WHEN 'week' THEN date_trunc('week', i.local_ts)::DATE ELSE date_trunc('month', i.local_ts)::DATE END AS period_start,
    i.service,
    i.is_failed
  FROM items i
  CROSS JOIN (VALUES ('day'), ('week'), ('month')) g(grain)
),
agg AS (
  SELECT
    grain,
    period_start,
    CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
    count(*) AS n,
    count(*) FILTER (WHERE is_failed) AS k
  FROM by_period
  GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
),
rates AS (
  SELECT
    g.grain,
    g.period_start,
    g.service,
    coalesce(a.n, 0) AS deployments,
    coalesce(a.k, 0) AS failed_deployments,
    a.k / a.n::DOUBLE AS p,
    a.n::DOUBLE AS n,
    1.959963984540054 AS z
  FROM intermediate.int_period_grid g
  LEFT JOIN agg a ON a.grain = g.grain AND a.period_start = g.period_start AND a.service = g.service
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
