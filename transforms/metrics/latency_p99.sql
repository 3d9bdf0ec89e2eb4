-- grain: one row per grain (day|week|month), period_start (local date), service and route with collected buckets.
-- inputs: intermediate.int_latency_stats.
-- definition: p50/p95/p99 latency of the period from the period's summed histogram buckets, with Prometheus histogram_quantile's interpolation (NULL when the period had no requests).
SELECT
  grain,
  period_start,
  service,
  route,
  requests,
  p50_seconds,
  p95_seconds,
  p99_seconds,
  finite_bounds,
  bounds_dropped,
  top_bound AS highest_finite_bound_seconds
FROM intermediate.int_latency_stats
WHERE grain IN ('day', 'week', 'month')
ORDER BY grain, service, route, period_start
