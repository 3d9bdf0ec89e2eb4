-- grain: one row per plan window (baseline, final) and lead-time stage (coding, pickup, review, deploy).
-- inputs: metrics.lead_time_items.
-- definition: the median hours of each stage over the window's changes with that stage measured, and how many changes that is.
SELECT window_name, stage, median(hours) AS hours, count(hours)::INTEGER AS changes
FROM (
  UNPIVOT (SELECT window_name, coding_hours AS coding, pickup_hours AS pickup, review_hours AS review, deploy_hours AS deploy
           FROM metrics.lead_time_items WHERE window_name IN ('baseline', 'final'))
  ON coding, pickup, review, deploy INTO NAME stage VALUE hours
)
GROUP BY window_name, stage
ORDER BY window_name, list_position(['coding', 'pickup', 'review', 'deploy'], stage)
