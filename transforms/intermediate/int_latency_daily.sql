-- grain: one row per service, route, local day (configured zone) and upper bound le.
-- inputs: intermediate.int_latency_bound_days, staging.stg_latency_buckets.
-- definition: the day's counts of one bound over the periods that have a +Inf row (the period's total): summed counts, periods, and periods with requests (total > 0); read from int_latency_bound_days for regular days, row by row (each row joined to its period's total) for the others.
--
-- When the bucket width changed (sources.prometheus.step_seconds edited between runs), rows of two
-- widths can cover the same time (hourly rows beside 5-minute rows): a period overlapped by a period of
-- another width collected later is left out, so nothing is counted twice. Periods that only touch
-- (a 23-hour DST day beside a 24-hour one) do not overlap and are all kept. Every day of such a route
-- goes the row-by-row way, so those rows are all in `rows` below.
WITH several_widths AS (
  SELECT service, route
  FROM intermediate.int_latency_bound_days
  GROUP BY service, route
  HAVING min(min_bucket_seconds) <> max(max_bucket_seconds)
),
days AS (
  SELECT
    service, route, local_date,
    coalesce(
      bool_and(on_the_hour AND periods = bit_count(hours)) AND bit_or(hours) = max(hours) FILTER (WHERE is_inf)
        AND {s: service, r: route} NOT IN (SELECT {s: service, r: route} FROM several_widths),
      false
    ) AS exact,
    coalesce(max(hours_with_requests) FILTER (WHERE is_inf), 0::BIGINT) AS hours_with_totals
  FROM intermediate.int_latency_bound_days
  GROUP BY service, route, local_date
),
rows AS (
  -- the bucket rows of the other days (usually none: the join ends as soon as it has nothing to match)
  SELECT b.*
  FROM staging.stg_latency_buckets b
  SEMI JOIN (SELECT service, route, local_date FROM days WHERE NOT exact) d USING (service, route, local_date)
),
periods AS (
  SELECT p.service, p.route, p.bucket_start, p.bucket_seconds, p.local_date, max(p.collected_at) AS collected_at
  FROM rows p
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
usable AS (
  SELECT r.*
  FROM rows r
  ANTI JOIN superseded s ON s.service = r.service AND s.route = r.route AND s.bucket_start = r.bucket_start AND s.bucket_seconds = r.bucket_seconds
),
period_totals AS (
  SELECT service, route, bucket_start, max(cumulative_count) AS total
  FROM usable
  WHERE is_inf
  GROUP BY ALL
)
SELECT
  b.service, b.route, b.local_date, b.le, b.is_inf, b.cumulative_count, b.periods,
  bit_count(b.hours & d.hours_with_totals)::BIGINT AS periods_with_requests
FROM intermediate.int_latency_bound_days b
JOIN days d USING (service, route, local_date)
WHERE d.exact
UNION ALL
SELECT
  u.service, u.route, u.local_date, u.le,
  any_value(u.is_inf) AS is_inf,
  sum(u.cumulative_count) AS cumulative_count,
  count(*) AS periods,
  count(*) FILTER (WHERE t.total > 0) AS periods_with_requests
FROM usable u
JOIN period_totals t USING (service, route, bucket_start)
GROUP BY u.service, u.route, u.local_date, u.le
