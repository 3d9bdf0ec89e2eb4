-- grain: one row per grain, period and service, plus '*' for all services.
-- inputs: intermediate.int_calendar, intermediate.int_services.
-- definition: the dense grid every periodic metric is reported on, so a period with no deployments shows 0 rather than disappearing.
SELECT c.grain, c.period_start, s.service
FROM intermediate.int_calendar c
CROSS JOIN (SELECT service FROM intermediate.int_services UNION ALL SELECT '*') s
