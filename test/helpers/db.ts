import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Warehouse } from "../../warehouse/warehouse.ts";

/** A fresh, migrated in-memory warehouse per test; always closed. */
export async function withMemoryWarehouse<T>(fn: (w: Warehouse) => Promise<T>): Promise<T> {
  const w = await Warehouse.open(":memory:");
  try {
    return await fn(w);
  } finally {
    w.close();
  }
}

/** A temp directory removed after fn (tests never share a database file). */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>, prefix = "dora-test-"): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
