-- grain: one row per measure and service (plus service '*' for all services), over the 28 days before the run.
-- inputs: intermediate.int_services, metrics.deployment_items, metrics.lead_time_items, metrics.restore_items, metrics.kpi_values.
-- definition: the trailing-28-day DORA figures that monitoring publishes as gauges: deployments, deploy days (local), lead time median and p90 hours (changes with lead time > 0), change failure rate and rework rate (of those deployments), median time to restore (resolved incidents created in the window), each KPI's median; no row when there is nothing to measure (no deployment: no rate), so a gauge is absent rather than zero.
-- The window ends at the variable as_of when set (tests), else now: (as_of − 28 days, as_of].
WITH bounds AS (
  SELECT coalesce(getvariable('as_of')::TIMESTAMPTZ, now()) AS as_of
),
win AS (
  SELECT as_of, as_of - INTERVAL 28 DAY AS since FROM bounds
),
services AS (
  SELECT service FROM intermediate.int_services
  UNION ALL
  SELECT '*'
),
deployments AS (
  SELECT d.service, d.deployment_id, d.is_failed, d.is_rework, timezone(getvariable('tz'), d.finished_at)::DATE AS local_day
  FROM metrics.deployment_items d, win
  WHERE d.finished_at > win.since AND d.finished_at <= win.as_of
),
deployment_stats AS (
  SELECT s.service,
    count(d.deployment_id)::DOUBLE AS deployments,
    count(DISTINCT d.local_day)::DOUBLE AS deploy_days,
    CASE WHEN count(d.deployment_id) > 0 THEN count(d.deployment_id) FILTER (WHERE d.is_failed) / count(d.deployment_id) END AS change_failure_rate,
    CASE WHEN count(d.deployment_id) > 0 THEN count(d.deployment_id) FILTER (WHERE d.is_rework) / count(d.deployment_id) END AS rework_rate
  FROM services s
  LEFT JOIN deployments d ON s.service = '*' OR d.service = s.service
  GROUP BY s.service
),
lead AS (
  SELECT s.service,
    quantile_cont(l.lead_time_hours, 0.5) AS lead_time_median_hours,
    quantile_cont(l.lead_time_hours, 0.9) AS lead_time_p90_hours
  FROM services s
  LEFT JOIN (
    SELECT l.service, l.lead_time_hours FROM metrics.lead_time_items l, win
    WHERE l.deployed_at > win.since AND l.deployed_at <= win.as_of AND l.lead_time_hours >= 0
  ) l ON s.service = '*' OR l.service = s.service
  GROUP BY s.service
),
restore AS (
  SELECT s.service, quantile_cont(r.restore_hours, 0.5) AS time_to_restore_median_hours
  FROM services s
  LEFT JOIN (
    SELECT r.service, r.restore_hours FROM metrics.restore_items r, win
    WHERE r.created_at > win.since AND r.created_at <= win.as_of AND r.restore_hours IS NOT NULL
  ) r ON s.service = '*' OR r.service = s.service
  GROUP BY s.service
),
kpis AS (
  SELECT 'kpi:' || k.kpi AS measure, k.service, quantile_cont(k.value, 0.5) AS value
  FROM metrics.kpi_values k, win
  WHERE k.day > timezone(getvariable('tz'), win.since)::DATE AND k.day <= timezone(getvariable('tz'), win.as_of)::DATE
  GROUP BY k.kpi, k.service
),
wide AS (
  SELECT d.service, d.deployments, d.deploy_days, d.change_failure_rate, d.rework_rate,
    l.lead_time_median_hours, l.lead_time_p90_hours, r.time_to_restore_median_hours
  FROM deployment_stats d
  JOIN lead l USING (service)
  JOIN restore r USING (service)
)
SELECT measure, service, value, (SELECT as_of FROM win) AS as_of
FROM (
  UNPIVOT wide ON deployments, deploy_days, lead_time_median_hours, lead_time_p90_hours, change_failure_rate, time_to_restore_median_hours, rework_rate
  INTO NAME measure VALUE value
)
UNION ALL
SELECT measure, service, value, (SELECT as_of FROM win) FROM kpis
ORDER BY measure, service
