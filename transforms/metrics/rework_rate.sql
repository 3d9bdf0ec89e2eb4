-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: metrics.deployment_items, intermediate.int_period_grid.
-- definition: rate = rework deployments (unplanned, to fix a user-facing defect) ÷ successful production deployments finished in the period; NULL when there were none (DORA 2024).
WITH items AS (
  SELECT service, timezone(getvariable('tz'), finished_at) AS local_ts, is_rework
  FROM metrics.deployment_items
),
by_period AS (
  SELECT
    g.grain,
    CASE g.grain WHEN 'day' THEN i.local_ts::DATE WHEN 'week' THEN date_trunc('week', i.local_ts)::DATE ELSE date_trunc('month', i.local_ts)::DATE END AS period_start,
    i.service,
    i.is_rework
  FROM items i
  CROSS JOIN (VALUES ('day'), ('week'), ('month')) g(grain)
),
agg AS (
  SELECT
    grain,
    period_start,
    CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
    count(*) AS deployments,
    count(*) FILTER (WHERE is_rework) AS rework_deployments
  FROM by_period
  GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
)
SELECT
  g.grain,
  g.period_start,
  g.service,
  coalesce(a.deployments, 0) AS deployments,
  coalesce(a.rework_deployments, 0) AS rework_deployments,
  a.rework_deployments / a.deployments::DOUBLE AS rate
FROM intermediate.int_period_grid g
LEFT JOIN agg a ON a.grain = g.grain AND a.period_start = g.period_start AND a.service = g.service
ORDER BY g.grain, g.period_start, g.service
