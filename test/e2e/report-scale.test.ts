/**
 * The report at the sizes real users bring: the 50-service demo (summary, phone, PDF) and a clone
 * with ten years of weekly release tags (a plan that is a sliver of the history). Opened in headless
 * Chromium; screenshots go to test/output/screenshots/ for a person to look at.
 */
import { execFileSync } from "node:child_process";
import { fillRatio } from "../helpers/page-fill.ts";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoConfig, loadDemo } from "../../collectors/demo/index.ts";
import { CHROMIUM_ARGS } from "../../reports/pdf.ts";
import { buildReport } from "../../reports/render.ts";
import { runTransforms } from "../../transforms/run.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { chromiumForTests } from "../helpers/chromium.ts";
import { withTempDir } from "../helpers/db.ts";
import { OUTPUT } from "../unit/reports/snapshot.ts";

const SHOTS = join(OUTPUT, "screenshots");
// A 50-service demo and a ten-year clone, built and printed on a shared 2-core machine: minutes.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 600_000 });
const VIEWPORTS = [
  { name: "1920", width: 1920, height: 1080 },
  { name: "1366", width: 1366, height: 768 },
  { name: "390", width: 390, height: 844 },
] as const;

let browser: Browser;
const cleanups: (() => void)[] = [];

/** A temp directory held until afterAll (withTempDir removes it when its promise settles). */
async function heldDir(prefix: string): Promise<string> {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const dir = await new Promise<string>((resolveDir) => {
    void withTempDir(async (d) => {
      resolveDir(d);
      await held;
    }, prefix);
  });
  cleanups.push(release);
  return dir;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: chromiumForTests(), args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  cleanups.forEach((c) => c());
});

async function open(file: string, viewport: { width: number; height: number }): Promise<{ page: Page; close: () => Promise<void>; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  return { page, close: () => context.close(), errors };
}

/** Pairs of text boxes that overlap (tick labels of one axis). */
function overlaps(boxes: { x1: number; x2: number; y1: number; y2: number; text: string }[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i]!, boxes[j]!];
      if (!(a.x2 <= b.x1 || b.x2 <= a.x1 || a.y2 <= b.y1 || b.y2 <= a.y1)) out.push(`${a.text} / ${b.text}`);
    }
  return out;
}

