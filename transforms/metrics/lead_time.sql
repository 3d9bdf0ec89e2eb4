-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: intermediate.int_lead_times, intermediate.int_period_grid.
-- definition: lead time of the changes deployed in the period (by deployment finish, local zone): median, p90 and mean hours over changes with a positive lead time (counted in changes), stage medians over non-negative stages; changes with lead time ≤ 0 are counted in nonpositive_changes, not in the statistics.
WITH items AS (
  SELECT service, local_day, lead_time_hours, coding_hours, pickup_hours, review_hours, deploy_hours
  FROM intermediate.int_lead_times
),
by_period AS (
  SELECT 'day' AS grain, local_day AS period_start, * EXCLUDE (local_day) FROM items
  UNION ALL
  SELECT 'week', date_trunc('week', local_day)::DATE, * EXCLUDE (local_day) FROM items
  UNION ALL
  SELECT 'month', date_trunc('month', local_day)::DATE, * EXCLUDE (local_day) FROM items
),
agg AS (
  SELECT
    grain,
    period_start,
    CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
    count(*) FILTER (WHERE lead_time_hours > 0) AS changes,
    -- median and p90 from one quantile state (one copy of the values, one sort), the same numbers as
    -- median() and quantile_cont(…, 0.9) apart
    quantile_cont(lead_time_hours, [0.5, 0.9]) FILTER (WHERE lead_time_hours > 0) AS quantiles,
    quantiles[1] AS median_hours,
    quantiles[2] AS p90_hours,
    -- the mean summed in ascending order (bit-identical run to run); list_avg over the sorted list is
    -- avg(… ORDER BY …) without the ordered-aggregate machinery, which cost a third of this step
    list_avg(list_sort(list(lead_time_hours) FILTER (WHERE lead_time_hours > 0))) AS mean_hours,
    median(coding_hours) FILTER (WHERE lead_time_hours > 0 AND coding_hours >= 0) AS coding_median_hours,
    median(pickup_hours) FILTER (WHERE lead_time_hours > 0 AND pickup_hours >= 0) AS pickup_median_hours,
    median(review_hours) FILTER (WHERE lead_time_hours > 0 AND review_hours >= 0) AS review_median_hours,
    median(deploy_hours) FILTER (WHERE lead_time_hours > 0 AND deploy_hours >= 0) AS deploy_median_hours,
    count(*) FILTER (WHERE lead_time_hours <= 0) AS nonpositive_changes
  FROM by_period
  GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
)
SELECT
  g.grain,
  g.period_start,
  g.service,
  coalesce(a.changes, 0) AS changes,
  a.median_hours,
  a.p90_hours,
  a.mean_hours,
  a.coding_median_hours,
  a.pickup_median_hours,
  a.review_median_hours,
  a.deploy_median_hours,
  coalesce(a.nonpositive_changes, 0) AS nonpositive_changes
FROM intermediate.int_period_grid g
LEFT JOIN agg a ON a.grain = g.grain AND a.period_start = g.period_start AND a.service = g.service
ORDER BY g.grain, g.period_start, g.service
