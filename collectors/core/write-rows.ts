import type { Row, Warehouse } from "../../warehouse/warehouse.ts";
import { redact } from "./secrets.ts";
import type { RowsByTable } from "./stream.ts";

/**
 * Upserts rows into their core tables (the warehouse replaces by primary key, the last row of a key
 * winning), each core row stamped with `collectedAt`: when it was seen, where an open incident is
 * censored. Returns how many rows were written.
 */
export async function writeRows(w: Pick<Warehouse, "upsert">, rows: RowsByTable, collectedAt = new Date()): Promise<number> {
  let n = 0;
  for (const [table, list] of Object.entries(rows)) {
    if (!list?.length) continue;
    const constants = table.startsWith("core.") ? { collected_at: collectedAt } : undefined;
    n += await w.upsert(table, list.map(redactRow), { constants });
  }
  return n;
}

/** Appends `from`'s rows to `into`, table by table. */
export function mergeRows(into: RowsByTable, from: RowsByTable): void {
  for (const [table, list] of Object.entries(from) as [keyof RowsByTable, Row[]][]) {
    if (!list?.length) continue;
    const target = (into[table] ??= []);
    for (const row of list) target.push(row);
  }
}

/**
 * Text from an API (a title, a note, a label) may hold a pasted token: core rows are scrubbed like
 * raw pages and logs, for every source. The row is copied only when something was replaced.
 */
function redactRow(row: Row): Row {
  let out: Row | undefined;
  for (const [key, value] of Object.entries(row)) {
    let clean: unknown = value;
    if (typeof value === "string") clean = redact(value);
    else if (Array.isArray(value) && value.some((v) => typeof v === "string")) {
      const list = value.map((v: unknown) => (typeof v === "string" ? redact(v) : v));
      if (list.some((v, i) => v !== value[i])) clean = list;
    }
    if (clean !== value) (out ??= { ...row })[key] = clean;
  }
  return out ?? row;
}
