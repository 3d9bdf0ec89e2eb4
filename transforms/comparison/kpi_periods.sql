-- grain: one row per custom KPI, grain (day, week, month), period and service with observations.
-- inputs: metrics.kpi_values, seeds.kpis.
-- definition: the median, mean and p90 of the KPI's observations in the period (local days), with how many there were.
WITH periods AS (
  SELECT kpi, service, 'day' AS grain, day AS period_start, value FROM metrics.kpi_values
  UNION ALL SELECT kpi, service, 'week', date_trunc('week', day)::DATE, value FROM metrics.kpi_values
  UNION ALL SELECT kpi, service, 'month', date_trunc('month', day)::DATE, value FROM metrics.kpi_values
)
SELECT p.kpi, p.service, p.grain, p.period_start, any_value(k.label) AS label, any_value(k.unit) AS unit, any_value(k.direction) AS direction,
       count(*) AS observations, quantile_cont(p.value, 0.5) AS median_value, avg(p.value ORDER BY p.value) AS mean_value, quantile_cont(p.value, 0.9) AS p90_value
FROM periods p
LEFT JOIN seeds.kpis k ON k.name = p.kpi
GROUP BY p.kpi, p.service, p.grain, p.period_start
ORDER BY p.kpi, p.service, p.grain, p.period_start
