import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Config } from "../schemas/config.ts";
import { writeSeeds } from "../warehouse/seeds.ts";
import { registerSqlFunctions } from "./lib/sql-functions.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";

const ROOT = dirname(fileURLToPath(import.meta.url));
/** Layer folder → schema the relations land in. */
export const LAYERS: [folder: string, schema: string][] = [
  // data kept with the code (e.g. DORA tier thresholds), beside the seeds written from the config
  ["seeds", "seeds"],
  ["staging", "staging"],
  ["intermediate", "intermediate"],
  ["metrics", "metrics"],
  ["comparison", "metrics"],
];

/** A transform written in TypeScript (statistics that SQL does badly, e.g. the bootstrap). */
export interface TsTransform {
  /** Relations it reads, e.g. ["metrics.lead_time_items"], for ordering. */
  reads: string[];
  run: (w: Warehouse, ctx: { config: Config }) => Promise<void>;
}

export interface TransformStep {
  relation: string; // schema.name
  file: string;
  kind: "sql" | "ts";
  reads: string[];
  /** How a SQL file is created: a table (default) or, with a `-- materialize: view` header line, a view. */
  materialize: "table" | "view";
}

export interface TransformResult {
  /** rows is null for a view: counting it would run it, which is what a view avoids. */
  steps: { relation: string; ms: number; rows: number | null; materialize: "table" | "view" }[];
  checks: { check: string; rows: number }[];
}

/** `-- materialize: view` (or `table`) on a comment line of a SQL file's header. */
export function materializationOf(sql: string): "table" | "view" {
  const m = /^--\s*materialize:\s*(\w+)/im.exec(sql);
  if (!m) return "table";
  const kind = m[1]!.toLowerCase();
  if (kind !== "table" && kind !== "view") throw new Error(`transforms: "-- materialize: ${m[1]}" must be table or view`);
  return kind;
}

/**
 * DuckDB settings while the transforms run, from the environment:
 * - DORA_TRANSFORMS_MEMORY_LIMIT (default: DuckDB's own, 80 % of the machine's RAM): DuckDB's buffer
 *   memory; beyond it, sorts, joins and aggregations spill to the temp directory instead of growing.
 *   The default follows the machine, so every documented size transforms without the variable; set
 *   it to keep the process smaller on a shared host (the process takes more than this: Node, and
 *   DuckDB's allocations outside the buffer pool).
 * - DORA_TRANSFORMS_TEMP_DIRECTORY (default: DuckDB's, `<warehouse>.tmp` beside a file warehouse).
 * - DORA_TRANSFORMS_THREADS (default: DuckDB's, one per core).
 * preserve_insertion_order is off during the run: every table whose order matters says ORDER BY.
 * The previous values are restored afterwards.
 */
export function transformSettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings: Record<string, string> = { preserve_insertion_order: "false" };
  const limit = env.DORA_TRANSFORMS_MEMORY_LIMIT?.trim();
  if (limit) {
    if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(limit)) {
      throw new Error(`DORA_TRANSFORMS_MEMORY_LIMIT must be a size such as 1GB or 512MB, not "${limit}"`);
    }
    settings.memory_limit = limit;
  }
  if (env.DORA_TRANSFORMS_TEMP_DIRECTORY?.trim()) settings.temp_directory = env.DORA_TRANSFORMS_TEMP_DIRECTORY.trim();
  if (env.DORA_TRANSFORMS_THREADS?.trim()) {
    const n = Number(env.DORA_TRANSFORMS_THREADS);
    if (!Number.isInteger(n) || n < 1) throw new Error(`DORA_TRANSFORMS_THREADS must be a positive integer, not "${env.DORA_TRANSFORMS_THREADS}"`);
    settings.threads = String(n);
  }
  return settings;
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * DuckDB's own advice on running out of memory names `SET memory_limit`; a user sets it through the
 * environment, so the message names the variable and the limit in force.
 */
async function memoryHint(w: Warehouse): Promise<string> {
  const limit = (await w.one<{ v: string }>("SELECT current_setting('memory_limit')::VARCHAR AS v"))?.v;
  return ` (DuckDB's memory limit during transforms is ${limit}: raise DORA_TRANSFORMS_MEMORY_LIMIT, or free memory on the machine; see transforms/README.md)`;
}

/**
 * All transform files, ordered so each runs after the relations it reads. What a file reads is
 * declared: a SQL file's `-- inputs:` header, a TypeScript transform's `reads`. A SQL file whose
 * text names a relation it does not declare (or declares one it never names) is refused, naming
 * the file, since a missing declaration would let it run before its input is rebuilt.
 */
