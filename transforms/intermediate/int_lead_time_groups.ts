// grain: one row per grain (day, week, month), period and service, plus service '*' for all services, with changes deployed in it.
// inputs: metrics.lead_time_items.
// definition: the lead-time statistics of metrics.lead_time for the periods with changes (metrics.lead_time adds the empty periods of the grid).
//
// Why TypeScript: the statistics need every value of a group at once (sorted lists), and DuckDB cannot
// spill list or quantile states; in one statement 1M deployments (10M changes × 3 grains × service/'*'
// × 5 columns) took about 6 GB. So the changes are taken in slices of whole weeks (day and week groups)
// and of whole months (month groups), each small enough for DuckDB's memory limit, and the groups of
// each slice are complete in it: the same values, the same sorted lists, the same numbers.
import type { TsTransform } from "../run.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";

/** Changes per slice: day+week slices hold 4 groupings × 5 columns of values, month slices 2 × 5. */
const SLICE_CHANGES = { week: 400_000, month: 800_000 };

/** The value at fractional position `pos` of the sorted list `list` (quantile_cont's interpolation, see positions). */
function atPosition(list: string, pos: string): string {
  const at = (i: string) => `${list}[${i}(${pos})::BIGINT + 1]`;
  return `CASE WHEN len(${list}) = 0 THEN NULL WHEN floor(${pos}) = ceil(${pos}) THEN ${at("floor")} ELSE ${at("floor")} * (1 - (${pos} - floor(${pos}))) + ${at("ceil")} * (${pos} - floor(${pos})) END`;
}

const STATISTICS = `
lists AS (
  -- each group's values once, sorted: the statistics below read them by position (a holistic
  -- aggregate per statistic kept a copy of the values each, five times over, and dominated this step)
  SELECT
    grain,
    period_start,
    CASE WHEN grouping(service) = 1 THEN '*' ELSE service END AS service,
    count(*) FILTER (WHERE lead_time_hours > 0) AS changes,
    list_sort(list(lead_time_hours) FILTER (WHERE lead_time_hours > 0)) AS lead,
    list_sort(list(coding_hours) FILTER (WHERE lead_time_hours > 0 AND coding_hours >= 0)) AS coding,
    list_sort(list(pickup_hours) FILTER (WHERE lead_time_hours > 0 AND pickup_hours >= 0)) AS pickup,
    list_sort(list(review_hours) FILTER (WHERE lead_time_hours > 0 AND review_hours >= 0)) AS review,
    list_sort(list(deploy_hours) FILTER (WHERE lead_time_hours > 0 AND deploy_hours >= 0)) AS deploy,
    count(*) FILTER (WHERE lead_time_hours <= 0) AS nonpositive_changes
  FROM by_period
  GROUP BY GROUPING SETS ((grain, period_start, service), (grain, period_start))
),
positions AS (
  -- quantile_cont's own arithmetic (DuckDB's Interpolator): RN = (n − 1) × q, lo = v[floor RN],
  -- hi = v[ceil RN], lo × (1 − d) + hi × d with d = RN − floor RN; the value itself when floor = ceil.
  -- Bit-identical to median() / quantile_cont() (checked at 100k deployments: every row equal).
  SELECT *,
    (len(lead) - 1) * 0.5::DOUBLE AS lead_50, (len(lead) - 1) * 0.9::DOUBLE AS lead_90,
    (len(coding) - 1) * 0.5::DOUBLE AS coding_50, (len(pickup) - 1) * 0.5::DOUBLE AS pickup_50,
    (len(review) - 1) * 0.5::DOUBLE AS review_50, (len(deploy) - 1) * 0.5::DOUBLE AS deploy_50
  FROM lists
),
agg AS (
  SELECT
    grain, period_start, service, changes,
    ${atPosition("lead", "lead_50")} AS median_hours,
    ${atPosition("lead", "lead_90")} AS p90_hours,
    -- summed in ascending order: bit-identical run to run (as avg(… ORDER BY …), without its cost)
    list_avg(lead) AS mean_hours,
    ${atPosition("coding", "coding_50")} AS coding_median_hours,
    ${atPosition("pickup", "pickup_50")} AS pickup_median_hours,
    ${atPosition("review", "review_50")} AS review_median_hours,
    ${atPosition("deploy", "deploy_50")} AS deploy_median_hours,
    nonpositive_changes
  FROM positions
)`;

/** Groups of the changes deployed in [from, to) for the given grains. */
function sliceSql(grains: ("day" | "week" | "month")[], from: string, to: string | undefined): string {
  const period = { day: "local_day", week: "date_trunc('week', local_day)::DATE", month: "date_trunc('month', local_day)::DATE" };
  return `WITH items AS (
  SELECT service, local_day, lead_time_hours, coding_hours, pickup_hours, review_hours, deploy_hours
  FROM metrics.lead_time_items
  WHERE local_day >= DATE '${from}'${to ? ` AND local_day < DATE '${to}'` : ""}
),
by_period AS (
${grains.map((g) => `  SELECT '${g}' AS grain, ${period[g]} AS period_start, * EXCLUDE (local_day) FROM items`).join("\n  UNION ALL\n")}
),${STATISTICS}
SELECT * FROM agg`;
}

/** Slice starts: every k-th week or month start from the first change's to the last's. */
async function slices(w: Warehouse, unit: "week" | "month", changes: number): Promise<{ from: string; to?: string }[]> {
  const starts = (
    await w.all<{ s: string }>(
      `SELECT strftime(s, '%Y-%m-%d') AS s
       FROM (
         SELECT unnest(generate_series(date_trunc('${unit}', min(local_day))::TIMESTAMP, max(local_day)::TIMESTAMP, INTERVAL 1 ${unit.toUpperCase()})) AS s
         FROM metrics.lead_time_items
       )
       ORDER BY s`,
    )
  ).map((r) => r.s);
  if (starts.length === 0) return [];
  const n = Math.max(1, Math.ceil(changes / SLICE_CHANGES[unit]));
  const k = Math.ceil(starts.length / n);
  const out: { from: string; to?: string }[] = [];
  for (let i = 0; i < starts.length; i += k) out.push({ from: starts[i]!, to: starts[i + k] });
  return out;
}

const transform: TsTransform = {
  reads: ["metrics.lead_time_items"],
  async run(w) {
    const changes = Number((await w.one<{ n: number }>("SELECT count(*)::BIGINT AS n FROM metrics.lead_time_items"))?.n ?? 0);
    await w.run("DROP TABLE IF EXISTS lead_time_groups");
    await w.run(`CREATE TEMP TABLE lead_time_groups AS ${sliceSql(["day"], "0001-01-01", undefined)} LIMIT 0`);
    try {
      for (const s of await slices(w, "week", changes)) await w.run(`INSERT INTO lead_time_groups ${sliceSql(["day", "week"], s.from, s.to)}`);
      for (const s of await slices(w, "month", changes)) await w.run(`INSERT INTO lead_time_groups ${sliceSql(["month"], s.from, s.to)}`);
      await w.run("CREATE OR REPLACE TABLE intermediate.int_lead_time_groups AS FROM lead_time_groups");
    } finally {
      await w.run("DROP TABLE IF EXISTS lead_time_groups");
    }
  },
};
export default transform;
