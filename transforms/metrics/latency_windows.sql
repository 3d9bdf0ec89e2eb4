-- grain: one row per key path (service, route) and plan window (baseline | final | plan).
-- inputs: intermediate.int_latency_stats, seeds.key_paths, seeds.plan_windows.
-- definition: p50/p95/p99 and SLO attainment over the whole window from its summed buckets (never an average of daily p99s); error budget spent = (1 − attainment) ÷ (1 − target); a window without requests has requests 0 and NULL values.
WITH paths AS (
  SELECT service, route, any_value(slo_threshold_seconds) AS threshold_seconds, any_value(slo_target) AS target
  FROM (
    SELECT service, route, slo_threshold_seconds, slo_target FROM seeds.key_paths
    UNION ALL
    SELECT DISTINCT service, route, NULL, NULL FROM intermediate.int_latency_stats
  )
  GROUP BY service, route
)
SELECT
  p.service,
  p.route,
  w.window_name,
  w.from_date,
  w.to_date,
  coalesce(s.requests, 0) AS requests,
  s.p50_seconds,
  s.p95_seconds,
  s.p99_seconds,
  p.threshold_seconds,
  s.threshold_is_bucket_bound,
  p.target,
  s.good_requests,
  s.good_requests / nullif(s.requests, 0) AS attainment,
  s.good_requests / nullif(s.requests, 0) >= p.target AS met,
  (1 - s.good_requests / nullif(s.requests, 0)) / (1 - p.target) AS error_budget_spent,
  s.bounds_dropped
FROM paths p
CROSS JOIN seeds.plan_windows w
LEFT JOIN intermediate.int_latency_stats s
  ON s.grain = 'window' AND s.window_name = w.window_name AND s.service = p.service AND s.route = p.route
ORDER BY p.service, p.route, w.window_name
