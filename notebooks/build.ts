// `npm run notebooks -- [--warehouse PATH] [--out DIR]`: exports the tables the notebooks read from a
// warehouse (Arrow IPC, read-only open) and builds each notebook in src/ into one self-contained HTML
// file (script, styles and data inline), so the output folder opens offline, even from file://.
// Nothing in the pipeline imports this file (docs/architecture.md, layers).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Warehouse } from "../warehouse/warehouse.ts";
import { exportWarehouse, exportableTables } from "../warehouse/export.ts";
import { inlineHtml } from "./inline.ts";
import { cdnReferences, offline, withoutCdnAliases } from "./offline.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = join(HERE, "src");
const TEMPLATE = join(HERE, "template.html");
const DEFAULTS = { warehouse: "demo/warehouse.duckdb", out: join(HERE, "dist") } as const;

export interface NotebookSource {
  /** File name without .html, e.g. "lead-time". */
  name: string;
  path: string;
  title: string;
  /** Tables the notebook reads through loadRows/loadTable("schema.table"). */
  tables: string[];
}

export interface BuiltNotebook extends NotebookSource {
  output: string;
  bytes: number;
}

export interface BuildResult {
  out: string;
  notebooks: BuiltNotebook[];
  tables: { table: string; rows: number; path: string }[];
  ms: number;
}

export interface BuildOptions {
  warehouse: string;
  out: string;
  /** Only these notebooks (names without .html); default all in src/. */
  only?: string[];
  /** Where the notebooks are (default notebooks/src). */
  sourceDir?: string;
  /** Only export the tables to `out/data/` (for `npx notebooks preview`), build no page. */
  dataOnly?: boolean;
  minify?: boolean;
  log?: (line: string) => void;
}

