-- Reference: int_latency_window_buckets as it was before the one-pass rewrite (row by row: every bucket row
-- joined to its period total). test/unit/transforms/latency-reference.test.ts checks the transform against it.
-- grain: one row per window (grain day|week|month × period_start with window_name '', or grain 'window' × plan window_name), service, route and upper bound le.
-- inputs: staging.stg_latency_buckets, seeds.plan_windows.
-- definition: cumulative bucket counts summed over the window's periods — summing buckets, never averaging quantiles; a bound is kept only when every period with requests in the window reported it.
--
-- Why "kept": when a service changes its bucket layout (adds 0.2 s, drops 2.5 s), a bound that exists in
-- only some hours would count only those hours' requests at that bound, and the cumulative histogram
-- of the window would be wrong (Prometheus' own increase()[window] has the same flaw). Keeping the
-- bounds common to all hours with requests uses real counts only, at the coarser resolution; +Inf
-- (the total) is always common. Periods without a +Inf bucket have no total and are left out.
-- When the bucket width changed (sources.prometheus.step_seconds edited between runs), rows of two
-- widths can cover the same time (hourly rows beside 5-minute rows): a period overlapped by a period of
-- another width collected later is left out, so nothing is counted twice. Periods that only touch
-- (a 23-hour DST day beside a 24-hour one) do not overlap and are all kept.
WITH periods AS (
  SELECT service, route, bucket_start, bucket_seconds, local_date, max(collected_at) AS collected_at
  FROM staging.stg_latency_buckets
  GROUP BY ALL
),
several_widths AS (
  SELECT service, route FROM periods GROUP BY ALL HAVING count(DISTINCT bucket_seconds) > 1
),
spans AS (
  -- each period under every local day it touches (a period is at most a day long)
  SELECT p.*, p.local_date AS day FROM periods p SEMI JOIN several_widths w USING (service, route)
  UNION
  SELECT p.*, CAST(timezone(coalesce(getvariable('tz'), 'UTC'), p.bucket_start + to_seconds(p.bucket_seconds - 1)) AS DATE)
  FROM periods p SEMI JOIN several_widths w USING (service, route)
),
superseded AS (
  SELECT DISTINCT a.service, a.route, a.bucket_start, a.bucket_seconds
  FROM spans a
  JOIN spans b ON a.service = b.service AND a.route = b.route AND a.day = b.day
  WHERE a.bucket_seconds <> b.bucket_seconds
    AND b.bucket_start < a.bucket_start + to_seconds(a.bucket_seconds)
    AND a.bucket_start < b.bucket_start + to_seconds(b.bucket_seconds)
    AND coalesce(b.collected_at, 'epoch'::TIMESTAMPTZ) > coalesce(a.collected_at, 'epoch'::TIMESTAMPTZ)
),
usable AS (
  SELECT b.*
  FROM staging.stg_latency_buckets b
  ANTI JOIN superseded s ON s.service = b.service AND s.route = b.route AND s.bucket_start = b.bucket_start AND s.bucket_seconds = b.bucket_seconds
),
period_totals AS (
  SELECT service, route, bucket_start, max(cumulative_count) AS total
  FROM usable
  WHERE is_inf
  GROUP BY ALL
),
-- per local day first (24 periods → 1 row), then days → weeks, months and plan windows
daily AS (
  SELECT
    u.service, u.route, u.local_date, u.le,
    any_value(u.is_inf) AS is_inf,
    sum(u.cumulative_count) AS cumulative_count,
    count(*) AS periods,
    count(*) FILTER (WHERE t.total > 0) AS periods_with_requests
  FROM usable u
  JOIN period_totals t USING (service, route, bucket_start)
  GROUP BY u.service, u.route, u.local_date, u.le
),
windowed AS (
  SELECT 'day' AS grain, local_date AS period_start, '' AS window_name, * EXCLUDE (local_date) FROM daily
  UNION ALL
  SELECT 'week', CAST(date_trunc('week', local_date) AS DATE), '', * EXCLUDE (local_date) FROM daily
  UNION ALL
  SELECT 'month', CAST(date_trunc('month', local_date) AS DATE), '', * EXCLUDE (local_date) FROM daily
  UNION ALL
  SELECT 'window', w.from_date, w.window_name, d.* EXCLUDE (local_date)
  FROM daily d
  JOIN seeds.plan_windows w ON d.local_date BETWEEN w.from_date AND w.to_date
),
summed AS (
  SELECT
    grain, period_start, window_name, service, route, le,
    any_value(is_inf) AS is_inf,
    sum(cumulative_count) AS cumulative_count,
    sum(periods) AS periods,
    sum(periods_with_requests) AS periods_with_requests
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
