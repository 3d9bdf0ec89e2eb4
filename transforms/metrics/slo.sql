-- grain: one row per grain (day|week|month), period_start (local date), service and route with an SLO in the config and collected buckets.
-- inputs: intermediate.int_latency_stats.
-- definition: SLO attainment = requests at or under the latency threshold ÷ requests (interpolated inside the bucket when the threshold is not a bucket bound: threshold_is_bucket_bound = false); error budget spent = (1 − attainment) ÷ (1 − target).
SELECT
  grain,
  period_start,
  service,
  route,
  threshold_seconds,
  threshold_is_bucket_bound,
  target,
  requests,
  good_requests,
  good_requests / nullif(requests, 0) AS attainment,
  good_requests / nullif(requests, 0) >= target AS met,
  (1 - good_requests / nullif(requests, 0)) / (1 - target) AS error_budget_spent
FROM intermediate.int_latency_stats
WHERE grain IN ('day', 'week', 'month') AND threshold_seconds IS NOT NULL
ORDER BY grain, service, route, period_start
