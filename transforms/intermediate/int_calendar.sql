-- grain: one row per grain (day, week, month) and period.
-- inputs: seeds.settings, staging.stg_deployments, staging.stg_incidents.
-- definition: every period, in the configured zone, from the earlier of plan start and first event to the later of plan end and last event; weeks start on Monday.
WITH bounds AS (
  SELECT
    least(s.plan_start, d.lo, i.lo) AS lo,
    greatest(s.plan_end, d.hi, i.hi) AS hi
  FROM seeds.settings s
  -- convert only the extremes to local dates (the conversion is monotonic)
  CROSS JOIN (
    SELECT timezone(getvariable('tz'), min(finished_at))::DATE AS lo, timezone(getvariable('tz'), max(finished_at))::DATE AS hi
    FROM staging.stg_deployments
    WHERE is_deployment
  ) d
  CROSS JOIN (
    SELECT timezone(getvariable('tz'), min(created_at))::DATE AS lo, timezone(getvariable('tz'), max(created_at))::DATE AS hi
    FROM staging.stg_incidents
  ) i
)
SELECT 'day' AS grain, unnest(generate_series(lo::TIMESTAMP, hi::TIMESTAMP, INTERVAL 1 DAY))::DATE AS period_start FROM bounds
UNION ALL
SELECT 'week', unnest(generate_series(date_trunc('week', lo)::TIMESTAMP, hi::TIMESTAMP, INTERVAL 7 DAY))::DATE FROM bounds
UNION ALL
SELECT 'month', unnest(generate_series(date_trunc('month', lo)::TIMESTAMP, hi::TIMESTAMP, INTERVAL 1 MONTH))::DATE FROM bounds
