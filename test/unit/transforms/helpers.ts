import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Config } from "../../../schemas/config.ts";
import { registerSqlFunctions } from "../../../transforms/lib/sql-functions.ts";
import { plan, type TsTransform } from "../../../transforms/run.ts";
import { writeSeeds } from "../../../warehouse/seeds.ts";
import type { Row, Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";

/**
 * A config for transform tests: one year from 2026-01-05, baseline/final windows of two months; the
 * report is pinned as of 2027-01-31 (after the final window), so the comparison does not depend on today.
 */
export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return Config.parse({
    timezone: "Europe/Berlin",
    plan: { start: "2026-01-01", months: 12 },
    services: { api: {}, web: {} },
    ...overrides,
    report: { as_of: "2027-01-31", ...(overrides.report as Record<string, unknown> | undefined) },
  });
}

/**
 * A fresh in-memory warehouse with seeds written, the session zone set and the shared SQL functions
 * registered as the runner does, then `fn`. Transform files are materialized with `materialize`.
 */
export async function withTransformWarehouse<T>(config: Config, fn: (w: Warehouse) => Promise<T>): Promise<T> {
  return withMemoryWarehouse(async (w) => {
    await writeSeeds(w, config);
    await w.run(`SET TimeZone = '${config.timezone}'`);
    await w.run(`SET VARIABLE tz = '${config.timezone}'`);
    registerSqlFunctions(w);
    return fn(w);
  });
}

/** Materializes `relation` and, first, every SQL relation it reads (transitively), as the runner does. */
export async function materialize(w: Warehouse, relation: string): Promise<void> {
  const steps = await plan();
  const byName = new Map(steps.map((s) => [s.relation, s]));
  const needed = new Set<string>();
  const visit = (name: string) => {
    const step = byName.get(name);
    if (!step || needed.has(name)) return;
    needed.add(name);
    step.reads.forEach(visit);
  };
  visit(relation);
  if (!byName.has(relation)) throw new Error(`no transform ${relation}`);
  for (const step of steps) {
    if (!needed.has(step.relation)) continue;
    if (step.kind === "ts") {
      // a TypeScript transform (e.g. metrics.lead_time_groups) runs when its table is not there
      // yet: one that needs the test's own config (kpi_values) is run by the test first
      const [schema, name] = step.relation.split(".");
      const exists = await w.one("SELECT 1 AS x FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [schema, name]);
      if (exists && step.relation !== relation) continue;
      const mod = (await import(pathToFileURL(step.file).href)) as { default: TsTransform };
      await mod.default.run(w, { config: testConfig() });
      continue;
    }
    const sql = readFileSync(step.file, "utf8").trim().replace(/;\s*$/, "");
    await w.run(`CREATE OR REPLACE TABLE ${step.relation} AS\n${sql}`);
  }
}

let seq = 0;
/** A successful production deployment row for core.deployments. */
export function deployment(service: string, finishedAt: string, extra: Row = {}): Row {
  const id = (extra.deployment_id as string | undefined) ?? `demo:deployment:${service}:${++seq}`;
  return { deployment_id: id, source: "demo", service, environment: "production", is_production: true, status: "success", finished_at: finishedAt, ...extra };
}

/** An incident row for core.incidents. */
export function incident(id: string, service: string, createdAt: string, extra: Row = {}): Row {
  return { incident_id: id, source: "demo", service, created_at: createdAt, status: extra.resolved_at ? "resolved" : "triggered", ...extra };
}

/** Rows of a query with DATE/TIMESTAMP columns cast to text by the caller; numbers rounded for comparison. */
export async function rows<T = Row>(w: Warehouse, sql: string): Promise<T[]> {
  return w.all<T>(sql);
}
