-- grain: one row per report year, metric and tier condition.
-- inputs: none (published data).
-- definition: DORA software delivery performance tiers as thresholds: a window's tier is the best tier_rank whose condition `value op bound` holds; a NULL bound always holds (the lowest tier).
--
-- Sources (checked 2026-11 through secondary sources that quote the reports; the report PDFs at
-- dora.dev/research were not reachable from here):
--   2023: Accelerate State of DevOps Report 2023, Google Cloud / DORA, table "Software delivery performance
--         levels": deployment frequency on demand | daily–weekly | weekly–monthly | weekly–monthly;
--         lead time < 1 day | 1 day–1 week | 1 week–1 month | 1 week–1 month; change failure rate
--         5 % | 10 % | 15 % | 64 %; failed deployment recovery < 1 hour | < 1 day | 1 day–1 week | 1–6 months.
--         Quoted identically by Apache DevLake's metric docs (devlake.apache.org/docs/Metrics/*).
--   2024: Accelerate State of DevOps Report 2024, DORA: deployment frequency on demand | daily–weekly |
--         weekly–monthly | monthly–every six months; lead time < 1 day | 1 day–1 week | 1 week–1 month |
--         1–6 months; change failure rate 5 % | 20 % | 10 % | 40 %; failed deployment recovery < 1 hour |
--         < 1 day | < 1 day | 1 week–1 month. Deployment frequency, lead time and the elite/high change
--         failure rates were confirmed in secondary sources; the medium/low change failure rates and all
--         2024 recovery times are from the report as we remember it and could NOT be verified here.
--
-- The reports describe clusters, not thresholds, so turning them into conditions takes choices:
--   * Deployment frequency uses Apache DevLake's reading (median deploy days per week ≥ 5 → elite,
--     ≥ 1 → high; deploy days per month ≥ 1 → medium; else low), since "on demand" is not a number.
--   * Where two clusters share a range (2023 low = medium for frequency and lead time), the worse tier
--     starts where the better one ends (DevLake does the same).
--   * Change failure rate is a typical value per cluster; it is used as the upper bound of the tier.
--     In 2024 the medium cluster (10 %) sits below high (20 %) because clusters were formed on all
--     four keys together; here ≤ 20 % reads high, ≤ 40 % medium, above low.
--   * 2024 recovery: high and medium are both "< 1 day"; ≤ 1 day reads high, ≤ 1 week medium, else low.
--   * "Time to restore" (incident created → resolved) is given the failed-deployment-recovery tiers too.
SELECT * FROM (VALUES
  (2023, 'deployment_frequency', 'elite',  1, 'deploy_days_per_week',  '>=', 5.0,   'on demand (multiple deploys per day)'),
  (2023, 'deployment_frequency', 'high',   2, 'deploy_days_per_week',  '>=', 1.0,   'between once per day and once per week'),
  (2023, 'deployment_frequency', 'medium', 3, 'deploy_days_per_month', '>=', 1.0,   'between once per week and once per month'),
  (2023, 'deployment_frequency', 'low',    4, NULL,                    NULL, NULL,  'between once per week and once per month'),
  (2023, 'lead_time',            'elite',  1, 'median_hours',          '<=', 24.0,  'less than one day'),
  (2023, 'lead_time',            'high',   2, 'median_hours',          '<=', 168.0, 'between one day and one week'),
  (2023, 'lead_time',            'medium', 3, 'median_hours',          '<=', 720.0, 'between one week and one month'),
  (2023, 'lead_time',            'low',    4, NULL,                    NULL, NULL,  'between one week and one month'),
  (2023, 'change_failure_rate',  'elite',  1, 'rate',                  '<=', 0.05,  '5 %'),
  (2023, 'change_failure_rate',  'high',   2, 'rate',                  '<=', 0.10,  '10 %'),
  (2023, 'change_failure_rate',  'medium', 3, 'rate',                  '<=', 0.15,  '15 %'),
  (2023, 'change_failure_rate',  'low',    4, NULL,                    NULL, NULL,  '64 %'),
  (2023, 'failed_deployment_recovery', 'elite',  1, 'median_hours',    '<=', 1.0,   'less than one hour'),
  (2023, 'failed_deployment_recovery', 'high',   2, 'median_hours',    '<=', 24.0,  'less than one day'),
  (2023, 'failed_deployment_recovery', 'medium', 3, 'median_hours',    '<=', 168.0, 'between one day and one week'),
  (2023, 'failed_deployment_recovery', 'low',    4, NULL,              NULL, NULL,  'between one month and six months'),
  (2024, 'deployment_frequency', 'elite',  1, 'deploy_days_per_week',  '>=', 5.0,   'on demand (multiple deploys per day)'),
  (2024, 'deployment_frequency', 'high',   2, 'deploy_days_per_week',  '>=', 1.0,   'between once per day and once per week'),
  (2024, 'deployment_frequency', 'medium', 3, 'deploy_days_per_month', '>=', 1.0,   'between once per week and once per month'),
  (2024, 'deployment_frequency', 'low',    4, NULL,                    NULL, NULL,  'between once per month and once every six months'),
  (2024, 'lead_time',            'elite',  1, 'median_hours',          '<=', 24.0,  'less than one day'),
  (2024, 'lead_time',            'high',   2, 'median_hours',          '<=', 168.0, 'between one day and one week'),
  (2024, 'lead_time',            'medium', 3, 'median_hours',          '<=', 720.0, 'between one week and one month'),
  (2024, 'lead_time',            'low',    4, NULL,                    NULL, NULL,  'between one month and six months'),
  (2024, 'change_failure_rate',  'elite',  1, 'rate',                  '<=', 0.05,  '5 %'),
  (2024, 'change_failure_rate',  'high',   2, 'rate',                  '<=', 0.20,  '20 %'),
  (2024, 'change_failure_rate',  'medium', 3, 'rate',                  '<=', 0.40,  '10 % (unverified)'),
  (2024, 'change_failure_rate',  'low',    4, NULL,                    NULL, NULL,  '40 % (unverified)'),
  (2024, 'failed_deployment_recovery', 'elite',  1, 'median_hours',    '<=', 1.0,   'less than one hour (unverified)'),
  (2024, 'failed_deployment_recovery', 'high',   2, 'median_hours',    '<=', 24.0,  'less than one day (unverified)'),
  (2024, 'failed_deployment_recovery', 'medium', 3, 'median_hours',    '<=', 168.0, 'less than one day (unverified)'),
  (2024, 'failed_deployment_recovery', 'low',    4, NULL,              NULL, NULL,  'between one week and one month (unverified)')
) AS t(tier_year, metric, tier, tier_rank, measure, op, bound, published)
