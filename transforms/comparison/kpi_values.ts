// grain: one row per custom KPI observation: kpi × service × observation.
// inputs: seeds.kpis, core.kpi_samples (PromQL KPIs, collected), intermediate.int_plan_windows, and for SQL KPIs
//         whatever their query reads (it runs after every staging, intermediate and metrics relation).
// definition: each configured KPI's observations with their local day and plan window; a PromQL KPI's stored
//   samples (one per step), a SQL KPI's rows (period_start, value, optional service), run read-only.
import type { Config } from "../../schemas/config.ts";
import type { TsTransform } from "../run.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";

const COLUMNS = "kpi VARCHAR, service VARCHAR, kind VARCHAR, day DATE, value DOUBLE";

/** A KPI's query failed or returned the wrong shape: the message names `kpis[i] (<name>)`. */
export class KpiError extends Error {
  readonly code = "KPI_INVALID";
}

async function run(w: Warehouse, { config }: { config: Config }): Promise<void> {
  await w.run(`CREATE OR REPLACE TABLE metrics.kpi_values (${COLUMNS}, window_name VARCHAR)`);
  await w.run(`CREATE OR REPLACE TEMP TABLE kpi_staging (${COLUMNS})`);
  try {
    for (const [i, k] of config.kpis.entries()) {
      if (k.promql !== undefined) {
        await w.run(
          `INSERT INTO kpi_staging
           SELECT name, service, 'promql', timezone(getvariable('tz'), bucket_start)::DATE, value FROM core.kpi_samples WHERE name = ?`,
          [k.name],
        );
      } else {
        await insertSqlKpi(w, `kpis[${i}] (${k.name})`, k.name, k.sql!);
      }
    }
    await w.run(
      `INSERT INTO metrics.kpi_values
       SELECT s.*, CASE WHEN s.day BETWEEN p.baseline_from AND p.baseline_to THEN 'baseline'
                        WHEN s.day BETWEEN p.final_from AND p.final_to THEN 'final' END
       FROM kpi_staging s CROSS JOIN intermediate.int_plan_windows p
       WHERE s.value IS NOT NULL AND isfinite(s.value)
       ORDER BY s.kpi, s.service, s.day`,
    );
  } finally {
    await w.run("DROP TABLE IF EXISTS temp.kpi_staging");
  }
}

/**
 * Runs a SQL KPI read-only: the text is wrapped as a subquery (so only a single SELECT parses) and its
 * columns are checked before any row is read.
 */
export async function insertSqlKpi(w: Warehouse, where: string, name: string, sql: string): Promise<void> {
  const body = sql.trim().replace(/;\s*$/, "");
  let columns: { column_name: string; column_type: string }[];
  try {
    columns = await w.all(`DESCRIBE SELECT * FROM (\n${body}\n) AS kpi`);
  } catch (error) {
    throw new KpiError(`${where}.sql: the query does not run: ${firstLine((error as Error).message)} (it must be one read-only SELECT over the warehouse)`, {
      cause: error,
    });
  }
  const type = (name: string) => columns.find((c) => c.column_name.toLowerCase() === name)?.column_type;
  const period = type("period_start");
  const value = type("value");
  const names = columns.map((c) => c.column_name).join(", ");
  if (!period || !value) {
    throw new KpiError(`${where}.sql: the query must return columns period_start and value (and optionally service); it returns: ${names}`);
  }
  if (!/^(DATE|TIMESTAMP( WITH TIME ZONE)?|TIMESTAMP_[A-Z]+)$/.test(period)) {
    throw new KpiError(`${where}.sql: period_start must be a DATE or a timestamp, got ${period}`);
  }
  if (!/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/.test(value)) {
    throw new KpiError(`${where}.sql: value must be a number, got ${value}`);
  }
  // a timestamp with a zone is read in the configured zone; a plain DATE or TIMESTAMP is taken as local already
  const day = period === "TIMESTAMP WITH TIME ZONE" ? "timezone(getvariable('tz'), kpi.period_start)::DATE" : "kpi.period_start::DATE";
  const service = type("service") ? "coalesce(kpi.service::VARCHAR, '*')" : "'*'";
  try {
    await w.run(`INSERT INTO kpi_staging SELECT ?, ${service}, 'sql', ${day}, kpi.value::DOUBLE FROM (\n${body}\n) AS kpi`, [name]);
  } catch (error) {
    throw new KpiError(`${where}.sql: the query failed: ${firstLine((error as Error).message)}`, { cause: error });
  }
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

const transform: TsTransform = {
  reads: ["seeds.kpis", "intermediate.int_plan_windows"],
  run,
};
export default transform;
