import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  Bool,
  DateDay,
  Float64,
  Int32,
  Int64,
  List,
  Field,
  TimestampMillisecond,
  Utf8,
  Table,
  tableToIPC,
  vectorFromArray,
  type DataType,
  type Vector,
} from "apache-arrow";
import { quoteIdent, type Warehouse } from "./warehouse.ts";

export type ExportFormat = "parquet" | "arrow" | "csv";

/** The time column each table is partitioned by (hive style year=/month=) in Parquet exports. */
const PARTITION_COLUMN: Record<string, string> = {
  "core.deployments": "coalesce(finished_at, started_at, updated_at)",
  "core.changes": "coalesce(committed_at, authored_at)",
  "core.pull_requests": "coalesce(merged_at, opened_at)",
  "core.incidents": "created_at",
  "core.latency_buckets": "bucket_start",
};

export interface ExportedTable {
  table: string;
  rows: number;
  path: string;
}

/** Tables exported: core.* and metrics.* (what other tools and notebooks read). */
export async function exportableTables(w: Warehouse): Promise<string[]> {
  const rows = await w.all<{ t: string }>(
    "SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() WHERE schema_name IN ('core', 'metrics') AND NOT temporary ORDER BY schema_name, table_name",
  );
  return rows.map((r) => r.t);
}

/**
 * Writes each table to DIR/<schema>/<table>.{csv,arrow} or, for Parquet, DIR/<schema>/<table>/ as
 * hive-partitioned files (year=YYYY/month=MM/) for time-stamped core tables and metrics with
 * period_start, so DuckDB, Spark, Trino or BigQuery read them directly.
 */
export async function exportWarehouse(
  w: Warehouse,
  out: string,
  format: ExportFormat,
  options: { tables?: string[]; onTable?: (table: string) => void } = {},
): Promise<ExportedTable[]> {
  const available = await exportableTables(w);
  const unknown = (options.tables ?? []).filter((t) => !available.includes(t));
  if (unknown.length) throw new Error(`no table ${unknown.join(", ")} to export (available: ${available.join(", ")})`);
  const tables = options.tables ?? available;
  const results: ExportedTable[] = [];
  for (const table of tables) {
    options.onTable?.(table);
    const [schema, name] = table.split(".") as [string, string];
    const dir = join(out, schema);
    mkdirSync(dir, { recursive: true });
    const source = `${quoteIdent(schema)}.${quoteIdent(name)}`;
    const rows = (await w.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${source}`))?.n ?? 0;
    let path: string;
    if (format === "csv") {
      path = join(dir, `${name}.csv`);
      await w.run(`COPY (SELECT * FROM ${source}) TO '${sqlString(path)}' (FORMAT csv, HEADER true)`);
    } else if (format === "parquet") {
      path = join(dir, name);
      rmSync(path, { recursive: true, force: true });
      const partition = await partitionExpression(w, table);
      if (partition && rows > 0) {
        await w.run(
          `COPY (SELECT *, strftime(${partition}, '%Y') AS year, strftime(${partition}, '%m') AS month FROM ${source})
           TO '${sqlString(path)}' (FORMAT parquet, PARTITION_BY (year, month), OVERWRITE_OR_IGNORE true)`,
        );
      } else {
        mkdirSync(path, { recursive: true });
        await w.run(`COPY (SELECT * FROM ${source}) TO '${sqlString(join(path, "data.parquet"))}' (FORMAT parquet)`);
      }
    } else {
      path = join(dir, `${name}.arrow`);
      writeFileSync(path, tableToIPC(await arrowTable(w, table), "file"));
    }
    results.push({ table, rows: Number(rows), path });
  }
  return results;
}

async function partitionExpression(w: Warehouse, table: string): Promise<string | undefined> {
  if (PARTITION_COLUMN[table]) return PARTITION_COLUMN[table];
  const cols = await w.columns(table);
  // Periodic metric tables: partition by their period (a DATE in the configured zone).
  return cols.some((c) => c.name === "period_start") ? "period_start" : undefined;
}

/** An Arrow table with types taken from DuckDB's (timestamps as UTC milliseconds). */
export async function arrowTable(w: Warehouse, table: string): Promise<Table> {
  const [schema, name] = table.split(".") as [string, string];
  const cols = await w.columns(table);
  const rows = await w.all(`SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(name)}`);
  const vectors: Record<string, Vector> = {};
  for (const col of cols) {
    const type = arrowType(col.type.toString());
    const values = rows.map((r) => toArrowValue(r[col.name], type));
    vectors[col.name] = vectorFromArray(values as never[], type) as Vector;
  }
  return new Table(vectors);
}

function arrowType(duck: string): DataType {
  if (duck === "BOOLEAN") return new Bool();
  if (["INTEGER", "SMALLINT", "TINYINT", "UTINYINT", "USMALLINT"].includes(duck)) return new Int32();
  if (["BIGINT", "HUGEINT", "UINTEGER", "UBIGINT"].includes(duck)) return new Int64();
  if (duck === "DOUBLE" || duck === "FLOAT" || duck.startsWith("DECIMAL")) return new Float64();
  if (duck === "DATE") return new DateDay();
  if (duck.startsWith("TIMESTAMP")) return new TimestampMillisecond("UTC");
  if (duck.endsWith("[]")) return new List(new Field("item", arrowType(duck.slice(0, -2)), true));
  return new Utf8();
}

function toArrowValue(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (type instanceof Int64) return BigInt(Math.round(Number(value)));
  if (type instanceof TimestampMillisecond) return value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (type instanceof DateDay) return value instanceof Date ? value : new Date(String(value));
  if (type instanceof Float64) return Number(value);
  if (type instanceof Utf8 && typeof value !== "string") return typeof value === "object" ? JSON.stringify(value) : String(value);
  return value;
}

function sqlString(s: string): string {
  return s.replaceAll("'", "''");
}
