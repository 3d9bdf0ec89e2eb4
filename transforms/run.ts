import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Config } from "../schemas/config.ts";
import { writeSeeds } from "../warehouse/seeds.ts";
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
}

export interface TransformResult {
  steps: { relation: string; ms: number; rows: number }[];
  checks: { check: string; rows: number }[];
}

/** All transform files, ordered so each runs after the relations it reads. */
export function plan(root = ROOT): TransformStep[] {
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
      const kind = f.endsWith(".sql") ? "sql" : "ts";
      // a TS transform's SQL strings name what it reads just as a SQL file does
      const text = readFileSync(file, "utf8");
      const reads = referencedRelations(kind === "sql" ? text : text.replace(/\/\/.*$/gm, ""));
      steps.push({ relation: `${schema}.${name}`, file, kind, reads });
    }
  }
  return topoSort(steps);
}

/** Relations named as seeds.x / staging.x / intermediate.x / metrics.x in SQL text (comments stripped). */
export function referencedRelations(sql: string): string[] {
  const text = sql.replace(/--.*$/gm, "");
  return [...new Set([...text.matchAll(/\b(seeds|staging|intermediate|metrics)\.([a-z_][a-z0-9_]*)\b/gi)].map((m) => `${m[1]!.toLowerCase()}.${m[2]!.toLowerCase()}`))];
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
 * <file>) in dependency order, then runs transforms/checks/*.sql into metrics.data_quality.
 * Periods are bucketed in the configured zone: the session TimeZone is set to it, and the zone is
 * also available to SQL as getvariable('tz').
 */
export async function runTransforms(
  w: Warehouse,
  config: Config,
  options: { fingerprint?: string; onStep?: (relation: string, index: number, total: number) => void; root?: string } = {},
): Promise<TransformResult> {
  const root = options.root ?? ROOT;
  const steps = plan(root);
  const result: TransformResult = { steps: [], checks: [] };
  await writeSeeds(w, config, options.fingerprint);
  await w.run(`SET TimeZone = '${config.timezone.replaceAll("'", "''")}'`);
  await w.run(`SET VARIABLE tz = '${config.timezone.replaceAll("'", "''")}'`);
  try {
    for (const [i, step] of steps.entries()) {
      options.onStep?.(step.relation, i, steps.length);
      const started = Date.now();
      if (step.kind === "sql") {
        const sql = readFileSync(step.file, "utf8").trim().replace(/;\s*$/, "");
        try {
          await w.run(`CREATE OR REPLACE TABLE ${step.relation} AS\n${sql}`);
        } catch (error) {
          throw new Error(`transform ${step.relation} (${step.file}): ${(error as Error).message}`, { cause: error });
        }
      } else {
        const mod = (await import(pathToFileURL(step.file).href)) as { default?: TsTransform } & Partial<TsTransform>;
        const t = mod.default ?? (mod as TsTransform);
        try {
          await t.run(w, { config });
        } catch (error) {
          throw new Error(`transform ${step.relation} (${step.file}): ${(error as Error).message}`, { cause: error });
        }
      }
      const rows = (await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${step.relation}`))?.n ?? 0;
      result.steps.push({ relation: step.relation, ms: Date.now() - started, rows });
    }
    result.checks = await runChecks(w, root);
  } finally {
    await w.run("SET TimeZone = 'UTC'");
  }
  return result;
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
