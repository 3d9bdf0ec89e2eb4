// The notebooks' page-side helpers and the build's offline/inline steps, without a browser.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableToIPC } from "apache-arrow";
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { ARROW_SCRIPT_TYPE, inlineHtml, scriptSafe } from "../../notebooks/inline.ts";
import { cdnReferences, npmToBare, offline, packageOf } from "../../notebooks/offline.ts";
import { ARROW_SCRIPT_TYPE as PAGE_ARROW_SCRIPT_TYPE, loadRows, toRows } from "../../notebooks/src/lib/data.ts";
import { filterRows, median, quantile, ranks, spearman, weekStart } from "../../notebooks/src/lib/stats.ts";
import { arrowTable } from "../../warehouse/export.ts";
import { withMemoryWarehouse, withTempDir } from "../helpers/db.ts";

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe("notebook stats", () => {
  it.each([
    // type 7: h = (n − 1)·p; [1,2,3,4] at 0.5 → 2.5, at 0.9 → 3 + 0.7·1 = 3.7
    [[4, 1, 3, 2], 0.5, 2.5],
    [[4, 1, 3, 2], 0.9, 3.7],
    [[5], 0.9, 5],
    [[null, 2, undefined, 8], 0.5, 5],
  ])("quantile(%j, %d) = %d", (values, p, expected) => {
    expect(quantile(values, p)).toBeCloseTo(expected, 10);
  });

  it("has no median of nothing", () => {
    expect(median([])).toBeNaN();
  });

  it("ranks ties with their mean rank", () => {
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });

  it.each([
    [[1, 2, 3, 4], [10, 20, 30, 40], 1],
    [[1, 2, 3, 4], [40, 30, 20, 10], -1],
    // ranks x 1..4, y 1,3,2,4: Σd² = 0+1+1+0 = 2 → 1 − 6·2 / (4·15) = 0.8
    [[1, 2, 3, 4], [1, 3, 2, 4], 0.8],
    [[1, 2], [1, 2], NaN],
    [[1, 1, 1], [1, 2, 3], NaN],
  ])("spearman(%j, %j) = %d", (x, y, expected) => {
    const rho = spearman(x, y);
    if (Number.isNaN(expected)) expect(rho).toBeNaN();
    else expect(rho).toBeCloseTo(expected, 10);
  });

  it("refuses unpaired values", () => {
    expect(() => spearman([1, 2, 3], [1, 2])).toThrow(/3 x values but 2 y values/);
  });

  it("filters by service (\"*\" rows when asked) and by inclusive UTC days", () => {
    const rows = [
      { service: "*", at: day("2026-03-01") },
      { service: "api", at: day("2026-03-01") },
      { service: "api", at: new Date("2026-03-31T23:59:59Z") },
      { service: "api", at: day("2026-04-01") },
      { service: "web", at: day("2026-03-15") },
    ];
    const march = { from: day("2026-03-01"), to: day("2026-03-31") };
    expect(filterRows(rows, "at", { service: "api", ...march })).toEqual([rows[1], rows[2]]);
    expect(filterRows(rows, "at", { service: "*", ...march }, { allKey: "*" })).toEqual([rows[0]]);
    expect(filterRows(rows, "at", { service: "*", ...march })).toEqual([rows[0], rows[1], rows[2], rows[4]]);
  });

  it("starts weeks on Monday (UTC), also across the DST change", () => {
    // 2026-03-29 is a Sunday (Europe switches to summer time that night).
    expect(weekStart(new Date("2026-03-29T22:30:00Z")).toISOString()).toBe("2026-03-23T00:00:00.000Z");
    expect(weekStart(new Date("2026-03-30T00:00:00Z")).toISOString()).toBe("2026-03-30T00:00:00.000Z");
  });
});

