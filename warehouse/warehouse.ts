import { existsSync, readdirSync, readFileSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  JSToDuckDBValueConverter,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");
const CHUNK_ROWS = 2048;

export type Row = Record<string, unknown>;

interface TableShape {
  columns: { name: string; type: DuckDBType }[];
  defaults: Map<string, string>;
  /** The columns rows are upserted by: the primary key, or the natural key the table's comment names. */
  key?: string[];
  /** True when `key` is a natural key (no index): rows are replaced by DELETE + INSERT. */
  natural: boolean;
}

export interface WriteOptions {
  /** Columns set to one value for every row (e.g. collected_at), unless a row sets them itself. */
  constants?: Record<string, Date | string | number | boolean>;
}

function sqlLiteral(v: Date | string | number | boolean): string {
  if (v instanceof Date) return `TIMESTAMPTZ '${v.toISOString()}'`;
  if (typeof v === "string") return `'${v.replaceAll("'", "''")}'`;
  return String(v);
}

/** Raised when another process holds the warehouse file; the CLI maps it to exit code 3. */
export class WarehouseLockedError extends Error {
  readonly code = "WAREHOUSE_LOCKED";
  constructor(
    readonly path: string,
    readonly holderPid: number | undefined,
  ) {
    super(
      `warehouse ${path} is in use by another process${holderPid ? ` (pid ${holderPid})` : ""}; wait for it to finish or stop it`,
    );
  }
}

export interface OpenOptions {
  readOnly?: boolean;
  /** Skip migrations (read-only opens never migrate). */
  migrate?: boolean;
  /**
   * For SQL that a user types (`dora sql`) or that writes files (`dora export`): DuckDB may touch no
   * file, database, extension or network address except the warehouse itself and `writableDirs`,
   * and no later statement can change that. See `sandbox()` below.
   */
  sandbox?: { writableDirs?: string[] };
}

/**
 * Instance options of a sandboxed open. Extension autoloading is off from the start: with it on, a
 * query naming `read_json('https://…')` would fetch and load httpfs. These two can only be set when
 * the instance is created; the rest is set by SQL in `sandbox()`.
 */
const SANDBOX_INSTANCE_OPTIONS = { autoload_known_extensions: "false", autoinstall_known_extensions: "false" } as const;

/**
 * Closes DuckDB off from everything but its own file: `enable_external_access = false` refuses
 * ATTACH, COPY … TO, EXPORT DATABASE, read_text/read_csv/glob of any path, INSTALL and LOAD of
 * extensions not built in; `allowed_directories` opens only the given folders again (DuckDB adds its
 * own temp folder); `lock_configuration = true` refuses every later SET/RESET, so a query cannot undo
 * any of it. Settings needed later (TimeZone) must be set before this runs.
 */
async function sandbox(connection: DuckDBConnection, writableDirs: string[]): Promise<void> {
  const dirs = writableDirs.map((d) => `'${d.replaceAll("'", "''")}'`);
  if (dirs.length) await connection.run(`SET allowed_directories = [${dirs.join(", ")}]`);
  await connection.run("SET enable_external_access = false");
  await connection.run("SET lock_configuration = true");
}

/**
 * One DuckDB file (or ':memory:'), one connection. Opened with `Warehouse.open`, closed with `close()`.
 * Query results come back as plain JS objects: TIMESTAMPTZ → Date, BIGINT → number when safe.
 */
export class Warehouse {
  private closed = false;
  private readonly shapes = new Map<string, TableShape>();
  private inTransaction = false;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly readOnly: boolean,
  ) {}

  static async open(path: string, options: OpenOptions = {}): Promise<Warehouse> {
    const readOnly = options.readOnly ?? false;
    if (path !== ":memory:" && !readOnly) {
      try {
        makeFolder(dirname(path));
      } catch (error) {
        // Name the warehouse, not only the folder: "EEXIST: mkdir …" alone does not say what to fix.
        throw new Error(`cannot open warehouse ${path}: its folder cannot be created (${(error as Error).message})`, { cause: error });
      }
    }
    if (!readOnly && path !== ":memory:" && existsSync(path) && statSync(path).size > 0) await checkIntact(path);
    const instance = await createInstance(path, {
      ...(readOnly ? { access_mode: "READ_ONLY" } : {}),
      ...(options.sandbox ? SANDBOX_INSTANCE_OPTIONS : {}),
    });
    const connection = await instance.connect();
    const warehouse = new Warehouse(path, instance, connection, readOnly);
    try {
      await connection.run("SET TimeZone = 'UTC'");
      // A checkpoint rewrites the tables' indexes, so frequent ones slow a large backfill's commits:
      // checkpoint at 64 MB of WAL (DuckDB's default is 16 MB). Not more, since rows written since the
      // last checkpoint stay in memory. The WAL is replayed after a crash. Figures: bench/RESULTS.md.
      if (!readOnly) await connection.run("SET checkpoint_threshold = '64MB'");
      if (!readOnly && options.migrate !== false) await warehouse.migrate();
      if (options.sandbox) await sandbox(connection, options.sandbox.writableDirs ?? []);
    } catch (error) {
      warehouse.close();
      throw error;
    }
    return warehouse;
  }

  /** Applies migrations/NNN_*.sql not yet applied, each in its own transaction. */
  async migrate(): Promise<string[]> {
    await this.run(
      "CREATE SCHEMA IF NOT EXISTS sync; CREATE TABLE IF NOT EXISTS sync.migrations (version VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
    );
    const applied = new Set((await this.all<{ version: string }>("SELECT version FROM sync.migrations")).map((r) => r.version));
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
    const done: string[] = [];
    for (const file of files) {
      const version = file.replace(/\.sql$/, "");
      if (applied.has(version)) continue;
      const sql = readFileSync(join(MIGRATIONS_DIR, file), "utf8");
      await this.transaction(async () => {
        await this.run(sql);
        await this.run("INSERT INTO sync.migrations VALUES (?, now())", [version]);
      });
      done.push(version);
    }
    return done;
  }

  async run(sql: string, params?: unknown[]): Promise<void> {
    // DDL may change a table's columns: forget the cached shapes.
    if (/\b(ALTER|CREATE|DROP)\b/i.test(sql)) this.shapes.clear();
    await this.connection.run(sql, params as DuckDBValue[] | undefined);
  }

  /** Column types and defaults of a table, cached (upserts of many small pages ask for them often). */
  private async shape(table: string): Promise<TableShape> {
    const cached = this.shapes.get(table);
    if (cached) return cached;
    const [schema, name] = splitName(table);
    const columns = await this.columns(table);
    const defaults = new Map(
      (
        await this.all<{ column_name: string; column_default: string }>(
          "SELECT column_name, column_default FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND column_default IS NOT NULL",
          [schema, name],
        )
      ).map((r) => [r.column_name, r.column_default]),
    );
    // A table whose comment reads "natural key: a, b" is upserted by that key without an index.
    const comment = (await this.one<{ comment: string | null }>("SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [schema, name]))?.comment;
    const naturalKey = /^natural key:\s*(.+)$/i.exec(comment ?? "")?.[1]?.split(",").map((k) => k.trim());
    const primaryKey = (
      await this.one<{ cols: string[] }>(
        "SELECT constraint_column_names AS cols FROM duckdb_constraints() WHERE schema_name = ? AND table_name = ? AND constraint_type = 'PRIMARY KEY'",
        [schema, name],
      )
    )?.cols;
    const shape: TableShape = { columns, defaults, key: naturalKey ?? primaryKey, natural: naturalKey !== undefined };
    this.shapes.set(table, shape);
    return shape;
  }

  async all<T = Row>(sql: string, params?: unknown[]): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params as DuckDBValue[] | undefined);
    return reader.getRowObjectsJS().map((row) => normalizeRow(row) as T);
  }

  async one<T = Row>(sql: string, params?: unknown[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Runs fn inside BEGIN/COMMIT; rolls back on error. Not re-entrant. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.connection.run("BEGIN TRANSACTION");
    this.inTransaction = true;
    try {
      const result = await fn();
      await this.connection.run("COMMIT");
      return result;
    } catch (error) {
      await this.connection.run("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  /**
   * Runs fn with DuckDB settings applied (`SET name = 'value'`), then puts each back as it was, also
   * when fn fails: RESET first, so a setting that was at its default stays one (a size read back as
   * "18.7 GiB" is rounded and would not equal the default when set again), then SET the earlier
   * value when it was not the default. Not re-entrant for the same setting names.
   */
  async withSettings<T>(settings: Readonly<Record<string, string>>, fn: () => Promise<T>): Promise<T> {
    const names = Object.keys(settings);
    if (names.length === 0) return fn();
    const previous = await this.all<{ name: string; value: string | null }>(
      `SELECT name, value FROM duckdb_settings() WHERE name IN (${names.map((n) => sqlLiteral(n)).join(", ")})`,
    );
    const unknown = names.filter((n) => !previous.some((p) => p.name === n));
    if (unknown.length) throw new Error(`DuckDB has no setting ${unknown.join(", ")}`);
    try {
      for (const [name, value] of Object.entries(settings)) await this.connection.run(`SET ${name} = ${sqlLiteral(value)}`);
      return await fn();
    } finally {
      for (const { name, value } of previous) {
        await this.connection.run(`RESET ${name}`);
        const now = (await this.one<{ v: string | null }>("SELECT value AS v FROM duckdb_settings() WHERE name = ?", [name]))?.v ?? null;
        if (value !== null && now !== value) await this.connection.run(`SET ${name} = ${sqlLiteral(value)}`);
      }
    }
  }

  /** Column names and types of a table, in table order. */
  async columns(table: string): Promise<{ name: string; type: DuckDBType }[]> {
    const [schema, name] = splitName(table);
    const result = await this.connection.runAndReadAll(`SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(name)} LIMIT 0`);
    return result.columnNames().map((n, i) => ({ name: n, type: result.columnType(i) }));
  }

  /** Appends rows (no key check). Columns a row lacks take the table's default. */
  async append(table: string, rows: readonly Row[], options?: WriteOptions): Promise<number> {
    return this.write(table, rows, "INSERT", options);
  }

  /**
   * Inserts or replaces rows by the table's primary key: a re-run or an overlap never duplicates.
   * Columns a row lacks take the table's default (the whole row is replaced).
   */
  async upsert(table: string, rows: readonly Row[], options?: WriteOptions): Promise<number> {
    return this.write(table, rows, "INSERT OR REPLACE", options);
  }

  /**
   * Bulk path: rows go into a temp table through DuckDB's appender in 2,048-row chunks
   * (~2M rows/s), then one INSERT … SELECT into the target.
   */
  private async write(table: string, rows: readonly Row[], verb: string, options: WriteOptions = {}): Promise<number> {
    if (rows.length === 0) return 0;
    const [schema, name] = splitName(table);
    const target = `${quoteIdent(schema)}.${quoteIdent(name)}`;
    const shape = await this.shape(table);
    const known = new Map(shape.columns.map((c) => [c.name, c.type]));
    const used = new Set<string>();
    for (const row of rows) for (const key of Object.keys(row)) used.add(key);
    for (const key of used) if (!known.has(key)) throw new Error(`${table}: unknown column "${key}"`);
    const constants = Object.entries(options.constants ?? {}).filter(([c]) => !used.has(c));
    for (const [c] of constants) if (!known.has(c)) throw new Error(`${table}: unknown column "${c}"`);
    const list = [...used, ...constants.map(([c]) => c)].map(quoteIdent).join(", ");
    const tempList = [...used].map(quoteIdent).join(", ");
    // A key missing from some rows would insert NULL: fall back to the column's default instead.
    const defaults = shape.defaults;
    const select = [...used]
      .map((c) => (defaults.has(c) ? `coalesce(${quoteIdent(c)}, ${defaults.get(c)}) AS ${quoteIdent(c)}` : quoteIdent(c)))
      .concat(constants.map(([c, v]) => `${sqlLiteral(v)} AS ${quoteIdent(c)}`))
      .join(", ");
    const temp = `write_${schema}_${name}`;
    // Straight to the connection: temp-table DDL must not flush the shape cache.
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${temp} AS SELECT ${tempList} FROM ${target} LIMIT 0`);
    let failed = false;
    try {
      const tempColumns = [...used].map((c) => ({ name: c, type: known.get(c)! }));
      await this.appendChunks(temp, tempColumns, rows, table);
      const key = verb === "INSERT OR REPLACE" ? shape.key : undefined;
      // A key column the rows leave out takes its default, the same for every row (not for a natural key).
      const missing = key?.filter((k) => !used.has(k) && (shape.natural || !defaults.has(k))) ?? [];
      if (missing.length) throw new Error(`${table}: rows lack the key column(s) ${missing.join(", ")}`);
      const given = key?.filter((k) => used.has(k)) ?? [];
      const source = `SELECT ${select} FROM temp.${temp}${given.length ? await this.lastPerKey(temp, given) : ""}`;
      if (key && shape.natural) {
        const match = key.map((k) => `${target}.${quoteIdent(k)} = src.${quoteIdent(k)}`).join(" AND ");
        const replace = async () => {
          await this.connection.run(`DELETE FROM ${target} USING temp.${temp} AS src WHERE ${match}`);
          await this.connection.run(`INSERT INTO ${target} (${list}) ${source}`);
        };
        if (this.inTransaction) await replace();
        else await this.transaction(replace);
      } else {
        await this.run(`${verb} INTO ${target} (${list}) ${source}`);
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // After a failure inside a transaction DuckDB refuses every statement ("Current transaction is
      // aborted"): the drop may fail too, and must not replace the error that says what went wrong.
      // The temp table goes with the rollback or the next CREATE OR REPLACE.
      if (failed) await this.connection.run(`DROP TABLE IF EXISTS temp.${temp}`).catch(() => undefined);
      else await this.connection.run(`DROP TABLE IF EXISTS temp.${temp}`);
    }
    return rows.length;
  }

  /**
   * A batch may hold a key more than once (the same item on two pages of one batch); INSERT OR REPLACE
   * then keeps an arbitrary one, so the last row of each key is selected, as a later upsert would win.
   * Batches rarely repeat a key and the QUALIFY sorts the whole batch (bench/RESULTS.md, ingest), so it
   * is added only when a cheap grouping finds a repeat.
   */
  private async lastPerKey(temp: string, key: string[]): Promise<string> {
    const keys = key.map(quoteIdent).join(", ");
    const repeats = await this.connection.runAndReadAll(`SELECT 1 FROM temp.${temp} GROUP BY ${keys} HAVING count(*) > 1 LIMIT 1`);
    return repeats.currentRowCount > 0 ? ` QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY rowid DESC) = 1` : "";
  }

  private async appendChunks(temp: string, cols: { name: string; type: DuckDBType }[], rows: readonly Row[], label: string) {
    const appender = await this.connection.createAppender(temp, "main", "temp");
    const converters = cols.map((c) => inputConverter(c.type));
    try {
      for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
        const slice = rows.slice(start, start + CHUNK_ROWS);
        const chunk = DuckDBDataChunk.create(cols.map((c) => c.type), slice.length);
        cols.forEach((col, i) => {
          const convert = converters[i]!;
          const values = slice.map((row, r) => {
            try {
              return convert(row[col.name]);
            } catch (error) {
              throw new Error(`${label}.${col.name} (row ${start + r + 1}): ${(error as Error).message}`, { cause: error });
            }
          });
          try {
            chunk.setColumnValuesConverted(i, values as never[], JSToDuckDBValueConverter);
          } catch (error) {
            throw new Error(`${label}.${col.name}: cannot store value as ${col.type.toString()}: ${(error as Error).message}`, { cause: error });
          }
        });
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

async function createInstance(path: string, settings: Record<string, string>): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(path, settings);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Could not set lock|Conflicting lock/i.test(message)) {
      const pid = /PID (\d+)/.exec(message)?.[1];
      throw new WarehouseLockedError(path, pid ? Number(pid) : undefined);
    }
    throw new Error(`cannot open warehouse ${path}: ${message}`, { cause: error });
  }
}

/**
 * Before a warehouse file is opened for writing, it is opened read-only and its length compared with
 * the blocks in use (DuckDB: three 4 KiB headers, then blocks of block_size). A file cut short (a
 * full disk, a partial copy) can still open, and a write to it extends it with blocks after a hole:
 * refused here, the file stays as it was. The bound is the used blocks, not total_blocks: DuckDB
 * trims free blocks off the end of the file while its header still counts them (a warehouse after
 * a few nightly runs: 83 blocks listed, 81 in the file, 45 used), and that file is sound.
 */
async function checkIntact(path: string): Promise<void> {
  const size = statSync(path).size;
  const refuse = (why: string) =>
    new Error(`cannot open warehouse ${path}: ${why}. Nothing was written to it: restore it from a backup, or move it aside and collect again (dora collect --full)`);
  const instance = await createInstance(path, { access_mode: "READ_ONLY" }).catch((error: unknown) => {
    if (error instanceof WarehouseLockedError) throw error;
    throw refuse(`DuckDB cannot read it (${(error as Error).message.replace(/^cannot open warehouse \S+: /, "")})`);
  });
  const expected = await (async () => {
    try {
      const connection = await instance.connect();
      try {
        const reader = await connection.runAndReadAll("SELECT used_blocks, block_size FROM pragma_database_size()");
        const [row] = reader.getRowObjectsJS() as { used_blocks: bigint | number; block_size: bigint | number }[];
        return DUCKDB_HEADER_BYTES + Number(row?.used_blocks ?? 0) * Number(row?.block_size ?? 0);
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  })();
  if (size < expected) throw refuse(`the file is ${size} bytes but the blocks in use need ${expected} (it was truncated or damaged)`);
}

/** DuckDB's file starts with a main header and two database headers of 4 KiB each. */
const DUCKDB_HEADER_BYTES = 3 * 4096;

/**
 * Creates a folder and its missing parents one level at a time. Node's recursive mkdir retries a
 * parent that exists but refuses children (under /proc it answers ENOENT) without end; here the
 * first refusal is the error.
 */
function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const folder of missing) mkdirSync(folder);
  if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`ENOTDIR: ${dir} is not a folder`), { code: "ENOTDIR" });
}

/** Opens, runs fn, always closes. */
export async function withWarehouse<T>(path: string, fn: (w: Warehouse) => Promise<T>, options?: OpenOptions): Promise<T> {
  const warehouse = await Warehouse.open(path, options);
  try {
    return await fn(warehouse);
  } finally {
    warehouse.close();
  }
}

/** A SQL literal list ('a', 'b') for IN (…): node-api cannot bind a JS array without a declared type. */
export function sqlList(values: readonly string[]): string {
  return values.length ? `(${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(", ")})` : "(NULL)";
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function splitName(table: string): [string, string] {
  const dot = table.indexOf(".");
  if (dot < 0) return ["main", table];
  return [table.slice(0, dot), table.slice(dot + 1)];
}

/** A converter from JS values to what the appender takes for one column type (decided once per column). */
function inputConverter(type: DuckDBType): (value: unknown) => unknown {
  const id = type.toString();
  if (id.startsWith("TIMESTAMP") || id === "DATE") {
    return (value) => {
      if (value === undefined || value === null || value instanceof Date) return value ?? null;
      if (typeof value === "string" || typeof value === "number") {
        const date = new Date(value);
        if (Number.isNaN(date.getTime())) throw new Error(`invalid timestamp ${JSON.stringify(value)}`);
        return date;
      }
      return value;
    };
  }
  if (id === "BIGINT") return (value) => (typeof value === "number" ? BigInt(Math.round(value)) : (value ?? null));
  // JSON columns report VARCHAR here: objects and arrays bound for them are serialized.
  if (id === "JSON" || id === "VARCHAR") return (value) => (value !== null && typeof value === "object" ? JSON.stringify(value) : (value ?? null));
  return (value) => value ?? null;
}

function normalizeRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = normalizeValue(value);
  return out;
}

function normalizeValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(normalizeValue);
  return value;
}
