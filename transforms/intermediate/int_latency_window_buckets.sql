-- grain: one row per window (grain day|week|month × period_start with window_name '', or grain 'window' × plan window_name), service, route and upper bound le.
-- inputs: intermediate.int_latency_daily, seeds.plan_windows.
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
-- Periods and their +Inf rows are resolved per day before (int_latency_bound_days → int_latency_daily:
-- at 1M deployments 92M bucket rows become 3.8M day rows, in tables); here the days
-- roll up. Each CTE is read once, so none is held in memory whole.
WITH rolled_up AS (
  SELECT 'week' AS grain, CAST(date_trunc('week', local_date) AS DATE) AS period_start, '' AS window_name, * EXCLUDE (local_date) FROM intermediate.int_latency_daily
  UNION ALL
  SELECT 'month', CAST(date_trunc('month', local_date) AS DATE), '', * EXCLUDE (local_date) FROM intermediate.int_latency_daily
  UNION ALL
  SELECT 'window', w.from_date, w.window_name, d.* EXCLUDE (local_date)
  FROM intermediate.int_latency_daily d
  JOIN seeds.plan_windows w ON d.local_date BETWEEN w.from_date AND w.to_date
),
summed AS (
  -- a day is already one row per bound
  SELECT
    'day' AS grain, local_date AS period_start, '' AS window_name, service, route, le, is_inf, cumulative_count,
    periods::HUGEINT AS periods, periods_with_requests::HUGEINT AS periods_with_requests
  FROM intermediate.int_latency_daily
  UNION ALL
  SELECT
    grain, period_start, window_name, service, route, le,
    any_value(is_inf) AS is_inf,
    sum(cumulative_count) AS cumulative_count,
    sum(periods) AS periods,
    sum(periods_with_requests) AS periods_with_requests
  FROM rolled_up
  GROUP BY grain, period_start, window_name, service, route, le
),
with_requests AS (
  -- the window's periods with requests, as on its +Inf row in summed (the same sum of day rows)
  SELECT 'day' AS grain, local_date AS period_start, '' AS window_name, service, route, periods_with_requests::HUGEINT AS periods_with_requests
  FROM intermediate.int_latency_daily
  WHERE is_inf
  UNION ALL
  SELECT grain, period_start, window_name, service, route, sum(periods_with_requests)
  FROM (
    SELECT 'week' AS grain, CAST(date_trunc('week', local_date) AS DATE) AS period_start, '' AS window_name, service, route, periods_with_requests
    FROM intermediate.int_latency_daily
    WHERE is_inf
    UNION ALL
    SELECT 'month', CAST(date_trunc('month', local_date) AS DATE), '', service, route, periods_with_requests
    FROM intermediate.int_latency_daily
    WHERE is_inf
    UNION ALL
    SELECT 'window', w.from_date, w.window_name, d.service, d.route, d.periods_with_requests
    FROM intermediate.int_latency_daily d
    JOIN seeds.plan_windows w ON d.local_date BETWEEN w.from_date AND w.to_date
    WHERE d.is_inf
  )
  GROUP BY grain, period_start, window_name, service, route
)
-- a bound is kept when it was reported in every period with requests of the window: as often as +Inf
SELECT
  s.grain,
  s.period_start,
  s.window_name,
  s.service,
  s.route,
  s.le,
  s.cumulative_count,
  s.periods,
  s.periods_with_requests,
  s.is_inf OR s.periods_with_requests = i.periods_with_requests AS kept
FROM summed s
LEFT JOIN with_requests i USING (grain, period_start, window_name, service, route)
