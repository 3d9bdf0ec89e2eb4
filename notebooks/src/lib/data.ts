// Tables for the notebooks: embedded in the page by `npm run notebooks` (Arrow IPC, base64), or, while
// editing with `npx notebooks preview`, fetched from data/<schema>/<table>.arrow beside the notebooks.
import { DataType, tableFromIPC, type Table } from "apache-arrow";

export const ARROW_SCRIPT_TYPE = "application/vnd.apache.arrow.file;base64";

export type Row = Record<string, unknown>;

/** The build's summary, embedded as <script type="application/json" id="dora-manifest">. */
export interface Manifest {
  warehouse: string;
  builtAt: string;
  tables: Record<string, number>;
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text.replace(/\s+/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Reads `schema.table` (e.g. "metrics.lead_time") as an Arrow table. */
export async function loadTable(name: string, doc: Document = document): Promise<Table> {
  if (!/^(core|metrics)\.[a-z0-9_]+$/.test(name)) throw new Error(`invalid table name: ${name} (expected core.x or metrics.x)`);
  const embedded = Array.from(doc.querySelectorAll(`script[data-table]`)).find(
    (el) => el.getAttribute("data-table") === name && el.getAttribute("type") === ARROW_SCRIPT_TYPE,
  );
  if (embedded) return tableFromIPC(base64Bytes(embedded.textContent ?? ""));
  const [schema, table] = name.split(".");
  const url = `./data/${schema}/${table}.arrow`;
  const response = await fetch(url).catch((error: unknown) => {
    throw new Error(`table ${name} is not in this page and ${url} could not be read (${String(error)}); build with npm run notebooks`);
  });
  if (!response.ok) throw new Error(`table ${name} is not in this page and ${url} answered ${response.status}; build with npm run notebooks`);
  return tableFromIPC(new Uint8Array(await response.arrayBuffer()));
}

/**
 * Plain objects for Plot and filtering: timestamps → Date (an instant), DATE → Date at UTC midnight
 * of that day (Plot's default time scale is UTC, so the day prints as itself in any browser zone),
 * 64-bit integers → number, lists → arrays.
 */
export function toRows<T extends Row = Row>(table: Table): T[] {
  const fields = table.schema.fields;
  const convert = fields.map((f) => {
    if (DataType.isTimestamp(f.type)) return (v: unknown) => (v == null ? null : new Date(Number(v)));
    if (DataType.isDate(f.type)) return (v: unknown) => (v == null ? null : new Date(v instanceof Date ? v.getTime() : Number(v)));
    if (DataType.isInt(f.type) && f.type.bitWidth === 64) return (v: unknown) => (v == null ? null : Number(v));
    if (DataType.isList(f.type)) return (v: unknown) => (v == null ? null : Array.from(v as Iterable<unknown>));
    return (v: unknown) => v ?? null;
  });
  const columns = fields.map((f) => table.getChild(f.name));
  const rows: T[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row: Row = {};
    fields.forEach((f, j) => {
      row[f.name] = convert[j]!(columns[j]?.get(i));
    });
    rows[i] = row as T;
  }
  return rows;
}

/** `loadTable` then `toRows`. */
export async function loadRows<T extends Row = Row>(name: string, doc: Document = document): Promise<T[]> {
  return toRows<T>(await loadTable(name, doc));
}

export function manifest(doc: Document = document): Manifest | undefined {
  const el = doc.getElementById("dora-manifest");
  return el?.textContent ? (JSON.parse(el.textContent) as Manifest) : undefined;
}
