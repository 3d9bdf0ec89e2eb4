// Browsers refuse module scripts and fetch() from file:// pages, so a notebook that should open with a
// double click carries everything inline: its script, its styles and its data (Arrow IPC, base64).
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The `type` of the script elements that carry a table; read back by `src/lib/data.ts`. */
export const ARROW_SCRIPT_TYPE = "application/vnd.apache.arrow.file;base64";

export interface EmbeddedTable {
  name: string;
  bytes: Uint8Array;
}

/** Text safe inside a <script> element (no end tag, no comment opener). */
export function scriptSafe(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/**
 * Replaces `<script type="module" src>` and `<link rel="stylesheet" href>` pointing into the Vite
 * output with inline elements, and appends the tables before `</body>`.
 */
export function inlineHtml(html: string, dir: string, tables: EmbeddedTable[] = []): string {
  const local = (ref: string): string => join(dir, ref.replace(/^\.\//, "").replace(/[?#].*$/, ""));
  let out = html.replace(/<script\b([^>]*?)\ssrc="(\.\/[^"]+)"([^>]*)><\/script>/g, (all, before: string, src: string, after: string) => {
    if (!/type="module"/.test(before + after)) return all;
    return `<script type="module">${scriptSafe(readFileSync(local(src), "utf8"))}</script>`;
  });
  out = out.replace(/<link\b([^>]*?)\shref="(\.\/[^"]+\.css)"([^>]*)>/g, (all, before: string, href: string, after: string) => {
    if (!/rel="stylesheet"/.test(before + after)) return all;
    return `<style>${readFileSync(local(href), "utf8").replace(/<\/(style)/gi, "<\\/$1")}</style>`;
  });
  // Preloads of chunks that are now inline would 404 (and, on file://, raise console errors).
  out = out.replace(/<link\b[^>]*rel="modulepreload"[^>]*>/g, "");
  const left = /<(?:script|link)\b[^>]*(?:src|href)="\.\/assets\/[^"]+"/.exec(out);
  if (left) throw new Error(`could not inline ${left[0]}: the page would need files beside it`);
  if (tables.length === 0) return out;
  const data = tables
    .map((t) => `<script type="${ARROW_SCRIPT_TYPE}" data-table="${t.name}">${Buffer.from(t.bytes).toString("base64")}</script>`)
    .join("\n");
  const end = out.lastIndexOf("</body>");
  if (end < 0) throw new Error("no </body> in the built page");
  return `${out.slice(0, end)}${data}\n${out.slice(end)}`;
}
