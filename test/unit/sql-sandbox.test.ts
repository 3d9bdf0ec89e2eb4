import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../cli/main.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { withTempDir } from "../helpers/db.ts";

/**
 * `dora sql` and `dora export` run in-process through the CLI entry point; stdout and stderr are
 * captured. Each escape below worked before the warehouse was opened sandboxed (issue 19 §6).
 */
let out = "";
let err = "";
beforeEach(() => {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

const TOKEN = "tok-sandbox-0123456789";

async function warehouse(path: string, service: string): Promise<void> {
  const w = await Warehouse.open(path);
  try {
    await w.upsert("core.deployments", [
      { deployment_id: `demo:deployment:${service}`, source: "demo", service, status: "success", is_production: true, finished_at: "2026-02-01T08:00:00Z" },
    ]);
  } finally {
    w.close();
  }
}

/** Two warehouses and a token file side by side, as on an operator's machine. */
async function withSetup(fn: (s: { dir: string; main: string; other: string; tokenFile: string }) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const main = join(dir, "main.duckdb");
    const other = join(dir, "other.duckdb");
    await warehouse(main, "api");
    await warehouse(other, "web");
    const tokenFile = join(dir, "github.token");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    await fn({ dir, main, other, tokenFile });
  });
}

const sql = (warehousePath: string, query: string) => runCli(["sql", "--warehouse", warehousePath, "--format", "json", query]);

async function countIn(path: string): Promise<number> {
  const w = await Warehouse.open(path, { readOnly: true });
  try {
    return (await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.deployments"))!.n;
  } finally {
    w.close();
  }
}

describe("dora sql reads the warehouse and nothing else", () => {
  it("answers an ordinary query", async () => {
    await withSetup(async ({ main }) => {
      expect(await sql(main, "SELECT service FROM core.deployments")).toBe(0);
      expect(JSON.parse(out)).toEqual([{ service: "api" }]);
    });
  });

  it("cannot ATTACH another warehouse READ_WRITE and DROP its table", async () => {
    await withSetup(async ({ main, other }) => {
      expect(await sql(main, `ATTACH '${other}' AS other (READ_WRITE)`)).toBe(2);
      expect(err).toMatch(/dora sql reads only the warehouse.*disabled by configuration/);
      expect(await sql(main, `ATTACH '${other}' AS other (READ_WRITE); DROP TABLE other.core.deployments`)).toBe(2);
      expect(await countIn(other)).toBe(1);
    });
  });

  it("cannot COPY … TO a file", async () => {
    await withSetup(async ({ dir, main }) => {
      const target = join(dir, "leak.csv");
      expect(await sql(main, `COPY (SELECT * FROM core.deployments) TO '${target}' (FORMAT csv)`)).toBe(2);
      expect(existsSync(target)).toBe(false);
    });
  });

  it("cannot EXPORT DATABASE", async () => {
    await withSetup(async ({ dir, main }) => {
      const target = join(dir, "dump");
      expect(await sql(main, `EXPORT DATABASE '${target}'`)).toBe(2);
      expect(existsSync(target) ? readdirSync(target) : []).toEqual([]);
    });
  });

  it.each(["read_text", "read_csv", "read_blob"])("cannot %s the token file", async (fn) => {
    await withSetup(async ({ main, tokenFile }) => {
      expect(await sql(main, `SELECT * FROM ${fn}('${tokenFile}')`)).toBe(2);
      expect(out + err).not.toContain(TOKEN);
    });
  });

  it("cannot list files with glob", async () => {
    await withSetup(async ({ dir, main }) => {
      expect(await sql(main, `SELECT * FROM glob('${dir}/*')`)).toBe(2);
      expect(out).not.toContain("github.token");
    });
  });

  it.each(["INSTALL httpfs", "LOAD httpfs", "FORCE INSTALL httpfs FROM 'http://127.0.0.1:9/'"])("cannot %s", async (statement) => {
    await withSetup(async ({ main }) => {
      expect(await sql(main, statement)).toBe(2);
      expect(err).toMatch(/dora sql reads only the warehouse.*disabled (by|through) configuration/);
    });
  });

  it.each([
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET enable_external_access",
    "SET autoload_known_extensions = true",
    "SET allowed_directories = ['/']",
  ])("cannot re-open it: %s", async (statement) => {
    await withSetup(async ({ main, tokenFile }) => {
      expect(await sql(main, `${statement}; SELECT * FROM read_text('${tokenFile}')`)).toBe(2);
      expect(err).toMatch(/configuration has been locked/);
      expect(out + err).not.toContain(TOKEN);
    });
  });
});

describe("dora export writes its own files and nothing else", () => {
  it.each(["parquet", "csv", "arrow"])("%s files land in --out", async (format) => {
    await withSetup(async ({ dir, main }) => {
      const target = join(dir, "nested", "export");
      expect(await runCli(["export", "--quiet", "--warehouse", main, "--format", format, "--out", target])).toBe(0);
      expect(readdirSync(join(target, "core")).some((f) => f.startsWith("deployments"))).toBe(true);
    });
  });

  it("a view planted in the warehouse that reads a file: export skips it, sql refuses it", async () => {
    await withSetup(async ({ dir, main, tokenFile }) => {
      // A warehouse from elsewhere may carry views; exporting must not run a file read hidden in one.
      const w = await Warehouse.open(main);
      await w.run(`CREATE VIEW core.deployments_leak AS SELECT content FROM read_text('${tokenFile}')`);
      w.close();
      const target = join(dir, "export");
      mkdirSync(target);
      expect(await runCli(["export", "--quiet", "--warehouse", main, "--format", "csv", "--out", target])).toBe(0);
      expect(await sql(main, "SELECT * FROM core.deployments_leak")).toBe(2);
      expect(out + err).not.toContain(TOKEN);
    });
  });
});
