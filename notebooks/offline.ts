// Notebook Kit 2.1.8 loads its built-in libraries (Plot, Arrow, Inputs, htl, DuckDB-WASM …) from
// cdn.jsdelivr.net at run time, and once a page is bundled into a single module those CDN imports are
// hoisted to the top, so the page would fetch jszip, exceljs, mermaid … on load and die offline.
// This plugin maps the libraries we have in node_modules to the local copy and turns the others into
// an error that names the library, raised only when a cell actually uses it.
import type { Plugin } from "vite";

/** Built-ins that resolve to installed packages (same API; Arrow is 21 rather than the CDN's 17). */
const LOCAL: Record<string, string> = {
  "apache-arrow": "apache-arrow",
  "@observablehq/plot": "@observablehq/plot",
  d3: "d3",
  "d3-dsv": "d3-dsv",
};

/** Hosts a built notebook must never load from (checked in the built output). */
export const CDN_PATTERN = /https?:\/\/(?:cdn\.jsdelivr\.net|esm\.sh|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com|ga\.jspm\.io|cdn\.skypack\.dev)\b[^"'`\s)]*/g;

/** Notebook Kit built-ins (by runtime file) that only wrap a CDN library. */
const BUILTIN_NAMES: Record<string, string> = {
  inputs: "Inputs (@observablehq/inputs; use notebooks/src/lib/controls.ts)",
  duckdb: "DuckDBClient (@duckdb/duckdb-wasm)",
  leaflet: "L (leaflet)",
  mapboxgl: "mapboxgl",
  mermaid: "mermaid",
  tex: "tex (katex)",
  dot: "dot (@viz-js/viz)",
  "vega-lite": "vl (vega-lite)",
  zip: "FileAttachment.zip() (jszip)",
  xlsx: "FileAttachment.xlsx() (exceljs)",
};

const STUB_PREFIX = "dora-offline:";
const RUNTIME_FILE = /@observablehq[\\/]notebook-kit[\\/]dist[\\/]src[\\/]runtime[\\/].*\.(?:js|css)$/;
const CDN_IMPORT = /import\(\s*"https:\/\/cdn\.jsdelivr\.net\/npm\/((?:@[^/"]+\/)?[^/@"]+)(?:@[^/"]*)?\/\+esm"\s*\)/g;

/** The package name in a cdn.jsdelivr.net URL, e.g. `@observablehq/inputs`. */
export function packageOf(url: string): string {
  const match = /\/npm\/((?:@[^/]+\/)?[^/@]+)/.exec(url);
  return match?.[1] ?? url;
}

/** `npm:d3@7/dist/x.js` → `d3/dist/x.js` (the version range is dropped: the installed one is used). */
export function npmToBare(specifier: string): string {
  const parts = specifier.replace(/^npm:/, "").split("/");
  const scoped = parts[0]?.startsWith("@");
  const nameRange = scoped ? `${parts[0]}/${parts[1] ?? ""}` : (parts[0] ?? "");
  const at = nameRange.indexOf("@", 1);
  const name = at > 0 ? nameRange.slice(0, at) : nameRange;
  const path = parts.slice(scoped ? 2 : 1).filter((p) => p !== "+esm");
  return [name, ...path].join("/");
}

/** Notebook Kit's Vite config without its `npm:` → CDN alias (the plugin above resolves `npm:`). */
export function withoutCdnAliases<T extends { resolve?: { alias?: unknown } }>(config: T): T {
  const alias = config.resolve?.alias;
  if (!Array.isArray(alias)) return config;
  const kept = alias.filter((a: { find?: unknown }) => !(a.find instanceof RegExp && a.find.source.startsWith("^(npm:")));
  return { ...config, resolve: { ...config.resolve, alias: kept } };
}

function unavailable(name: string): string {
  return `${name} is not bundled in the offline notebooks; import an installed package instead (e.g. import * as Plot from "@observablehq/plot")`;
}

/** Rewrites the Notebook Kit runtime so nothing in it reaches for a CDN. */
export function offline(): Plugin {
  return {
    name: "dora-offline",
    enforce: "pre",
    async resolveId(source, importer) {
      // Static `import … from "https://…"` in runtime modules (leaflet, mermaid, jszip …), renamed by
      // transform below; any other https import is left for the CDN check to report.
      if (source.startsWith(STUB_PREFIX)) return `\0${source}`;
      // Cells' `npm:` imports, which Notebook Kit has already turned into jsDelivr URLs: the installed
      // package, or a build error.
      const cdn = /^https:\/\/cdn\.jsdelivr\.net\/npm\/(.+)$/.exec(source);
      if (cdn || source.startsWith("npm:")) {
        const bare = npmToBare(cdn ? cdn[1]! : source);
        const resolved = await this.resolve(bare, importer, { skipSelf: true });
        if (!resolved) throw new Error(`${source}: ${bare} is not installed; the offline notebooks bundle only packages in node_modules`);
        return resolved;
      }
      return null;
    },
    load(id) {
      if (!id.startsWith(`\0${STUB_PREFIX}`)) return null;
      const message = JSON.stringify(unavailable(id.slice(STUB_PREFIX.length + 1)));
      // Must not throw at evaluation: the whole page is one module. Any use throws instead.
      return `const fail = () => { throw new Error(${message}); };
const unavailable = new Proxy(function () {}, { get: (_, key) => (key === "then" || typeof key === "symbol" ? undefined : fail()), apply: fail, construct: fail });
export default unavailable;
export const Icon = unavailable, instance = unavailable;`;
    },
    transform(code, id) {
      if (!RUNTIME_FILE.test(id)) return null;
      if (id.endsWith(".css")) return { code: code.replace(/@import\s+url\(\s*"https?:\/\/[^"]*"\s*\)\s*;?/g, ""), map: null };
      const out = code
        .replace(CDN_IMPORT, (_all, name: string) =>
          LOCAL[name] ? `import(${JSON.stringify(LOCAL[name])})` : `Promise.reject(new Error(${JSON.stringify(unavailable(name))}))`,
        )
        .replace(/(\bfrom\s*|\bimport\s*)"(https:\/\/[^"]+)"/g, (_all, keyword: string, url: string) => `${keyword}"${STUB_PREFIX}${packageOf(url)}"`)
        // Built-ins whose module is a thin wrapper of a CDN library: fail with their own name.
        .replace(/import\("\.\/(inputs|duckdb|leaflet|mapboxgl|mermaid|tex|dot|vega-lite|zip|xlsx)\.js"\)/g, (_all, file: string) =>
          `Promise.reject(new Error(${JSON.stringify(unavailable(BUILTIN_NAMES[file] ?? file))}))`,
        )
        // What is left are URL strings (stylesheets, wasm, sample data): make them fail locally.
        .replace(/https:\/\/cdn\.jsdelivr\.net\//g, "offline-unavailable:");
      return out === code ? null : { code: out, map: null };
    },
  };
}

/** CDN references left in built text (empty when the output is offline-safe). */
export function cdnReferences(text: string): string[] {
  return [...new Set(text.match(CDN_PATTERN) ?? [])];
}
