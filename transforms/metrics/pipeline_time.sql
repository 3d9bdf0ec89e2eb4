-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: metrics.pipeline_items, intermediate.int_period_grid.
-- definition: median, p90 and mean pipeline minutes of the successful production deployments finished in the period (local zone), over valid durations; runs = how many; NULL statistics when none.
WITH items AS (
  SELECT service, timezone(getvariable('tz'), finished_at)::DATE AS day, pipeline_minutes
  FROM metrics.pipeline_items WHERE is_valid
), periods AS (
  SELECT 'day' AS grain, day AS period_start, service, pipeline_minutes FROM items
  UNION ALL SELECT 'week', date_trunc('week', day)::DATE, service, pipeline_minutes FROM items
  UNION ALL SELECT 'month', date_trunc('month', day)::DATE, service, pipeline_minutes FROM items
), stats AS (
  SELECT grain, period_start, CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
         count(*) AS runs, quantile_cont(pipeline_minutes, 0.5) AS median_minutes, quantile_cont(pipeline_minutes, 0.9) AS p90_minutes,
         avg(pipeline_minutes ORDER BY pipeline_minutes) AS mean_minutes
  FROM periods
  GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
)
SELECT g.grain, g.period_start, g.service, coalesce(s.runs, 0) AS runs, s.median_minutes, s.p90_minutes, s.mean_minutes
FROM intermediate.int_period_grid g
LEFT JOIN stats s ON s.grain = g.grain AND s.period_start = g.period_start AND s.service = g.service
ORDER BY g.grain, g.period_start, g.service