describe("the 50-service demo", () => {
  let dir: string;
  const services = demoConfig({ services: 50 }).services;

  beforeAll(async () => {
    dir = await heldDir("dora-scale50-");
    const w = await Warehouse.open(join(dir, "warehouse.duckdb"));
    try {
      const config = demoConfig({ services: 50 });
      await loadDemo(w, config);
      await runTransforms(w, config);
      await buildReport(w, { out: join(dir, "report"), pdf: true, toolVersion: "e2e" });
    } finally {
      w.close();
    }
  });

  it.each(VIEWPORTS)("summary at $name px: the first chart starts well before 9,000 px, nothing overflows sideways", async (vp) => {
    const { page, close, errors } = await open(join(dir, "report", "index.html"), vp);
    try {
      const layout = await page.evaluate(() => {
        const first = document.querySelector("figure.chart");
        let top = 0;
        for (let e = first as HTMLElement | null; e; e = e.offsetParent as HTMLElement | null) top += e.offsetTop;
        return { firstChart: first?.id ?? null, top, scrollWidth: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight };
      });
      await page.screenshot({ path: join(SHOTS, `scale50-top-${vp.name}.png`) });
      await page.locator("#summary").screenshot({ path: join(SHOTS, `scale50-summary-${vp.name}.png`) });
      expect(layout.firstChart).toBeTruthy();
      // before the first chart: header, scorecard, timeline and summary (key paths beyond 10 rows folded;
      // on a phone the key-path table and the plan KPI cards fold to one line each)
      expect(layout.top, `first chart #${layout.firstChart} at ${layout.top} px`).toBeLessThan(9000);
      expect(layout.scrollWidth).toBeLessThanOrEqual(vp.width);
      const folded = await page.locator("#summary details.phone-fold:not([open])").count();
      expect(folded).toBe(vp.width < 640 ? 2 : 0);
      // the error-budget table shows all services and the ten worst; the other 40 fold away
      await expect(page.locator("#error-budget tbody tr").count()).resolves.toBe(3 + 10 * 3);
      await expect(page.locator("#kpis details.more-budget tbody tr").count()).resolves.toBe(40 * 3);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("report.pdf: every service's section is printed (collapsed on screen), no mostly blank page", () => {
    const pdf = join(dir, "report", "report.pdf");
    // in reading order (-raw), so a long name broken across lines of a table cell joins up again
    const flat = execFileSync("pdftotext", ["-raw", pdf, "-"], { maxBuffer: 1 << 28 }).toString().replace(/\s+/g, "");
    const missing = Object.keys(services).filter((s) => !flat.includes(s));
    expect(missing).toEqual([]);
    const out = join(dir, "pages");
    mkdirSync(out, { recursive: true });
    execFileSync("pdftoppm", ["-r", "20", pdf, join(out, "p")]);
    const pages = readdirSync(out).sort();
    expect(pages.length).toBeGreaterThan(5);
    const ratios = pages.map((f) => fillRatio(readFileSync(join(out, f))));
    const thin = ratios.slice(0, -1).flatMap((r, i) => (r < 0.3 ? [`page ${i + 1}: ${Math.round(r * 100)} %`] : []));
    expect(thin).toEqual([]);
    execFileSync("pdftoppm", ["-png", "-r", "40", "-f", "1", "-l", "3", pdf, join(SHOTS, "scale50-pdf-page")]);
  });
});

/**
 * A `git fast-import` stream: one release a week from 5 Dec 2016 to 30 Nov 2026 (two commits each,
 * the tag an hour after the second), as an old service's clone looks.
 */
function tenYears(): string {
  const out: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let mark = 0;
  let main: number | undefined;
  const end = Date.UTC(2026, 10, 30);
  for (let t = Date.UTC(2016, 11, 5, 9), i = 0; t < end; t += 7 * 86_400_000, i++) {
    for (const [k, at] of [t, t + 3 * 3600_000].entries()) {
      const s = Math.floor(at / 1000);
      const m = ++mark;
      out.push(
        `commit refs/heads/main\nmark :${m}\nauthor Dev <dev@example.com> ${s} +0000\ncommitter Dev <dev@example.com> ${s} +0000\n${data(`change ${i}${k ? " b" : " a"}`)}` +
          (main ? `from :${main}\n` : "") + `M 644 inline f${m % 31}.txt\n${data(String(m))}`,
      );
      main = m;
    }
    out.push(`tag v${Math.floor(i / 52) + 1}.${i % 52}.0\nfrom :${main}\ntagger Dev <dev@example.com> ${Math.floor((t + 4 * 3600_000) / 1000)} +0000\n${data("release")}`);
  }
  return out.join("");
}

describe("ten years of release tags, a one-year plan", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await heldDir("dora-tenyears-");
    const clone = join(dir, "repo");
    execFileSync("git", ["init", "-q", "-b", "main", clone]);
    execFileSync("git", ["-C", clone, "fast-import", "--quiet"], { input: tenYears(), maxBuffer: 1 << 28 });
    writeFileSync(
      join(dir, "dora.config.yaml"),
      [
        `warehouse: ${join(dir, "warehouse.duckdb")}`,
        "timezone: Europe/Berlin",
        "plan:",
        "  start: 2025-12-01",
        "  months: 12",
        "  phases:",
        "    - { name: Foundations and baseline, from: 2025-12-01, to: 2026-01-31 }",
        "    - { name: Continuous delivery, from: 2026-02-01, to: 2026-09-30 }",
        "    - { name: Consolidation and handover, from: 2026-10-01, to: 2026-11-30 }",
        "  milestones:",
        "    - { date: 2026-03-02, label: Every merge deployed }",
        "    - { date: 2026-06-15, label: Release train retired }",
        "report:",
        "  as_of: 2026-12-01",
        "services:",
        `  legacy: { git: [${clone}] }`,
        "sources:",
        "  git: { tag_pattern: '^v' }",
        "",
      ].join("\n"),
    );
    const bin = resolve("bin/dora.js");
    const run = (args: string[]) => execFileSync(process.execPath, [bin, ...args, "--quiet"], { cwd: dir, env: { ...process.env, CI: "true" }, encoding: "utf8" });
    run(["collect", "--source", "git"]);
    run(["transform"]);
    run(["report", "--no-pdf"]);
  });

  it.each(VIEWPORTS)("trend charts at $name px cover the plan, not the ten years, and no tick label overprints", async (vp) => {
    const { page, close, errors } = await open(join(dir, "report", "index.html"), vp);
    try {
      expect(errors).toEqual([]);
      // the axis runs from shortly before the baseline to the plan's end; the years before are named, not drawn
      await expect(page.locator("#trends .note").first().innerText()).resolves.toMatch(/earlier weeks of data are not drawn/);
      const chart = page.locator("#chart-deployments-weekly svg");
      const ticks = await chart.evaluate((svg) =>
        Array.from(svg.querySelectorAll("g[aria-label='x-axis tick label'] text")).map((t) => {
          const r = t.getBoundingClientRect();
          return { x1: r.left, x2: r.right, y1: r.top, y2: r.bottom, text: t.textContent ?? "" };
        }),
      );
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(ticks.map((t) => t.text).join(" ")).not.toMatch(/201[6-9]|202[0-4]/);
      expect(overlaps(ticks)).toEqual([]);
      // phase and milestone codes on the chart do not overprint either
      const codes = await chart.evaluate((svg) =>
        Array.from(svg.querySelectorAll("text"))
          .filter((t) => /^(P\d+|M\d+(–\d+)?)$/.test(t.textContent ?? ""))
          .map((t) => {
            const r = t.getBoundingClientRect();
            return { x1: r.left, x2: r.right, y1: r.top, y2: r.bottom, text: t.textContent ?? "" };
          }),
      );
      expect(codes.length).toBeGreaterThanOrEqual(3);
      expect(overlaps(codes)).toEqual([]);
      await page.locator("#trends").screenshot({ path: join(SHOTS, `tenyears-trends-${vp.name}.png`) });
    } finally {
      await close();
    }
  });
});
