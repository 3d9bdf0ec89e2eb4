-- grain: one row per service, route, local day (configured zone) and upper bound le.
-- inputs: staging.stg_latency_buckets.
-- definition: the day's bucket rows of one bound in one pass: summed counts, rows, and the hours they were reported in as a bit mask (hour number mod 62), with the hours whose count is > 0 (read on the +Inf rows: hours with requests).
--
-- A row counts only when its period has a +Inf row (the period's total), and counts as "with requests"
-- when that total is > 0. Looking up every row's period (a join or a window over 13M periods at 92M
-- rows) made this step slow and larger than memory, so one pass sums per local day and bound, keeping
-- the hours each bound was reported in as a bit mask (hour number mod 62: the ≤ 25 hours of one local
-- day never share a bit). A day whose periods are all on the hour, with each bound at most once per
-- period and no period without +Inf (every bound's hours are +Inf hours), is exact from those sums:
-- every row has its period's total, and the periods with requests of a bound are its hours ∩ the +Inf
-- hours with a count > 0. Any other day (5-minute periods, an hour without +Inf, a repeated row, a
-- route whose bucket width changed) is computed row by row, as it always was (int_latency_daily).
SELECT
  service, route, local_date, le,
  any_value(is_inf) AS is_inf,
  sum(cumulative_count) AS cumulative_count,
  count(*) AS periods,
  min(bucket_seconds) AS min_bucket_seconds,
  max(bucket_seconds) AS max_bucket_seconds,
  bool_and(epoch_ms(bucket_start) % 3600000 = 0) AS on_the_hour,
  bit_or(1::BIGINT << ((epoch_ms(bucket_start) // 3600000) % 62 + 62) % 62) AS hours,
  bit_or(1::BIGINT << ((epoch_ms(bucket_start) // 3600000) % 62 + 62) % 62) FILTER (WHERE cumulative_count > 0) AS hours_with_requests
FROM staging.stg_latency_buckets
GROUP BY service, route, local_date, le
