/**
 * Errors a warehouse write meets reach the caller as DuckDB first said them, not as a later
 * statement's complaint about the aborted transaction.
 */
import { copyFileSync, readFileSync, statSync, truncateSync } from "node:fs";
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

describe("run log", () => {
  it("runs left 'running' by a killed process are marked 'abandoned' with its pid; finished runs are untouched", async () => {
    const { markAbandonedRuns } = await import("../../collectors/core/runner.ts");
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        await w.run(
          `INSERT INTO sync.runs (run_id, source, started_at, status, pid) VALUES
             ('killed', 'gitlab', now(), 'running', 4242), ('old', 'gitlab', now(), 'running', NULL), ('done', 'gitlab', now(), 'success', 4000)`,
        );
        expect(await markAbandonedRuns(w)).toBe(2);
        const rows = await w.all<{ run_id: string; status: string; error: string | null }>("SELECT run_id, status, error FROM sync.runs ORDER BY run_id");
        expect(rows).toEqual([
          { run_id: "done", status: "success", error: null },
          { run_id: "killed", status: "abandoned", error: "abandoned: the process that ran it (pid 4242, which held the warehouse lock) ended before it finished" },
          { run_id: "old", status: "abandoned", error: "abandoned: the process that ran it ended before it finished" },
        ]);
        expect(await markAbandonedRuns(w)).toBe(0);
      } finally {
        w.close();
      }
    });
  });
});

describe("a damaged warehouse file", () => {
  it("a file cut short is refused before anything is written to it; the intact file opens", async () => {
    await withTempDir(async (dir) => {
      const intact = join(dir, "intact.duckdb");
      const w = await Warehouse.open(intact);
      await w.run("INSERT INTO sync.runs (run_id, source, started_at, status) SELECT 'r' || i, 's', now(), 'success' FROM range(100000) t(i)");
      await w.run("CHECKPOINT");
      w.close();
      // Cut to 90 %: DuckDB still opens it and reads the rows, and a write would extend it past the hole.
      const cut = join(dir, "cut.duckdb");
      copyFileSync(intact, cut);
      truncateSync(cut, Math.floor(statSync(intact).size * 0.9));
      const before = readFileSync(cut);
      const failed = await Warehouse.open(cut).then(
        (opened) => (opened.close(), undefined),
        (error: unknown) => error as Error,
      );
      expect(failed?.message).toMatch(/^cannot open warehouse \S+cut\.duckdb: the file is \d+ bytes but the blocks in use need \d+ \(it was truncated or damaged\)\. Nothing was written to it/);
      expect(readFileSync(cut).equals(before)).toBe(true);
      const again = await Warehouse.open(intact);
      expect((await again.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM sync.runs"))!.n).toBe(100000);
      again.close();
    });
  });
});
