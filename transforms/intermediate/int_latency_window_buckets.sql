-- grain: one row per window (grain day|week|month × period_start with window_name '', or grain 'window' × plan window_name), service, route and upper bound le.
-- inputs: staging.stg_latency_buckets, seeds.plan_windows.
-- definition: cumulative bucket counts summed over the window's periods — summing buckets, never averaging quantiles; a bound is kept only when every period with requests in the window reported it.
--
-- Why "kept": when a service changes its bucket layout (adds 0.2 s, drops 2.5 s), a bound that exists in
-- only some hours would count only those hours' requests at that bound, and the cumulative histogram
-- of the window would be wrong (Prometheus' own increase()[window] has the same flaw). Keeping the
-- bounds common to all hours with requests uses real counts only, at the coarser resolution; +Inf
-- (the total) is always common. Periods without a +Inf bucket have no total and are left out.
-- When sources.prometheus.step_seconds was changed, rows of two widths can cover the same time (hourly
-- rows beside 5-minute rows): per slot of the widest width, only the width collected last is used, so
-- nothing is counted twice.
WITH sized AS (
  SELECT
    *,
    floor(epoch(bucket_start) / max(bucket_seconds) OVER (PARTITION BY service, route)) AS slot
  FROM staging.stg_latency_buckets
),
widths AS (
  SELECT service, route, slot, arg_max(bucket_seconds, coalesce(collected_at, 'epoch'::TIMESTAMPTZ)) AS used_seconds
  FROM sized
  GROUP BY service, route, slot
),
hours AS (
  SELECT
    s.*,
    max(s.cumulative_count) FILTER (WHERE s.is_inf) OVER (PARTITION BY s.service, s.route, s.bucket_start) AS hour_total
  FROM sized s
  JOIN widths w ON w.service = s.service AND w.route = s.route AND w.slot = s.slot AND w.used_seconds = s.bucket_seconds
),
complete AS (
  SELECT service, route, bucket_start, local_date, le, is_inf, cumulative_count, hour_total > 0 AS has_requests
  FROM hours
  WHERE hour_total IS NOT NULL
),
windowed AS (
  SELECT 'day' AS grain, local_date AS period_start, '' AS window_name, * EXCLUDE (local_date) FROM complete
  UNION ALL
  SELECT 'week', CAST(date_trunc('week', local_date) AS DATE), '', * EXCLUDE (local_date) FROM complete
  UNION ALL
  SELECT 'month', CAST(date_trunc('month', local_date) AS DATE), '', * EXCLUDE (local_date) FROM complete
  UNION ALL
  SELECT 'window', w.from_date, w.window_name, c.* EXCLUDE (local_date)
  FROM complete c
  JOIN seeds.plan_windows w ON c.local_date BETWEEN w.from_date AND w.to_date
),
summed AS (
  SELECT
    grain,
    period_start,
    window_name,
    service,
    route,
    le,
    any_value(is_inf) AS is_inf,
    sum(cumulative_count) AS cumulative_count,
    count(*) AS periods,
    count(*) FILTER (WHERE has_requests) AS periods_with_requests
  FROM windowed
  GROUP BY grain, period_start, window_name, service, route, le
),
framed AS (
  SELECT
    *,
    max(periods_with_requests) FILTER (WHERE is_inf) OVER (PARTITION BY grain, period_start, window_name, service, route) AS window_periods_with_requests
  FROM summed
)
SELECT
  grain,
  period_start,
  window_name,
  service,
  route,
  le,
  cumulative_count,
  periods,
  periods_with_requests,
  is_inf OR periods_with_requests = window_periods_with_requests AS kept
FROM framed
