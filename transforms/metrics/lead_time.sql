-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: metrics.lead_time_groups, intermediate.int_period_grid.
-- definition: lead time of the changes deployed in the period (by deployment finish, local zone): median, p90 and mean hours over changes with a lead time of zero or more (counted in changes; zero is a lightweight release tag on its own commit), stage medians over non-negative stages; changes with a negative lead time are counted in negative_changes, not in the statistics.
-- The statistics come from metrics.lead_time_groups (one grain per statement, see lead_time_groups.ts).
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
  coalesce(a.negative_changes, 0) AS negative_changes
FROM intermediate.int_period_grid g
LEFT JOIN metrics.lead_time_groups a ON a.grain = g.grain AND a.period_start = g.period_start AND a.service = g.service
ORDER BY g.grain, g.period_start, g.service
