import { createInterface } from "node:readline";
import { Command, Option } from "commander";
import { Warehouse, type Row } from "../../warehouse/warehouse.ts";
import { exportWarehouse, type ExportFormat } from "../../warehouse/export.ts";
import { DEFAULT_CONFIG, loadFromOptions, makeProgress, warehousePath, type GlobalOptions } from "../context.ts";
import { ConfigError } from "../../schemas/load-config.ts";
import { UsageError } from "../errors.ts";
import { withGlobals } from "../options.ts";
import { table } from "../progress.ts";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";

type OutputFormat = "table" | "csv" | "json";

/** The warehouse path without requiring a config file (sql and export work on any warehouse). */
function pathFor(flags: GlobalOptions): string {
  const hasConfig = existsSync(flags.config ?? DEFAULT_CONFIG);
  let path: string;
  if (flags.warehouse) {
    // The config is read only to register its secrets for redaction; with --warehouse a broken
    // config does not stop a query.
    try {
      if (hasConfig) loadFromOptions(flags);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
    }
    path = resolve(flags.warehouse);
  } else {
    path = warehousePath(flags, hasConfig ? loadFromOptions(flags) : undefined);
  }
  if (!existsSync(path)) throw new UsageError(`warehouse ${path} does not exist (pass --warehouse PATH, e.g. demo/warehouse.duckdb)`);
  return path;
}

export function formatRows(rows: Row[], format: OutputFormat): string {
  const cols = rows[0] ? Object.keys(rows[0]) : [];
  const cell = (v: unknown): string =>
    v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x)) : String(v);
  if (format === "json") return JSON.stringify(rows, (_k, x) => (typeof x === "bigint" ? Number(x) : x), 2);
  if (format === "csv") {
    const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    return [cols.map(quote).join(","), ...rows.map((r) => cols.map((c) => quote(cell(r[c]))).join(","))].join("\n");
  }
  if (rows.length === 0) return "(no rows)";
  return `${table(rows.map((r) => cols.map((c) => cell(r[c]))), cols)}\n(${rows.length} row${rows.length === 1 ? "" : "s"})`;
}

/** Read-only SQL over the warehouse: a query from the command line, or a prompt when none is given. */
export function sqlCommand(): Command {
  return withGlobals(new Command("sql"))
    .description("query the warehouse (read-only); with no query, an interactive prompt")
    .argument("[query]", 'SQL, e.g. "SELECT * FROM metrics.pdp_comparison"')
    .addOption(new Option("-f, --format <format>", "output format").choices(["table", "csv", "json"]).default("table"))
    .action(async (query: string | undefined, flags: GlobalOptions & { format: OutputFormat }) => {
      // Read-only and sandboxed: DuckDB itself refuses any write to the warehouse, and any file,
      // other database, extension or network address (Warehouse.open's `sandbox`), so a query typed
      // here can neither change data nor read the token file next to it.
      const w = await Warehouse.open(pathFor(flags), { readOnly: true, sandbox: {} });
      try {
        if (query !== undefined) {
          process.stdout.write(`${formatRows(await runReadOnly(w, query), flags.format)}\n`);
          return;
        }
        await repl(w, flags.format);
      } finally {
        w.close();
      }
    });
}

async function runReadOnly(w: Warehouse, query: string): Promise<Row[]> {
  try {
    return await w.all(query);
  } catch (error) {
    const message = (error as Error).message;
    if (/read-only/i.test(message)) throw new UsageError(`dora sql is read-only: ${message.split("\n")[0]}`, { cause: error });
    if (/disabled (by|through) configuration|configuration has been locked/i.test(message)) {
      throw new UsageError(`dora sql reads only the warehouse (no files, other databases, extensions or settings): ${message.split("\n")[0]}`, { cause: error });
    }
    throw new UsageError(message.split("\n")[0] ?? message, { cause: error });
  }
}

async function repl(w: Warehouse, format: OutputFormat): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "dora> " });
  process.stdout.write("read-only SQL over the warehouse; end a statement with ';'. .tables lists tables, .quit leaves.\n");
  let buffer = "";
  rl.prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    if (!buffer && (trimmed === ".quit" || trimmed === ".exit")) break;
    if (!buffer && trimmed === ".tables") {
      const rows = await w.all("SELECT schema_name AS schema, table_name AS table, estimated_size AS rows FROM duckdb_tables() WHERE NOT temporary ORDER BY 1, 2");
      process.stdout.write(`${formatRows(rows, format)}\n`);
    } else if (trimmed) {
      buffer += `${line}\n`;
      if (trimmed.endsWith(";")) {
        try {
          process.stdout.write(`${formatRows(await runReadOnly(w, buffer), format)}\n`);
        } catch (error) {
          process.stdout.write(`error: ${(error as Error).message}\n`);
        }
        buffer = "";
      }
    }
    rl.setPrompt(buffer ? "  ...> " : "dora> ");
    rl.prompt();
  }
  rl.close();
}

export function exportCommand(): Command {
  return withGlobals(new Command("export"))
    .description("export core.* and metrics.* as Parquet (hive-partitioned by month), Arrow IPC or CSV")
    .addOption(new Option("--format <format>", "file format").choices(["parquet", "arrow", "csv"]).default("parquet"))
    .option("-o, --out <dir>", "output folder", "export")
    .option("-t, --table <name...>", "only these tables (e.g. core.deployments metrics.lead_time)")
    .action(async (flags: GlobalOptions & { format: ExportFormat; out: string; table?: string[] }) => {
      const progress = makeProgress(flags);
      const out = resolve(flags.out);
      // Sandboxed like `dora sql`, with only the output folder writable: the COPY statements name
      // paths built from table names, and nothing in the warehouse (a view, a macro) may reach further.
      mkdirSync(out, { recursive: true });
      const w = await Warehouse.open(pathFor(flags), { readOnly: true, sandbox: { writableDirs: [out] } });
      try {
        const results = await exportWarehouse(w, out, flags.format, { tables: flags.table, onTable: (t) => progress.step(`exporting ${t}…`) });
        progress.done();
        process.stdout.write(`${table(results.map((r) => [r.table, r.rows, r.path]), ["table", "rows", "path"])}\n`);
      } finally {
        w.close();
      }
    });
}
