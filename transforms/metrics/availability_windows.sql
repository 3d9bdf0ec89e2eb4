-- grain: one row per service with availability data (plus '*') and plan window (plan, baseline, final).
-- inputs: core.request_counts, seeds.availability, seeds.plan_windows, metrics.availability_burn_episodes.
-- definition: good ÷ total requests over the window's local days, the error budget the window allows ((1 − target) × total) and the share of it spent, and the burn-rate episodes that started in the window.
-- The all-services row ('*') is held to the services' budgets together: its budget is the sum of theirs
-- (Σ (1 − target) × total over the services with a target), so its target is 1 − budget ÷ their requests
-- (one shared target when all agree), and its episodes are all the services' episodes.
WITH counts AS (
  SELECT service, bucket_start, timezone(getvariable('tz'), bucket_start)::DATE AS day, good, total FROM core.request_counts
), sums AS (
  SELECT CASE WHEN grouping(c.service) = 1 THEN '*' ELSE c.service END AS service, p.window_name, any_value(p.from_date) AS from_date,
         any_value(p.to_date) AS to_date, sum(c.good ORDER BY c.day, c.service, c.bucket_start) AS good, sum(c.total ORDER BY c.day, c.service, c.bucket_start) AS total
  FROM seeds.plan_windows p
  JOIN counts c ON c.day BETWEEN p.from_date AND p.to_date
  GROUP BY GROUPING SETS ((c.service, p.window_name), (p.window_name))
), episodes AS (
  SELECT e.service, p.window_name, count(*) AS burn_episodes, count(*) FILTER (WHERE e.severity = 'page') AS page_episodes
  FROM metrics.availability_burn_episodes e
  JOIN seeds.plan_windows p ON timezone(getvariable('tz'), e.started_at)::DATE BETWEEN p.from_date AND p.to_date
  GROUP BY ALL
), targets AS (
  SELECT s.service, s.window_name, a.target
  FROM sums s JOIN seeds.availability a ON a.service = s.service
  UNION ALL
  SELECT '*', s.window_name, 1 - sum((1 - a.target) * s.total) / sum(s.total)
  FROM sums s JOIN seeds.availability a ON a.service = s.service
  WHERE a.target IS NOT NULL AND s.total > 0
  GROUP BY s.window_name
), episodes_all AS (
  SELECT service, window_name, burn_episodes, page_episodes FROM episodes WHERE service <> '*'
  UNION ALL
  SELECT '*', window_name, sum(burn_episodes), sum(page_episodes) FROM episodes WHERE service <> '*' GROUP BY window_name
)
SELECT
  s.service,
  s.window_name,
  s.from_date,
  s.to_date,
  s.good AS good_requests,
  s.total AS total_requests,
  s.total - s.good AS bad_requests,
  CASE WHEN s.total > 0 THEN s.good / s.total END AS availability,
  a.target,
  CASE WHEN s.total > 0 AND a.target IS NOT NULL THEN s.good / s.total >= a.target END AS met,
  (1 - a.target) * s.total AS error_budget_requests,
  CASE WHEN s.total > 0 AND a.target IS NOT NULL THEN (s.total - s.good) / ((1 - a.target) * s.total) END AS error_budget_spent,
  coalesce(e.burn_episodes, 0) AS burn_episodes,
  coalesce(e.page_episodes, 0) AS page_episodes
FROM sums s
LEFT JOIN targets a ON a.service = s.service AND a.window_name = s.window_name
LEFT JOIN episodes_all e ON e.service = s.service AND e.window_name = s.window_name
ORDER BY s.service, s.window_name
