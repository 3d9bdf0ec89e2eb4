// Builds the notebooks from a small real warehouse into a temp folder and opens them in headless
// Chromium, from file:// (the way a zipped folder is opened) and from a server on 127.0.0.1.
import { createServer, type Server } from "node:http";
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { pathToFileURL } from "node:url";
import { tableFromIPC } from "apache-arrow";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../../reports/pdf.ts";
import { chromiumForTests } from "../helpers/chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildNotebooks, notebookSources, type BuildResult } from "../../notebooks/build.ts";
import { cdnReferences } from "../../notebooks/offline.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { makeNotebookWarehouse } from "../fixtures/notebooks/warehouse.ts";

const FIXTURES = "test/fixtures/notebooks/src";

/** Charts each notebook draws (Plot figures with a title and at least one data mark). */
const CHARTS: Record<string, number> = { "dora-overview": 4, "lead-time": 4, "incidents-oncall": 5, "latency-slo": 4 };

let dir: string;
let warehouse: string;
let built: BuildResult;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dora-notebooks-test-"));
  warehouse = join(dir, "warehouse.duckdb");
  await makeNotebookWarehouse(warehouse);
  built = await buildNotebooks({ warehouse, out: join(dir, "dist") });
  browser = await chromium.launch({ executablePath: chromiumForTests(), args: CHROMIUM_ARGS });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The one row a query returns, read from the test warehouse. */
async function one<T>(sql: string): Promise<T> {
  const w = await Warehouse.open(warehouse, { readOnly: true });
  try {
    const rows = await w.all<T & Record<string, unknown>>(sql);
    if (rows.length !== 1) throw new Error(`expected one row from ${sql}, got ${rows.length}`);
    return rows[0]!;
  } finally {
    w.close();
  }
}

interface Visit {
  page: Page;
  requests: string[];
  problems: string[];
  close: () => Promise<void>;
}

function isLocal(url: string): boolean {
  const u = new URL(url);
  return ["file:", "data:", "blob:", "about:"].includes(u.protocol) || u.hostname === "127.0.0.1";
}

