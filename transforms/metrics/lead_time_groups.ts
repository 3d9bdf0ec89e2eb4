// grain: one row per grain (day, week, month), period and service, plus service '*' for all services, with changes deployed in it.
// inputs: metrics.lead_time_items.
// definition: the lead-time statistics of metrics.lead_time for the periods with changes (metrics.lead_time adds the empty periods of the grid): DuckDB's quantile_cont and the mean over changes with a lead time of zero or more (zero: a lightweight release tag on its own commit; a negative one is clock skew), stage medians over non-negative stages.
//
// One statement per grain: a median needs every value of its group at once, so a statement holds
// the values of one grain's groups (each change twice: its service and '*'), not all three grains';
// past the memory limit DuckDB spills to its temp directory. The mean sums whole microseconds as
// integers: a floating-point sum depends on the order DuckDB's threads add the rows in (the last bits
// differed between two runs on the same data), an integer sum does not.
import type { TsTransform } from "../run.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";

const PERIOD = { day: "local_day", week: "date_trunc('week', local_day)::DATE", month: "date_trunc('month', local_day)::DATE" } as const;

// The median and p90 come from one quantile_cont state (a list of fractions): the values of a group
// are gathered once, not twice; each fraction is interpolated as the single-fraction call does.
const groupsOf = (grain: keyof typeof PERIOD) => `
  SELECT grain, period_start, service, changes, lead_time[1] AS median_hours, lead_time[2] AS p90_hours, mean_hours,
    coding_median_hours, pickup_median_hours, review_median_hours, deploy_median_hours, negative_changes
  FROM (
  SELECT
    '${grain}' AS grain,
    ${PERIOD[grain]} AS period_start,
    CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
    count(*) FILTER (WHERE lead_time_hours >= 0) AS changes,
    quantile_cont(lead_time_hours, [0.5, 0.9]) FILTER (WHERE lead_time_hours >= 0) AS lead_time,
    sum(round(lead_time_hours * 3600e6)::HUGEINT) FILTER (WHERE lead_time_hours >= 0) / count(*) FILTER (WHERE lead_time_hours >= 0) / 3600e6 AS mean_hours,
    quantile_cont(coding_hours, 0.5) FILTER (WHERE lead_time_hours >= 0 AND coding_hours >= 0) AS coding_median_hours,
    quantile_cont(pickup_hours, 0.5) FILTER (WHERE lead_time_hours >= 0 AND pickup_hours >= 0) AS pickup_median_hours,
    quantile_cont(review_hours, 0.5) FILTER (WHERE lead_time_hours >= 0 AND review_hours >= 0) AS review_median_hours,
    quantile_cont(deploy_hours, 0.5) FILTER (WHERE lead_time_hours >= 0 AND deploy_hours >= 0) AS deploy_median_hours,
    count(*) FILTER (WHERE lead_time_hours < 0) AS negative_changes
  FROM metrics.lead_time_items
  WHERE local_day IS NOT NULL
  GROUP BY GROUPING SETS ((${PERIOD[grain]}, service), (${PERIOD[grain]})))`;

/** Writes metrics.lead_time_groups from metrics.lead_time_items, one grain per statement. */
export async function leadTimeGroups(w: Warehouse): Promise<void> {
  await w.run(`CREATE OR REPLACE TABLE metrics.lead_time_groups AS ${groupsOf("day")}`);
  await w.run(`INSERT INTO metrics.lead_time_groups ${groupsOf("week")}`);
  await w.run(`INSERT INTO metrics.lead_time_groups ${groupsOf("month")}`);
}

const transform: TsTransform = {
  reads: ["metrics.lead_time_items"],
  run: (w) => leadTimeGroups(w),
};
export default transform;
