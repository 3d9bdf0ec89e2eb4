-- Reference for metrics.lead_time_groups: the same statistics in one plain statement for all three
-- grains, with DuckDB's own avg. Fine for test data; the transform runs one grain per statement.
WITH by_period AS (
  SELECT 'day' AS grain, local_day AS period_start, * EXCLUDE (local_day) FROM metrics.lead_time_items
  UNION ALL
  SELECT 'week', date_trunc('week', local_day)::DATE, * EXCLUDE (local_day) FROM metrics.lead_time_items
  UNION ALL
  SELECT 'month', date_trunc('month', local_day)::DATE, * EXCLUDE (local_day) FROM metrics.lead_time_items
)
SELECT
  grain,
  period_start,
  CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
  count(*) FILTER (WHERE lead_time_hours >= 0) AS changes,
  quantile_cont(lead_time_hours, 0.5) FILTER (WHERE lead_time_hours >= 0) AS median_hours,
  quantile_cont(lead_time_hours, 0.9) FILTER (WHERE lead_time_hours >= 0) AS p90_hours,
  avg(lead_time_hours) FILTER (WHERE lead_time_hours >= 0) AS mean_hours,
  quantile_cont(coding_hours, 0.5) FILTER (WHERE lead_time_hours >= 0 AND coding_hours >= 0) AS coding_median_hours,
  quantile_cont(pickup_hours, 0.5) FILTER (WHERE lead_time_hours >= 0 AND pickup_hours >= 0) AS pickup_median_hours,
  quantile_cont(review_hours, 0.5) FILTER (WHERE lead_time_hours >= 0 AND review_hours >= 0) AS review_median_hours,
  quantile_cont(deploy_hours, 0.5) FILTER (WHERE lead_time_hours >= 0 AND deploy_hours >= 0) AS deploy_median_hours,
  count(*) FILTER (WHERE lead_time_hours < 0) AS negative_changes
FROM by_period
WHERE period_start IS NOT NULL
GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
