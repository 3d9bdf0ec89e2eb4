-- grain: one row per comparison window (baseline, final) and local date inside it.
-- inputs: seeds.plan_windows.
-- definition: window membership. An item or day belongs to every window whose dates hold its local date, each window tested on its own: joining on this relation counts a day shared by two windows in both, where one CASE would give it to the first window listed and leave the other short (overlapping windows are refused by the config; explicit windows and the interim window go through the same relation). The comparison reads windows only through it.
SELECT w.window_name, CAST(d.day AS DATE) AS local_date
FROM seeds.plan_windows w,
  unnest(generate_series(CAST(w.from_date AS TIMESTAMP), CAST(w.to_date AS TIMESTAMP), INTERVAL 1 DAY)) AS d(day)
WHERE w.window_name IN ('baseline', 'final')
ORDER BY w.window_name, local_date
