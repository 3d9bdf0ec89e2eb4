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
-- One sort and one grouping (at 1M deployments the input has 4.5M rows): every bucket row of the window
-- (kept or not) in le order; the running maximum, the previous kept bound and count, and the window's
-- total are window aggregates over the kept rows, all on that one order; then one GROUP BY per window.
-- prev_c = the running maximum up to the previous kept row, which is what lag(running max) was.
WITH framed AS (
  SELECT
    grain, period_start, window_name, service, route, le, kept, isinf(le) AS is_inf,
    max(cumulative_count) FILTER (WHERE kept) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c,
    max(cumulative_count) FILTER (WHERE kept) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_c,
    max(le) FILTER (WHERE kept) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_le,
    -- the +Inf row's running maximum: the maximum over every kept row (+Inf sorts last)
    CASE WHEN bool_or(kept AND isinf(le)) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
      THEN max(cumulative_count) FILTER (WHERE kept) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    END AS total
  FROM intermediate.int_latency_window_buckets
  WINDOW w AS (PARTITION BY grain, period_start, window_name, service, route ORDER BY le)
),
paths AS (
  SELECT service, route, any_value(slo_threshold_seconds) AS slo_threshold_seconds, any_value(slo_target) AS slo_target
  FROM seeds.key_paths
  GROUP BY service, route
),
windows AS (
  SELECT
    f.grain, f.period_start, f.window_name, f.service, f.route,
    any_value(f.total) AS total,
    count(*) FILTER (WHERE f.kept AND NOT f.is_inf) AS finite_bounds,
    count(*) FILTER (WHERE NOT f.kept) AS bounds_dropped,
    max(f.le) FILTER (WHERE f.kept AND NOT f.is_inf) AS top_bound,
    -- the first bucket whose count ≥ rank holds the quantile, interpolated from the previous bound
    arg_min(
      CASE
        WHEN f.prev_le IS NULL AND f.le <= 0 THEN f.le
        ELSE coalesce(f.prev_le, 0)
          + (f.le - coalesce(f.prev_le, 0)) * ((0.5 * f.total - coalesce(f.prev_c, 0)) / nullif(f.c - coalesce(f.prev_c, 0), 0))
      END,
      f.le
    ) FILTER (WHERE f.kept AND NOT f.is_inf AND f.c >= 0.5 * f.total) AS p50,
    arg_min(
      CASE
        WHEN f.prev_le IS NULL AND f.le <= 0 THEN f.le
        ELSE coalesce(f.prev_le, 0)
          + (f.le - coalesce(f.prev_le, 0)) * ((0.95 * f.total - coalesce(f.prev_c, 0)) / nullif(f.c - coalesce(f.prev_c, 0), 0))
      END,
      f.le
    ) FILTER (WHERE f.kept AND NOT f.is_inf AND f.c >= 0.95 * f.total) AS p95,
    arg_min(
      CASE
        WHEN f.prev_le IS NULL AND f.le <= 0 THEN f.le
        ELSE coalesce(f.prev_le, 0)
          + (f.le - coalesce(f.prev_le, 0)) * ((0.99 * f.total - coalesce(f.prev_c, 0)) / nullif(f.c - coalesce(f.prev_c, 0), 0))
      END,
      f.le
    ) FILTER (WHERE f.kept AND NOT f.is_inf AND f.c >= 0.99 * f.total) AS p99,
    any_value(k.slo_threshold_seconds) AS threshold_seconds,
    any_value(k.slo_target) AS target,
    bool_or(NOT f.is_inf AND f.le = k.slo_threshold_seconds) FILTER (WHERE f.kept) AS threshold_is_bucket_bound,
    coalesce(
      arg_min(
        CASE
          WHEN f.le = k.slo_threshold_seconds THEN f.c
          ELSE coalesce(f.prev_c, 0)
            + (f.c - coalesce(f.prev_c, 0)) * (k.slo_threshold_seconds - coalesce(f.prev_le, 0)) / nullif(f.le - coalesce(f.prev_le, 0), 0)
        END,
        f.le
      ) FILTER (WHERE f.kept AND NOT f.is_inf AND f.le >= k.slo_threshold_seconds),
      max(f.c) FILTER (WHERE f.kept AND NOT f.is_inf)
    ) AS good
  FROM framed f
  LEFT JOIN paths k USING (service, route)
  GROUP BY f.grain, f.period_start, f.window_name, f.service, f.route
)
SELECT
  grain,
  period_start,
  window_name,
  service,
  route,
  coalesce(total, 0) AS requests,
  CASE WHEN total > 0 AND finite_bounds >= 1 THEN coalesce(p50, top_bound) END AS p50_seconds,
  CASE WHEN total > 0 AND finite_bounds >= 1 THEN coalesce(p95, top_bound) END AS p95_seconds,
  CASE WHEN total > 0 AND finite_bounds >= 1 THEN coalesce(p99, top_bound) END AS p99_seconds,
  finite_bounds,
  bounds_dropped,
  top_bound,
  threshold_seconds,
  CASE WHEN threshold_seconds IS NOT NULL THEN threshold_is_bucket_bound END AS threshold_is_bucket_bound,
  target,
  CASE WHEN total > 0 AND finite_bounds >= 1 AND threshold_seconds IS NOT NULL THEN good END AS good_requests
FROM windows