export async function plan(root = ROOT): Promise<TransformStep[]> {
  const steps: TransformStep[] = [];
  for (const [folder, schema] of LAYERS) {
    let files: string[];
    try {
      files = readdirSync(join(root, folder)).filter((f) => /\.(sql|ts)$/.test(f) && !f.endsWith(".test.ts")).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      const file = join(root, folder, f);
      const name = f.replace(/\.(sql|ts)$/, "");
      if (f.endsWith(".sql")) {
        const text = readFileSync(file, "utf8");
        const reads = declaredInputs(text, file);
        const named = referencedRelations(text);
        const undeclared = named.filter((r) => !reads.includes(r));
        const unused = reads.filter((r) => !named.includes(r));
        if (undeclared.length || unused.length) {
          throw new Error(
            `transforms: ${file}: the "-- inputs:" header must list exactly the relations the SQL reads` +
              (undeclared.length ? `; not declared: ${undeclared.join(", ")}` : "") +
              (unused.length ? `; declared but not read: ${unused.join(", ")}` : ""),
          );
        }
        steps.push({ relation: `${schema}.${name}`, file, kind: "sql", reads, materialize: materializationOf(text) });
      } else {
        const mod = (await import(pathToFileURL(file).href)) as { default?: TsTransform };
        if (!mod.default || !Array.isArray(mod.default.reads)) throw new Error(`transforms: ${file} must export default a TsTransform with its reads`);
        steps.push({ relation: `${schema}.${name}`, file, kind: "ts", reads: mod.default.reads.map((r) => r.toLowerCase()), materialize: "table" });
      }
    }
  }
  return topoSort(steps);
}

/**
 * The relations a SQL file declares in its `-- inputs:` header line: `schema.name` items separated by
 * commas, each optionally followed by a note in parentheses, the line ending in a full stop; or
 * `none`. Anything else is an error naming the file.
 */
export function declaredInputs(sql: string, file = "SQL"): string[] {
  const line = /^--\s*inputs:(.*)$/m.exec(sql)?.[1];
  if (line === undefined) throw new Error(`transforms: ${file} has no "-- inputs:" header line`);
  const items = line
    .trim()
    .replace(/\.$/, "")
    .split(/,(?![^(]*\))/)
    .map((item) => item.replace(/\([^)]*\)/g, "").trim());
  if (items.length === 1 && items[0] === "none") return [];
  for (const item of items) {
    if (!/^(seeds|staging|intermediate|metrics|core|raw|sync)\.[a-z_][a-z0-9_]*$/.test(item)) {
      throw new Error(`transforms: ${file}: "-- inputs:" item "${item}" is not a relation like intermediate.int_deployments (or "none")`);
    }
  }
  return [...new Set(items)];
}

/** Relations named as schema.name in SQL text (comments stripped): what a declaration is checked against. */
export function referencedRelations(sql: string): string[] {
  const text = sql.replace(/--.*$/gm, "");
  return [...new Set([...text.matchAll(/\b(seeds|staging|intermediate|metrics|core|raw|sync)\.([a-z_][a-z0-9_]*)\b/gi)].map((m) => `${m[1]!.toLowerCase()}.${m[2]!.toLowerCase()}`))];
}

