-- grain: one row per service, route, bucket period (bucket_start, usually one hour) and upper bound le.
-- inputs: core.latency_buckets.
-- definition: bucket increases renamed and cast: cumulative_count = requests in the period with latency ≤ le (as Prometheus counts them), local_date = the period's start date in the configured zone.
-- materialize: view (a plain projection: copying it would only cost time and disk)
WITH quarters AS (
  -- the zone conversion once per quarter hour of the data's span, not once per bucket row (ICU is the
  -- slow part, and a join of every row to its period start cost more than the rest of the view): every
  -- zone's midnight falls on a quarter hour, so a quarter's start gives the date of all of it; a quarter
  -- whose end reads another date (no such zone today) is NULL here and converted row by row
  SELECT
    min(q) AS first_quarter,
    list(CASE WHEN d = d_end THEN d END ORDER BY q) AS dates
  FROM (
    SELECT
      q,
      CAST(timezone(coalesce(getvariable('tz'), 'UTC'), make_timestamptz(q * 900000000)) AS DATE) AS d,
      CAST(timezone(coalesce(getvariable('tz'), 'UTC'), make_timestamptz(q * 900000000 + 899999999)) AS DATE) AS d_end
    FROM (
      SELECT unnest(range(min(epoch_ms(bucket_start)) // 900000, max(epoch_ms(bucket_start)) // 900000 + 1)) AS q
      FROM core.latency_buckets
    )
  )
)
SELECT
  b.service,
  b.route,
  b.bucket_start,
  b.bucket_seconds,
  coalesce(
    q.dates[(epoch_ms(b.bucket_start) // 900000 - q.first_quarter)::INTEGER + 1],
    CAST(timezone(coalesce(getvariable('tz'), 'UTC'), b.bucket_start) AS DATE)
  ) AS local_date,
  b.le,
  isinf(b.le) AS is_inf,
  CAST(b.count AS DOUBLE) AS cumulative_count,
  b.source,
  b.collected_at
FROM core.latency_buckets b
CROSS JOIN quarters q
-- a NaN or -Inf bound is no bucket; Prometheus drops such series too
WHERE NOT isnan(b.le) AND b.le <> '-infinity'::DOUBLE AND b.count IS NOT NULL AND NOT isnan(b.count)
