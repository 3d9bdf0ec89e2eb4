import { cellText, type Cell } from "./pages/figure.ts";

/**
 * RFC 4180 CSV. Text cells that a spreadsheet would run as a formula (= + - @ at the start) get a
 * leading apostrophe: names from data must never execute in the reader's spreadsheet.
 */
export function toCsv(columns: string[], rows: Cell[][]): string {
  const field = (v: Cell) => {
    let s = cellText(v);
    if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [columns.map(field), ...rows.map((r) => r.map(field))].map((r) => r.join(",")).join("\r\n") + "\r\n";
}
