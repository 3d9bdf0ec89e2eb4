-- grain: one row per service, route, bucket period (bucket_start, usually one hour) and upper bound le.
-- inputs: core.latency_buckets.
-- definition: bucket increases renamed and cast: cumulative_count = requests in the period with latency ≤ le (as Prometheus counts them), local_date = the period's start date in the configured zone.
-- materialize: view (a plain projection: copying it would only cost time and disk)
WITH local_dates AS (
  -- the zone conversion once per distinct period start, not once per bucket row (ICU is the slow part)
  SELECT bucket_start, CAST(timezone(coalesce(getvariable('tz'), 'UTC'), bucket_start) AS DATE) AS local_date
  FROM (SELECT DISTINCT bucket_start FROM core.latency_buckets)
)
SELECT
  b.service,
  b.route,
  b.bucket_start,
  b.bucket_seconds,
  d.local_date,
  b.le,
  isinf(b.le) AS is_inf,
  CAST(b.count AS DOUBLE) AS cumulative_count,
  b.source,
  b.collected_at
FROM core.latency_buckets b
JOIN local_dates d USING (bucket_start)
-- a NaN or -Inf bound is no bucket; Prometheus drops such series too
WHERE NOT isnan(b.le) AND b.le <> '-infinity'::DOUBLE AND b.count IS NOT NULL AND NOT isnan(b.count)