/** The notebooks in src/ (every *.html there), with the tables each one loads. */
export function notebookSources(dir = SOURCE_DIR): NotebookSource[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".html"))
    .sort()
    .map((file) => {
      const path = join(dir, file);
      const text = readFileSync(path, "utf8");
      if (!/<notebook\b/.test(text)) throw new Error(`${path}: not a notebook (no <notebook> element)`);
      const title = /<title>([^<]*)<\/title>/.exec(text)?.[1]?.trim() ?? file;
      const tables = [...new Set([...text.matchAll(/load(?:Rows|Table)\(\s*["']((?:core|metrics)\.[a-z0-9_]+)["']/g)].map((m) => m[1]!))].sort();
      return { name: basename(file, ".html"), path, title, tables };
    });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

function indexPage(notebooks: BuiltNotebook[], tables: BuildResult["tables"], warehouse: string, builtAt: string): string {
  const items = notebooks
    .map((n) => `<li><a href="./${n.name}.html">${escapeHtml(n.title)}</a> <small>(${n.tables.map(escapeHtml).join(", ")})</small></li>`)
    .join("\n      ");
  const rows = tables.map((t) => `<tr><td>${escapeHtml(t.table)}</td><td class="num">${t.rows}</td><td><a href="./data/${t.table.replace(".", "/")}.arrow">Arrow IPC</a></td></tr>`).join("\n        ");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>dora notebooks</title>
    <style>
      body { font: 16px/1.5 ui-sans-serif, system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1b1e23; }
      table { border-collapse: collapse; font-size: 14px; } td, th { padding: 2px 10px; border-bottom: solid 1px #ddd; text-align: left; } .num { text-align: right; }
      small { color: #666; }
    </style>
  </head>
  <body>
    <h1>dora notebooks</h1>
    <p>Exploration over the warehouse <code>${escapeHtml(warehouse)}</code>, exported ${escapeHtml(builtAt)}. Each page is self-contained and works offline.</p>
    <ul>
      ${items}
    </ul>
    <h2>Data</h2>
    <table>
      <thead><tr><th>table</th><th class="num">rows</th><th>file</th></tr></thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </body>
</html>
`;
}

/** Exports the data, builds every notebook and writes `out/` (index.html, one .html per notebook, data/). */
export async function buildNotebooks(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const warehousePath = resolve(options.warehouse);
  const out = resolve(options.out);
  if (!existsSync(warehousePath)) {
    throw new Error(`warehouse ${warehousePath} does not exist: create the demo with \`npx dora demo\` (writes demo/warehouse.duckdb) or pass --warehouse PATH`);
  }
  const sourceDir = resolve(options.sourceDir ?? SOURCE_DIR);
  let sources = notebookSources(sourceDir);
  if (options.only?.length) {
    const unknown = options.only.filter((n) => !sources.some((s) => s.name === n));
    if (unknown.length) throw new Error(`no notebook ${unknown.join(", ")} (available: ${sources.map((s) => s.name).join(", ")})`);
    sources = sources.filter((s) => options.only!.includes(s.name));
  }
  const needed = [...new Set(sources.flatMap((s) => s.tables))].sort();
  const inside = (child: string, parent: string) => child === parent || child.startsWith(`${parent}${sep}`);
  if (!options.dataOnly && inside(sourceDir, out)) throw new Error(`--out ${out} would replace the notebook sources in ${sourceDir}`);

  const dataDir = join(out, "data");
  const w = await Warehouse.open(warehousePath, { readOnly: true });
  let tables: BuildResult["tables"];
  try {
    const available = await exportableTables(w);
    const missing = needed.filter((t) => !available.includes(t));
    if (missing.length) {
      throw new Error(`warehouse ${warehousePath} has no ${missing.join(", ")}: run \`npx dora transform\` (or \`npx dora demo\`) first`);
    }
    // Only now that the tables are known to be there: a warehouse without them leaves the last output alone.
    rmSync(options.dataOnly ? dataDir : out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    log(`exporting ${needed.length} tables from ${warehousePath}…`);
    tables = await exportWarehouse(w, dataDir, "arrow", { tables: needed });
  } finally {
    w.close();
  }
  if (options.dataOnly) return { out, notebooks: [], tables, ms: Math.round(performance.now() - started) };
  const builtAt = new Date().toISOString();
  const manifest = { warehouse: warehousePath, builtAt, tables: Object.fromEntries(tables.map((t) => [t.table, t.rows])) };

  // Vite is heavy to load; only a build needs it.
  const { build } = await import("vite");
  const { config, observable } = await import("@observablehq/notebook-kit/vite");
  const staging = mkdtempSync(join(tmpdir(), "dora-notebooks-"));
  const built: BuiltNotebook[] = [];
  try {
    for (const source of sources) {
      log(`building ${source.name}…`);
      const outDir = join(staging, source.name);
      await build({
        ...withoutCdnAliases(config()),
        configFile: false,
        logLevel: "warn",
        plugins: [offline(), observable({ template: TEMPLATE })],
        root: sourceDir,
        base: "./",
        build: {
          outDir,
          emptyOutDir: true,
          minify: options.minify ?? true,
          cssMinify: options.minify ?? true,
          // One page, one module: nothing for a file:// page to fetch.
          assetsInlineLimit: Number.MAX_SAFE_INTEGER,
          cssCodeSplit: false,
          modulePreload: false,
          chunkSizeWarningLimit: 4096,
          reportCompressedSize: false,
          rolldownOptions: {
            input: [source.path],
            output: { codeSplitting: false },
            // The offline stubs export nothing by design; uses fail at run time with a clear message.
            onLog(level, log, handler) {
              if (log.code === "IMPORT_IS_UNDEFINED" && log.message.includes("dora-offline:")) return;
              handler(level, log);
            },
          },
        },
      });
      const pageDir = join(outDir, relative(sourceDir, dirname(source.path)));
      let html = readFileSync(join(pageDir, `${source.name}.html`), "utf8");
      const manifestScript = `<script type="application/json" id="dora-manifest">${JSON.stringify(manifest).replace(/</g, "\\u003c")}</script>\n</head>`;
      html = html.replace("</head>", () => manifestScript);
      html = inlineHtml(
        html,
        outDir,
        source.tables.map((name) => ({ name, bytes: readFileSync(tables.find((t) => t.table === name)!.path) })),
      );
      const cdn = cdnReferences(html);
      if (cdn.length) throw new Error(`${source.path}: the built page still loads from a CDN (${cdn.join(", ")}); use bare imports of installed packages`);
      const output = join(out, `${source.name}.html`);
      writeFileSync(output, html);
      built.push({ ...source, output, bytes: statSync(output).size });
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  writeFileSync(join(out, "index.html"), indexPage(built, tables, warehousePath, builtAt));
  return { out, notebooks: built, tables, ms: Math.round(performance.now() - started) };
}

const USAGE = `usage: npm run notebooks -- [--warehouse PATH] [--out DIR] [--only NAME ...] [--no-minify]

  --warehouse PATH   DuckDB warehouse to read (read-only); default ${DEFAULTS.warehouse} (made by \`npx dora demo\`)
  --out DIR          output folder; default notebooks/dist
  --only NAME        build only this notebook (repeatable), e.g. --only lead-time
  --no-minify        keep the built JavaScript readable
  --data-only        only export the tables to OUT/data/, e.g. --data-only --out notebooks/src
                     before \`npx notebooks preview --root notebooks/src\`
`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    options: {
      warehouse: { type: "string", default: DEFAULTS.warehouse },
      out: { type: "string", default: DEFAULTS.out },
      only: { type: "string", multiple: true },
      minify: { type: "boolean", default: true },
      "data-only": { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const result = await buildNotebooks({
    warehouse: values.warehouse,
    out: values.out,
    only: values.only,
    minify: values.minify,
    dataOnly: values["data-only"],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (values["data-only"]) {
    for (const t of result.tables) process.stdout.write(`${relative(process.cwd(), t.path)}  ${t.rows} rows\n`);
    return;
  }
  const kb = (n: number) => `${(n / 1024).toFixed(0)} kB`;
  for (const n of result.notebooks) process.stdout.write(`${relative(process.cwd(), n.output)}  ${kb(n.bytes)}  ${n.title}\n`);
  const total = result.notebooks.reduce((s, n) => s + n.bytes, 0);
  process.stdout.write(`${result.notebooks.length} notebooks, ${result.tables.length} tables, ${kb(total)} in ${(result.ms / 1000).toFixed(1)} s → open ${relative(process.cwd(), join(result.out, "index.html"))}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const usage = (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? `\n${USAGE}` : "";
    process.stderr.write(`notebooks: ${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exitCode = 1;
  });
}
