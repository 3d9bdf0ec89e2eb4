-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: metrics.restore_items, intermediate.int_period_grid.
-- definition: for incidents created in the period (local zone): median, mean and p90 of resolved − created over resolved incidents (incidents), open ones only counted (open_incidents); failed deployment recovery (resolved − linked deployment's finished_at) and median time to acknowledge.
WITH items AS (
  SELECT
    service,
    timezone(getvariable('tz'), created_at) AS local_ts,
    restore_hours,
    recovery_hours,
    ack_minutes,
    is_open
  FROM metrics.restore_items
),
by_period AS (
  SELECT
    g.grain,
    CASE g.grain WHEN 'day' THEN i.local_ts::DATE WHEN 'week' THEN date_trunc('week', i.local_ts)::DATE ELSE date_trunc('month', i.local_ts)::DATE END AS period_start,
    i.*
  FROM items i
  CROSS JOIN (VALUES ('day'), ('week'), ('month')) g(grain)
),
agg AS (
  SELECT
    grain,
    period_start,
    CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
    -- resolved before created is a data error (checks/incidents_resolved_before_created), not a 0
    count(*) FILTER (WHERE restore_hours >= 0) AS incidents,
    count(*) FILTER (WHERE is_open) AS open_incidents,
    median(restore_hours) FILTER (WHERE restore_hours >= 0) AS median_hours,
    avg(restore_hours ORDER BY restore_hours) FILTER (WHERE restore_hours >= 0) AS mean_hours,
    quantile_cont(restore_hours, 0.9) FILTER (WHERE restore_hours >= 0) AS p90_hours,
    count(*) FILTER (WHERE recovery_hours >= 0) AS recovery_incidents,
    median(recovery_hours) FILTER (WHERE recovery_hours >= 0) AS recovery_median_hours,
    median(ack_minutes) FILTER (WHERE ack_minutes >= 0) AS mtta_median_minutes
  FROM by_period
  GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
)
SELECT
  g.grain,
  g.period_start,
  g.service,
  coalesce(a.incidents, 0) AS incidents,
  coalesce(a.open_incidents, 0) AS open_incidents,
  a.median_hours,
  a.mean_hours,
  a.p90_hours,
  coalesce(a.recovery_incidents, 0) AS recovery_incidents,
  a.recovery_median_hours,
  a.mtta_median_minutes
FROM intermediate.int_period_grid g
LEFT JOIN agg a ON a.grain = g.grain AND a.period_start = g.period_start AND a.service = g.service
ORDER BY g.grain, g.period_start, g.service