describe("notebook data", () => {
  it("reads an exported table back as rows: timestamps as instants, DATE as its UTC day, BIGINT as number", async () => {
    await withMemoryWarehouse(async (w) => {
      await w.run(`CREATE TABLE metrics.t AS SELECT * FROM (VALUES
        ('a', TIMESTAMPTZ '2026-03-29 01:30:00+00', DATE '2026-03-29', 12::BIGINT, 1.5::DOUBLE, true),
        ('b', NULL, NULL, NULL, NULL, NULL)) v(name, at_ts, day, n, x, ok)`);
      const bytes = tableToIPC(await arrowTable(w, "metrics.t"), "file");
      const { document } = parseHTML(
        inlineHtml("<!doctype html><html><head></head><body><main></main></body></html>", "/nowhere", [{ name: "metrics.t", bytes }]),
      );
      const rows = await loadRows("metrics.t", document as unknown as Document);
      expect(rows).toEqual([
        { name: "a", at_ts: new Date("2026-03-29T01:30:00Z"), day: day("2026-03-29"), n: 12, x: 1.5, ok: true },
        { name: "b", at_ts: null, day: null, n: null, x: null, ok: null },
      ]);
    });
  });

  it("uses one script type for the data on both sides", () => {
    expect(PAGE_ARROW_SCRIPT_TYPE).toBe(ARROW_SCRIPT_TYPE);
  });

  it("refuses a table name that is not core.x or metrics.x", async () => {
    const { document } = parseHTML("<html><body></body></html>");
    await expect(loadRows("raw.pages", document as unknown as Document)).rejects.toThrow(/invalid table name: raw\.pages/);
  });

  it("converts an empty table to no rows", async () => {
    await withMemoryWarehouse(async (w) => {
      await w.run("CREATE TABLE metrics.e (a INTEGER)");
      expect(toRows(await arrowTable(w, "metrics.e"))).toEqual([]);
    });
  });
});

describe("notebook build: inline and offline", () => {
  it("inlines the module script and stylesheet, drops preloads, and escapes </script> in code", async () => {
    await withTempDir(async (dir) => {
      mkdirSync(join(dir, "assets"));
      writeFileSync(join(dir, "assets", "a.js"), 'console.log("</script><!--")');
      writeFileSync(join(dir, "assets", "a.css"), "main{color:red}");
      const html = inlineHtml(
        '<html><head><script type="module" crossorigin src="./assets/a.js"></script><link rel="modulepreload" href="./assets/b.js"><link rel="stylesheet" crossorigin href="./assets/a.css"></head><body></body></html>',
        dir,
      );
      expect(html).toBe('<html><head><script type="module">console.log("<\\/script><\\!--")</script><style>main{color:red}</style></head><body></body></html>');
    });
  });

  it("refuses a page that would still need a file beside it", () => {
    expect(() => inlineHtml('<html><body><img><script src="./assets/x.js"></script></body></html>', "/nowhere")).toThrow(/could not inline <script src="\.\/assets\/x\.js"/);
  });

  it("keeps script text safe", () => {
    expect(scriptSafe("a</SCRIPT>b")).toBe("a<\\/SCRIPT>b");
  });

  it.each([
    ["npm:d3@7", "d3"],
    ["npm:@observablehq/plot@0.6/dist/plot.js", "@observablehq/plot/dist/plot.js"],
    ["apache-arrow@17.0.0/+esm", "apache-arrow"],
    ["mermaid/dist/mermaid.esm.min.mjs/+esm", "mermaid/dist/mermaid.esm.min.mjs"],
  ])("npmToBare(%s) = %s", (specifier, bare) => {
    expect(npmToBare(specifier)).toBe(bare);
  });

  it("names the package of a CDN URL", () => {
    expect(packageOf("https://cdn.jsdelivr.net/npm/@duckdb/duckdb-wasm@1.32.0/+esm")).toBe("@duckdb/duckdb-wasm");
  });

  it("rewrites Notebook Kit's built-in libraries so no CDN reference is left", () => {
    const file = fileURLToPath(import.meta.resolve("@observablehq/notebook-kit/runtime")).replace(/index\.js$/, "stdlib/recommendedLibraries.js");
    const code = readFileSync(file, "utf8");
    expect(cdnReferences(code).length).toBeGreaterThan(10);
    const transform = offline().transform as (code: string, id: string) => { code: string } | null;
    const out = transform(code, file)?.code ?? "";
    expect(cdnReferences(out)).toEqual([]);
    expect(out).toContain('Plot = () => import("@observablehq/plot")');
    expect(out).toContain('Arrow = () => import("apache-arrow")');
    expect(out).toContain('Inputs = () => Promise.reject(new Error("Inputs (@observablehq/inputs; use notebooks/src/lib/controls.ts) is not bundled');
    expect(out).toMatch(/htl = \(\) => Promise\.reject\(new Error\("htl is not bundled in the offline notebooks/);
  });
});
