-- grain: one row per grain (day, week, month), period and service, plus service '*' for all services.
-- inputs: metrics.restore_items, intermediate.int_period_grid, seeds.settings.
-- definition: pages = incidents created in the period (local zone); after-hours = created outside work_start–work_end on work_days (ISO weekdays) in the configured zone; MTTA median; share of pages acknowledged within ack_target_minutes (an unacknowledged page misses the target).
WITH items AS (
  SELECT
    r.service,
    timezone(getvariable('tz'), r.created_at) AS local_ts,
    r.ack_minutes,
    NOT (
      list_contains(s.work_days, isodow(timezone(getvariable('tz'), r.created_at)))
      AND timezone(getvariable('tz'), r.created_at)::TIME >= s.work_start::TIME
      AND timezone(getvariable('tz'), r.created_at)::TIME < s.work_end::TIME
    ) AS after_hours,
    coalesce(r.ack_minutes <= s.ack_target_minutes, false) AS acked_within_target
  FROM metrics.restore_items r
  CROSS JOIN seeds.settings s
),
by_period AS (
  SELECT
    g.grain,
    CASE g.grain WHEN 'day' THEN i.local_ts::DATE WHEN 'week' THEN date_trunc('week', i.local_ts)::DATE ELSE date_trunc('month', i.local_ts)::DATE END AS period_start,
    i.*
  FROM items i
  CROSS JOIN (VALUES ('day'), ('week'), ('month')) g(grain)
),
agg AS (
  SELECT
    grain,
    period_start,
    CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
    count(*) AS pages,
    count(*) FILTER (WHERE after_hours) AS after_hours_pages,
    median(ack_minutes) FILTER (WHERE ack_minutes >= 0) AS mtta_median_minutes,
    count(*) FILTER (WHERE acked_within_target) AS acked_within_target
  FROM by_period
  GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
)
SELECT
  g.grain,
  g.period_start,
  g.service,
  coalesce(a.pages, 0) AS pages,
  coalesce(a.after_hours_pages, 0) AS after_hours_pages,
  a.after_hours_pages / a.pages::DOUBLE AS after_hours_share,
  a.mtta_median_minutes,
  a.acked_within_target / a.pages::DOUBLE AS acked_within_target_share
FROM intermediate.int_period_grid g
LEFT JOIN agg a ON a.grain = g.grain AND a.period_start = g.period_start AND a.service = g.service
ORDER BY g.grain, g.period_start, g.service
