/**
 * Errors a warehouse write meets reach the caller as DuckDB first said them, not as a later
 * statement's complaint about the aborted transaction.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { withTempDir } from "../helpers/db.ts";

describe("warehouse write errors", () => {
  it("an upsert failing inside a transaction reports its own error, not 'Current transaction is aborted'", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        await w.run("CREATE TABLE core.checked (id INTEGER PRIMARY KEY, v INTEGER CHECK (v > 0))");
        const failed = await w.transaction(() => w.upsert("core.checked", [{ id: 1, v: -1 }])).then(
          () => undefined,
          (error: unknown) => error as Error,
        );
        expect(failed?.message).toMatch(/CHECK constraint/i);
        expect(failed?.message).not.toMatch(/transaction is aborted/i);
        // The warehouse goes on: the same write with a valid row succeeds.
        await w.transaction(() => w.upsert("core.checked", [{ id: 1, v: 2 }]));
        expect(await w.all("SELECT id, v FROM core.checked")).toEqual([{ id: 1, v: 2 }]);
      } finally {
        w.close();
      }
    });
  });
});

describe("warehouse path", () => {
  it("a folder that cannot exist (under /proc) fails at once naming the warehouse, instead of retrying mkdir", async () => {
    const failed = await Warehouse.open("/proc/dora-test/warehouse.duckdb").then(
      (w) => (w.close(), undefined),
      (error: unknown) => error as Error,
    );
    expect(failed?.message).toMatch(/^cannot open warehouse \/proc\/dora-test\/warehouse\.duckdb: its folder cannot be created \(ENOENT/);
  });

  it("missing parent folders are still created", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "a", "b", "w.duckdb"));
      w.close();
    });
  });
});