/** Opens a page recording every request and every console error; anything non-local is aborted. */
async function visit(url: string): Promise<Visit> {
  const context = await browser.newContext();
  const requests: string[] = [];
  const problems: string[] = [];
  await context.route(/.*/, (route) => (isLocal(route.request().url()) ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, requests, problems, close: () => context.close() };
}

/** Waits until `expected` charts have drawn or a cell has failed, then returns what the page shows. */
async function settle(page: Page, expected: number) {
  await page.waitForFunction(
    (n) => {
      const charts = Array.from(document.querySelectorAll("main figure")).filter(
        (f) => f.querySelector("h2") && f.querySelector('svg g[aria-label="dot"] *, svg g[aria-label="line"] *, svg g[aria-label="rect"] *, svg g[aria-label="bar"] *, svg g[aria-label="area"] *, svg g[aria-label="cell"] *'),
      );
      return charts.length >= n || document.querySelector(".observablehq--error") !== null;
    },
    expected,
    { timeout: 60_000 },
  );
  return page.evaluate(() => ({
    errors: Array.from(document.querySelectorAll(".observablehq--error"), (e) => e.textContent ?? ""),
    titles: Array.from(document.querySelectorAll("main figure h2"), (h) => h.textContent ?? ""),
    svgs: document.querySelectorAll("main svg").length,
  }));
}

/** The caption of the chart whose title starts with `title`. */
async function caption(page: Page, title: string): Promise<string> {
  return page.evaluate((t) => {
    const figure = Array.from(document.querySelectorAll("main figure")).find((f) => f.querySelector("h2")?.textContent?.startsWith(t));
    return figure?.querySelector("figcaption")?.textContent ?? "";
  }, title);
}

describe("notebooks (npm run notebooks)", () => {
  it("builds one self-contained page per notebook, an index, and the data as Arrow IPC", async () => {
    const names = notebookSources().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(Object.keys(CHARTS)));
    expect(built.notebooks.map((n) => n.name)).toEqual(names);
    const files = readdirSync(built.out).sort();
    expect(files).toEqual([...names.map((n) => `${n}.html`), "data", "index.html"].sort());
    for (const n of built.notebooks) {
      const html = readFileSync(n.output, "utf8");
      expect(cdnReferences(html), n.name).toEqual([]);
      // Nothing beside the page is needed: no script or stylesheet by URL.
      expect(html, n.name).not.toMatch(/<script\b[^>]*\ssrc=|<link\b[^>]*rel="(?:stylesheet|modulepreload)"/);
      for (const table of n.tables) expect(html).toContain(`data-table="${table}"`);
    }
    const index = readFileSync(join(built.out, "index.html"), "utf8");
    for (const n of built.notebooks) expect(index).toContain(`href="./${n.name}.html"`);
    // The exported Arrow file holds what the warehouse holds.
    const { n } = await one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM metrics.lead_time_items");
    const arrow = tableFromIPC(readFileSync(join(built.out, "data", "metrics", "lead_time_items.arrow")));
    expect(arrow.numRows).toBe(n);
    expect(n).toBeGreaterThan(100);
  });

  it.each(Object.entries(CHARTS))("opens %s from file:// with its charts, no error and no request off the machine", async (name, charts) => {
    const v = await visit(pathToFileURL(join(built.out, `${name}.html`)).href);
    try {
      const shown = await settle(v.page, charts);
      expect(shown.errors).toEqual([]);
      expect(shown.titles.length).toBeGreaterThanOrEqual(charts);
      expect(v.problems).toEqual([]);
      expect(v.requests.filter((u) => !isLocal(u))).toEqual([]);
      expect(v.requests.length).toBeGreaterThan(0);
    } finally {
      await v.close();
    }
  });

  it("filters in the page: a service and a date range redraw the overview with that data", async () => {
    const v = await visit(pathToFileURL(join(built.out, "dora-overview.html")).href);
    try {
      await settle(v.page, CHARTS["dora-overview"]!);
      const all = await one<{ n: number }>("SELECT sum(deployments)::INTEGER AS n FROM metrics.deployment_frequency WHERE grain = 'week' AND service = '*'");
      expect(await caption(v.page, "Production deployments per week — all services")).toMatch(new RegExp(`^${all.n} deployments`));

      const { service } = await one<{ service: string }>("SELECT min(service) AS service FROM metrics.deployment_frequency WHERE service <> '*'");
      await v.page.selectOption('select[name="Service"]', service);
      await v.page.waitForFunction((s) => document.querySelector("main figure h2")?.textContent?.endsWith(s), service);
      const single = await one<{ n: number }>(`SELECT sum(deployments)::INTEGER AS n FROM metrics.deployment_frequency WHERE grain = 'week' AND service = '${service}'`);
      expect(single.n).toBeLessThan(all.n);
      expect(await caption(v.page, "Production deployments per week")).toMatch(new RegExp(`^${single.n} deployments`));

      // Months from 2026-03-01 to 2026-05-31 only (month rows start on the 1st).
      await v.page.selectOption('select[name="Period"]', "month");
      await v.page.fill('input[name="Dates-from"]', "2026-03-01");
      await v.page.fill('input[name="Dates-to"]', "2026-05-31");
      await v.page.waitForFunction(() => / over 3 months$/.test(Array.from(document.querySelectorAll("main figure figcaption"))[0]?.textContent ?? ""));
      const spring = await one<{ n: number }>(
        `SELECT sum(deployments)::INTEGER AS n FROM metrics.deployment_frequency WHERE grain = 'month' AND service = '${service}' AND period_start BETWEEN DATE '2026-03-01' AND DATE '2026-05-31'`,
      );
      expect(await caption(v.page, "Production deployments per month")).toMatch(new RegExp(`^${spring.n} deployments`));
      expect(v.problems).toEqual([]);
    } finally {
      await v.close();
    }
  });

  it("filters lead times by service in the page (counts match the warehouse)", async () => {
    const v = await visit(pathToFileURL(join(built.out, "lead-time.html")).href);
    try {
      await settle(v.page, CHARTS["lead-time"]!);
      const selectedText = () => v.page.evaluate(() => Array.from(document.querySelectorAll("main p")).find((p) => / changes selected/.test(p.textContent ?? ""))?.textContent ?? "");
      const { total } = await one<{ total: number }>("SELECT count(*)::INTEGER AS total FROM metrics.lead_time_items");
      expect(await selectedText()).toMatch(new RegExp(`^${total} changes selected`));
      const { service, n } = await one<{ service: string; n: number }>("SELECT service, count(*)::INTEGER AS n FROM metrics.lead_time_items GROUP BY 1 ORDER BY 1 LIMIT 1");
      await v.page.selectOption('select[name="Service"]', service);
      await v.page.waitForFunction((t) => document.body.textContent?.includes(t), `${n} changes selected`);
      expect(await selectedText()).toMatch(new RegExp(`^${n} changes selected`));
      expect(v.problems).toEqual([]);
    } finally {
      await v.close();
    }
  });

  it("serves from 127.0.0.1 too: the index links to the notebooks and nothing leaves the machine", async () => {
    const types: Record<string, string> = { ".html": "text/html", ".arrow": "application/vnd.apache.arrow.file" };
    const server: Server = createServer((req, res) => {
      const path = normalize(join(built.out, decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname)));
      if (!path.startsWith(built.out) || !existsSync(path)) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(readFileSync(path));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const v = await visit(`http://127.0.0.1:${port}/index.html`);
    try {
      await v.page.click('a[href="./latency-slo.html"]');
      const shown = await settle(v.page, CHARTS["latency-slo"]!);
      expect(shown.errors).toEqual([]);
      expect(v.page.url()).toBe(`http://127.0.0.1:${port}/latency-slo.html`);
      expect(v.problems).toEqual([]);
      expect(v.requests.filter((u) => !isLocal(u))).toEqual([]);
    } finally {
      await v.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("resolves npm: imports and the built-in Plot from node_modules, so edited notebooks stay offline", async () => {
    const fixture = await buildNotebooks({ warehouse, out: join(dir, "fixture"), sourceDir: FIXTURES, only: ["builtins"] });
    expect(fixture.notebooks.map((n) => n.name)).toEqual(["builtins"]);
    expect(cdnReferences(readFileSync(fixture.notebooks[0]!.output, "utf8"))).toEqual([]);
    const v = await visit(pathToFileURL(fixture.notebooks[0]!.output).href);
    try {
      await v.page.waitForSelector(".observablehq--error");
      const shown = await settle(v.page, 1);
      expect(shown.titles).toEqual(["Deployments per month"]);
      // The one failing cell uses Inputs, which are not bundled: it says so, and fetches nothing.
      expect(shown.errors).toEqual([expect.stringMatching(/Inputs \(@observablehq\/inputs; use notebooks\/src\/lib\/controls\.ts\) is not bundled/)]);
      const { n } = await one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM metrics.deployment_items");
      expect(await v.page.textContent("#formatted")).toBe(`${(n * 1000).toLocaleString("en-US")} thousandths`);
      // The runtime also logs a failed cell to the console (so the other tests' console checks catch them).
      expect(v.problems).toEqual([expect.stringMatching(/^console: RuntimeError: Inputs .* is not bundled/)]);
      expect(v.requests.filter((u) => !isLocal(u))).toEqual([]);
    } finally {
      await v.close();
    }
  });

  it("fails the build naming an npm: package that is not installed (instead of a CDN import)", async () => {
    await expect(buildNotebooks({ warehouse, out: join(dir, "fixture-bad"), sourceDir: FIXTURES, only: ["not-installed"] })).rejects.toThrow(
      /left-pad-that-is-not-installed is not installed/,
    );
  });

  it("--data-only exports the Arrow files for `npx notebooks preview` and builds no page", async () => {
    const preview = join(dir, "preview");
    const result = await buildNotebooks({ warehouse, out: preview, dataOnly: true });
    expect(result.notebooks).toEqual([]);
    const needed = [...new Set(notebookSources().flatMap((s) => s.tables))].sort();
    expect(result.tables.map((t) => t.table)).toEqual(needed);
    for (const t of result.tables) expect(tableFromIPC(readFileSync(t.path)).numRows, t.table).toBe(t.rows);
    expect(readdirSync(preview)).toEqual(["data"]);
  });

  it("refuses an output folder that holds the notebook sources", async () => {
    await expect(buildNotebooks({ warehouse, out: "notebooks" })).rejects.toThrow(/would replace the notebook sources/);
    expect(notebookSources().length).toBeGreaterThanOrEqual(4);
  });

  it("names `npx dora demo` when the warehouse does not exist, and `dora transform` when metrics are missing", async () => {
    await expect(buildNotebooks({ warehouse: join(dir, "missing.duckdb"), out: join(dir, "nope") })).rejects.toThrow(/does not exist: create the demo with `npx dora demo`/);
    const empty = join(dir, "empty.duckdb");
    (await Warehouse.open(empty)).close();
    await expect(buildNotebooks({ warehouse: empty, out: join(dir, "nope") })).rejects.toThrow(/has no .*metrics\.lead_time_items.*run `npx dora transform`/);
  });
});
