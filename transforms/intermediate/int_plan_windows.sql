-- grain: one row (the plan).
-- inputs: seeds.plan_windows.
-- definition: the plan, baseline and final windows side by side (inclusive local dates), so items can be tagged with one cross join instead of a join that could duplicate rows when windows overlap.
SELECT
  max(from_date) FILTER (WHERE window_name = 'plan') AS plan_from,
  max(to_date) FILTER (WHERE window_name = 'plan') AS plan_to,
  max(from_date) FILTER (WHERE window_name = 'baseline') AS baseline_from,
  max(to_date) FILTER (WHERE window_name = 'baseline') AS baseline_to,
  max(from_date) FILTER (WHERE window_name = 'final') AS final_from,
  max(to_date) FILTER (WHERE window_name = 'final') AS final_to
FROM seeds.plan_windows
