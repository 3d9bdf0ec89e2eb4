-- grain: one row per grain (day, week, month), period and service with availability configured or request counts stored, plus '*' for all of them.
-- inputs: core.request_counts, seeds.availability, intermediate.int_calendar.
-- definition: availability = good ÷ total requests summed over the period's buckets (local zone), with the SLO target, whether it was met, and error_budget_spent = bad ÷ ((1 − target) × total), the share of the period's error budget used.
WITH counts AS (
  -- Ordered sums: floating-point addition in a fixed order, so the same data always gives the same bits.
  SELECT service, timezone(getvariable('tz'), bucket_start)::DATE AS day, sum(good ORDER BY bucket_start) AS good, sum(total ORDER BY bucket_start) AS total
  FROM core.request_counts
  GROUP BY ALL
), periods AS (
  SELECT 'day' AS grain, day AS period_start, service, good, total, (day, service) AS day_order FROM counts
  UNION ALL SELECT 'week', date_trunc('week', day)::DATE, service, good, total, (day, service) FROM counts
  UNION ALL SELECT 'month', date_trunc('month', day)::DATE, service, good, total, (day, service) FROM counts
), sums AS (
  SELECT grain, period_start, CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
         sum(good ORDER BY day_order) AS good, sum(total ORDER BY day_order) AS total
  FROM periods
  GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
), services AS (
  SELECT service FROM seeds.availability
  UNION SELECT service FROM core.request_counts
  UNION SELECT '*' WHERE EXISTS (SELECT 1 FROM seeds.availability) OR EXISTS (SELECT 1 FROM core.request_counts)
)
SELECT
  c.grain,
  c.period_start,
  s.service,
  coalesce(x.good, 0) AS good_requests,
  coalesce(x.total, 0) AS total_requests,
  coalesce(x.total - x.good, 0) AS bad_requests,
  CASE WHEN x.total > 0 THEN x.good / x.total END AS availability,
  a.target,
  CASE WHEN x.total > 0 AND a.target IS NOT NULL THEN x.good / x.total >= a.target END AS met,
  CASE WHEN x.total > 0 AND a.target IS NOT NULL THEN (x.total - x.good) / ((1 - a.target) * x.total) END AS error_budget_spent
FROM intermediate.int_calendar c
CROSS JOIN services s
LEFT JOIN sums x ON x.grain = c.grain AND x.period_start = c.period_start AND x.service = s.service
LEFT JOIN seeds.availability a ON a.service = s.service
ORDER BY c.grain, c.period_start, s.service