function topoSort(steps: TransformStep[]): TransformStep[] {
  const byName = new Map(steps.map((s) => [s.relation, s]));
  const out: TransformStep[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (s: TransformStep, path: string[]) => {
    const st = state.get(s.relation);
    if (st === "done") return;
    if (st === "visiting") throw new Error(`transforms: dependency cycle ${[...path, s.relation].join(" → ")}`);
    state.set(s.relation, "visiting");
    for (const r of s.reads) {
      const dep = byName.get(r);
      if (dep && dep !== s) visit(dep, [...path, s.relation]);
    }
    state.set(s.relation, "done");
    out.push(s);
  };
  for (const s of steps) visit(s, []);
  return out;
}

/**
 * Writes seeds.* from the config, then materializes every relation (CREATE OR REPLACE TABLE … AS
 * <file>, or VIEW for a file headed `-- materialize: view`) in dependency order, under the DuckDB
 * settings of transformSettings(), then runs transforms/checks/*.sql into metrics.data_quality and
 * records the run in metrics.transform_run, all in one transaction (a failure changes no relation).
 * Periods are bucketed in the configured zone: the session TimeZone is set to it, and the zone is
 * also available to SQL as getvariable('tz').
 */
export async function runTransforms(
  w: Warehouse,
  config: Config,
  options: {
    fingerprint?: string;
    onStep?: (relation: string, index: number, total: number) => void;
    root?: string;
    /** Where DORA_TRANSFORMS_* settings are read (default process.env). */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<TransformResult> {
  const root = options.root ?? ROOT;
  const steps = await plan(root);
  const result: TransformResult = { steps: [], checks: [] };
  const settings = transformSettings(options.env);
  await writeSeeds(w, config, options.fingerprint);
  await w.run(`SET TimeZone = ${sqlString(config.timezone)}`);
  await w.run(`SET VARIABLE tz = ${sqlString(config.timezone)}`);
  registerSqlFunctions(w);
  try {
    await w.withSettings(settings, async () => {
      // a relation may change from table to view (or back) between versions: drop the other kind first
      const existing = new Map(
        (
          await w.all<{ relation: string; kind: "table" | "view" }>(
            `SELECT schema_name || '.' || table_name AS relation, 'table' AS kind FROM duckdb_tables() WHERE database_name = current_database()
             UNION ALL
             SELECT schema_name || '.' || view_name, 'view' FROM duckdb_views() WHERE database_name = current_database() AND NOT internal`,
          )
        ).map((r) => [r.relation, r.kind]),
      );
      // read before the transaction: after a failed statement it accepts no query until rolled back
      const oomHint = await memoryHint(w);
      // one transaction: a failing step leaves every relation as the last complete run built it
      await w.transaction(async () => {
        for (const [i, step] of steps.entries()) {
          options.onStep?.(step.relation, i, steps.length);
          const started = Date.now();
          if (step.kind === "sql") {
            const sql = readFileSync(step.file, "utf8").trim().replace(/;\s*$/, "");
            const kind = step.materialize === "view" ? "VIEW" : "TABLE";
            try {
              const other = existing.get(step.relation);
              if (other && other !== step.materialize) await w.run(`DROP ${other === "view" ? "VIEW" : "TABLE"} ${step.relation}`);
              await w.run(`CREATE OR REPLACE ${kind} ${step.relation} AS\n${sql}`);
            } catch (error) {
              const message = (error as Error).message;
              const hint = /Out of Memory/i.test(message) ? oomHint : "";
              throw new Error(`transform ${step.relation} (${step.file}): ${message}${hint}`, { cause: error });
            }
          } else {
            const mod = (await import(pathToFileURL(step.file).href)) as { default?: TsTransform } & Partial<TsTransform>;
            const t = mod.default ?? (mod as TsTransform);
            try {
              await t.run(w, { config });
            } catch (error) {
              const message = (error as Error).message;
              const hint = /Out of Memory/i.test(message) ? oomHint : "";
              throw new Error(`transform ${step.relation} (${step.file}): ${message}${hint}`, { cause: error });
            }
          }
          const rows = step.materialize === "view" ? null : ((await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${step.relation}`))?.n ?? 0);
          result.steps.push({ relation: step.relation, ms: Date.now() - started, rows, materialize: step.materialize });
        }
        result.checks = await runChecks(w, root);
        await recordRun(w, steps.length, options.fingerprint);
      });
    });
  } finally {
    await w.run("SET TimeZone = 'UTC'");
  }
  return result;
}

/**
 * metrics.transform_run: when the relations were last built, in one row. The report compares it with
 * the latest successful collection to say when metrics are older than the data.
 */
async function recordRun(w: Warehouse, relations: number, fingerprint: string | undefined): Promise<void> {
  await w.run("CREATE OR REPLACE TABLE metrics.transform_run (finished_at TIMESTAMPTZ, relations INTEGER, config_fingerprint VARCHAR)");
  // the clock, not now(): inside a transaction now() is the transaction's start
  await w.run("INSERT INTO metrics.transform_run VALUES (?::TIMESTAMPTZ, ?, ?)", [new Date().toISOString(), relations, fingerprint ?? null]);
}

/** Each checks/<name>.sql returns the offending rows; their counts go to metrics.data_quality. */
export async function runChecks(w: Warehouse, root = ROOT): Promise<{ check: string; rows: number }[]> {
  let files: string[] = [];
  try {
    files = readdirSync(join(root, "checks")).filter((f) => f.endsWith(".sql")).sort();
  } catch {
    /* no checks */
  }
  await w.run(
    "CREATE OR REPLACE TABLE metrics.data_quality (check_name VARCHAR, description VARCHAR, failing_rows BIGINT, total_rows BIGINT, checked_at TIMESTAMPTZ)",
  );
  const out: { check: string; rows: number }[] = [];
  for (const f of files) {
    const sql = readFileSync(join(root, "checks", f), "utf8");
    const name = f.replace(/\.sql$/, "");
    // First comment line is the description; an optional "-- total: <sql>" gives the denominator.
    const description = /^--\s*(.+)$/m.exec(sql)?.[1]?.trim() ?? name;
    const totalSql = /^--\s*total:\s*(.+)$/m.exec(sql)?.[1]?.trim();
    const n = (await w.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM (${sql.trim().replace(/;\s*$/, "")})`))?.n ?? 0;
    const total = totalSql ? ((await w.one<{ n: number }>(`SELECT (${totalSql})::BIGINT AS n`))?.n ?? null) : null;
    await w.run("INSERT INTO metrics.data_quality VALUES (?, ?, ?, ?, now())", [name, description, n, total]);
    out.push({ check: name, rows: Number(n) });
  }
  return out;
}
