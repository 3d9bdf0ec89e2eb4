-- grain: one row per window (grain day|week|month × period_start, or grain 'window' × plan window), service and route.
-- inputs: intermediate.int_latency_window_buckets, seeds.key_paths.
-- definition: p50/p95/p99 over the window's summed buckets with histogram_quantile's interpolation, and the requests at or under the SLO threshold read from the same interpolated distribution.
--
-- histogram_quantile (promql/quantile.go), reproduced: buckets sorted by le, counts made monotonic
-- (running maximum); no +Inf bucket, fewer than two buckets or no requests → NULL (Prometheus: NaN);
-- rank = q × total; the first bucket whose count ≥ rank holds the quantile, linearly interpolated from
-- the previous bound (0 for the first bucket, unless its bound is ≤ 0: then that bound); a rank beyond
-- every finite bucket (it lands in +Inf) → the highest finite bound.
-- Good requests for a threshold T use the same assumption (requests spread evenly inside a bucket), so
-- attainment ≥ q exactly when the q-quantile ≤ T. T on a bound reads that bound's count; T above the
-- highest finite bound reads that bound's count (nothing is known above it: a lower bound on good).
WITH buckets AS (
  SELECT
    grain, period_start, window_name, service, route, le, isinf(le) AS is_inf,
    max(cumulative_count) OVER (
      PARTITION BY grain, period_start, window_name, service, route ORDER BY le ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS c
  FROM intermediate.int_latency_window_buckets
  WHERE kept
),
framed AS (
  SELECT
    *,
    lag(le) OVER w AS prev_le,
    lag(c) OVER w AS prev_c
  FROM buckets
  WINDOW w AS (PARTITION BY grain, period_start, window_name, service, route ORDER BY le)
),
windows AS (
  SELECT
    grain, period_start, window_name, service, route,
    max(c) FILTER (WHERE is_inf) AS total,
    count(*) FILTER (WHERE NOT is_inf) AS finite_bounds,
    max(le) FILTER (WHERE NOT is_inf) AS top_bound
  FROM framed
  GROUP BY ALL
),
dropped AS (
  SELECT grain, period_start, window_name, service, route, count(*) FILTER (WHERE NOT kept) AS bounds_dropped
  FROM intermediate.int_latency_window_buckets
  GROUP BY ALL
),
quantiles AS (
  SELECT
    f.grain, f.period_start, f.window_name, f.service, f.route, q.q,
    coalesce(
      arg_min(
        CASE
          WHEN f.prev_le IS NULL AND f.le <= 0 THEN f.le
          ELSE coalesce(f.prev_le, 0)
            + (f.le - coalesce(f.prev_le, 0)) * ((q.q * w.total - coalesce(f.prev_c, 0)) / nullif(f.c - coalesce(f.prev_c, 0), 0))
        END,
        f.le
      ) FILTER (WHERE NOT f.is_inf AND f.c >= q.q * w.total),
      max(f.le) FILTER (WHERE NOT f.is_inf)
    ) AS value
  FROM framed f
  JOIN windows w USING (grain, period_start, window_name, service, route)
  CROSS JOIN (SELECT unnest([0.5, 0.95, 0.99]) AS q) q
  WHERE w.total > 0 AND w.finite_bounds >= 1
  GROUP BY ALL
),
slo AS (
  SELECT
    f.grain, f.period_start, f.window_name, f.service, f.route,
    any_value(k.slo_threshold_seconds) AS threshold_seconds,
    bool_or(NOT f.is_inf AND f.le = k.slo_threshold_seconds) AS threshold_is_bucket_bound,
    coalesce(
      arg_min(
        CASE
          WHEN f.le = k.slo_threshold_seconds THEN f.c
          ELSE coalesce(f.prev_c, 0)
            + (f.c - coalesce(f.prev_c, 0)) * (k.slo_threshold_seconds - coalesce(f.prev_le, 0)) / nullif(f.le - coalesce(f.prev_le, 0), 0)
        END,
        f.le
      ) FILTER (WHERE NOT f.is_inf AND f.le >= k.slo_threshold_seconds),
      max(f.c) FILTER (WHERE NOT f.is_inf)
    ) AS good_requests
  FROM framed f
  JOIN seeds.key_paths k USING (service, route)
  WHERE k.slo_threshold_seconds IS NOT NULL
  GROUP BY ALL
)
SELECT
  w.grain,
  w.period_start,
  w.window_name,
  w.service,
  w.route,
  coalesce(w.total, 0) AS requests,
  max(q.value) FILTER (WHERE q.q = 0.5) AS p50_seconds,
  max(q.value) FILTER (WHERE q.q = 0.95) AS p95_seconds,
  max(q.value) FILTER (WHERE q.q = 0.99) AS p99_seconds,
  any_value(w.finite_bounds) AS finite_bounds,
  any_value(d.bounds_dropped) AS bounds_dropped,
  any_value(w.top_bound) AS top_bound,
  any_value(k.slo_threshold_seconds) AS threshold_seconds,
  any_value(s.threshold_is_bucket_bound) AS threshold_is_bucket_bound,
  any_value(k.slo_target) AS target,
  CASE WHEN any_value(w.total) > 0 AND any_value(w.finite_bounds) >= 1 THEN any_value(s.good_requests) END AS good_requests
FROM windows w
LEFT JOIN dropped d USING (grain, period_start, window_name, service, route)
LEFT JOIN quantiles q USING (grain, period_start, window_name, service, route)
LEFT JOIN slo s USING (grain, period_start, window_name, service, route)
LEFT JOIN seeds.key_paths k USING (service, route)
GROUP BY w.grain, w.period_start, w.window_name, w.service, w.route, w.total
