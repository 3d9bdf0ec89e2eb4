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
WITH several_widths AS (
  -- routes whose bucket width changed; only these can hold overlapping periods (usually none)
  SELECT service, route FROM staging.stg_latency_buckets GROUP BY ALL HAVING min(bucket_seconds) <> max(bucket_seconds)
),
periods AS (
  SELECT service, route, bucket_start, bucket_seconds, local_date, max(collected_at) AS collected_at
  FROM staging.stg_latency_buckets
  SEMI JOIN several_widths USING (service, route)
  GROUP BY ALL
),
spans AS (
  -- each period under every local day it touches (a period is at most a day long)
  SELECT p.*, p.local_date AS day FROM periods p
  UNION
  SELECT p.*, CAST(timezone(coalesce(getvariable('tz'), 'UTC'), p.bucket_start + to_seconds(p.bucket_seconds - 1)) AS DATE)
  FROM periods p
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
usable AS NOT MATERIALIZED (
  -- rows of routes with one bucket width pass as they are; an anti join of every row against the
  -- (usually empty) superseded periods was planned with the 92M rows as its hash table
  SELECT service, route, bucket_start, local_date, le, is_inf, cumulative_count
  FROM staging.stg_latency_buckets
  WHERE route NOT IN (SELECT route FROM several_widths)
  UNION ALL
  SELECT service, route, bucket_start, local_date, le, is_inf, cumulative_count
  FROM (SELECT * FROM staging.stg_latency_buckets WHERE route IN (SELECT route FROM several_widths))
  WHERE {s: service, r: route, b: bucket_start, w: bucket_seconds} NOT IN (SELECT {s: service, r: route, b: bucket_start, w: bucket_seconds} FROM superseded)
),
-- A row counts only when its period has a +Inf row (the period's total), and counts as "with requests"
-- when that total is > 0. Looking up every row's period (a join or a window over 13M periods at 92M
-- rows) made this step slow and larger than memory, so one pass sums per local day and bound, keeping
-- the hours each bound was reported in as a bit mask (hour number mod 62: the ≤ 25 hours of one local
-- day never share a bit). A day whose periods are all on the hour, with each bound at most once per
-- period and no period without +Inf (every bound's hours are +Inf hours), is exact from those sums:
-- every row has its period's total, and the periods with requests of a bound are its hours ∩ the +Inf
-- hours with a count > 0. Any other day (5-minute periods, an hour without +Inf, a repeated row) is
-- computed row by row, as it always was.
by_bound AS (
  SELECT
    service, route, local_date, le,
    any_value(is_inf) AS is_inf,
    sum(cumulative_count) AS cumulative_count,
    count(*) AS periods,
    bool_and(epoch_ms(bucket_start) % 3600000 = 0) AS on_the_hour,
    bit_or(1::BIGINT << ((epoch_ms(bucket_start) // 3600000) % 62 + 62) % 62) AS hours,
    bit_or(1::BIGINT << ((epoch_ms(bucket_start) // 3600000) % 62 + 62) % 62) FILTER (WHERE cumulative_count > 0) AS hours_with_requests
  FROM usable
  GROUP BY service, route, local_date, le
),
days AS (
  SELECT
    service, route, local_date,
    coalesce(bool_and(on_the_hour AND periods = bit_count(hours)) AND bit_or(hours) = max(hours) FILTER (WHERE is_inf), false) AS exact,
    coalesce(max(hours_with_requests) FILTER (WHERE is_inf), 0::BIGINT) AS hours_with_totals
  FROM by_bound
  GROUP BY service, route, local_date
),
daily_exact AS (
  SELECT
    b.service, b.route, b.local_date, b.le, b.is_inf, b.cumulative_count, b.periods,
    bit_count(b.hours & d.hours_with_totals)::BIGINT AS periods_with_requests
  FROM by_bound b
  JOIN days d USING (service, route, local_date)
  WHERE d.exact
),
inexact AS (
  SELECT u.*
  FROM usable u
  SEMI JOIN (SELECT service, route, local_date FROM days WHERE NOT exact) d USING (service, route, local_date)
),
period_totals AS (
  SELECT service, route, bucket_start, max(cumulative_count) AS total
  FROM inexact
  WHERE is_inf
  GROUP BY ALL
),
daily_inexact AS (
  SELECT
    u.service, u.route, u.local_date, u.le,
    any_value(u.is_inf) AS is_inf,
    sum(u.cumulative_count) AS cumulative_count,
    count(*) AS periods,
    count(*) FILTER (WHERE t.total > 0) AS periods_with_requests
  FROM inexact u
  JOIN period_totals t USING (service, route, bucket_start)
  GROUP BY u.service, u.route, u.local_date, u.le
),
-- per local day first (24 periods → 1 row), then days → weeks, months and plan windows
daily AS (
  SELECT * FROM daily_exact
  UNION ALL
  SELECT * FROM daily_inexact
),
-- days are already one row per bound; weeks, months and plan windows sum them
rolled_up AS (
  SELECT 'week' AS grain, CAST(date_trunc('week', local_date) AS DATE) AS period_start, '' AS window_name, * EXCLUDE (local_date) FROM daily
  UNION ALL
  SELECT 'month', CAST(date_trunc('month', local_date) AS DATE), '', * EXCLUDE (local_date) FROM daily
  UNION ALL
  SELECT 'window', w.from_date, w.window_name, d.* EXCLUDE (local_date)
  FROM daily d
  JOIN seeds.plan_windows w ON d.local_date BETWEEN w.from_date AND w.to_date
),
summed AS (
  SELECT
    'day' AS grain, local_date AS period_start, '' AS window_name, service, route, le, is_inf, cumulative_count,
    periods::HUGEINT AS periods, periods_with_requests::HUGEINT AS periods_with_requests
  FROM daily
  UNION ALL
  SELECT
    grain, period_start, window_name, service, route, le,
    any_value(is_inf) AS is_inf,
    sum(cumulative_count) AS cumulative_count,
    sum(periods) AS periods,
    sum(periods_with_requests) AS periods_with_requests
  FROM rolled_up
  GROUP BY grain, period_start, window_name, service, route, le
)
-- a bound is kept when it was reported in every period with requests of the window: as often as +Inf
-- (a join to the +Inf rows rather than a window over all rows: it spills when memory is short)
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
LEFT JOIN summed i
  ON i.is_inf AND i.grain = s.grain AND i.period_start = s.period_start AND i.window_name = s.window_name AND i.service = s.service AND i.route = s.route
