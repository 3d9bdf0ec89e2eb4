-- grain: one row per service, route, bucket period (bucket_start, usually one hour) and upper bound le.
-- inputs: core.latency_buckets.
-- definition: bucket increases renamed and cast: cumulative_count = requests in the period with latency ≤ le (as Prometheus counts them), local_date = the period's start date in the configured zone.
SELECT
  service,
  route,
  bucket_start,
  bucket_seconds,
  CAST(timezone(coalesce(getvariable('tz'), 'UTC'), bucket_start) AS DATE) AS local_date,
  le,
  isinf(le) AS is_inf,
  CAST(count AS DOUBLE) AS cumulative_count,
  source,
  collected_at
FROM core.latency_buckets
-- a NaN or -Inf bound is no bucket; Prometheus drops such series too
WHERE NOT isnan(le) AND le <> '-infinity'::DOUBLE AND count IS NOT NULL AND NOT isnan(count)
