/**
 * User path: demo → transforms → report, opened in real headless Chromium from file://.
 * Screenshots go to test/output/screenshots/ for a person to look at.
 */
import { execFileSync } from "node:child_process";
import { fillRatio } from "../helpers/page-fill.ts";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { chromiumForTests } from "../helpers/chromium.ts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoConfig, loadDemo } from "../../collectors/demo/index.ts";
import { CHROMIUM_ARGS } from "../../reports/pdf.ts";
import { buildReport } from "../../reports/render.ts";
import { runTransforms } from "../../transforms/run.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { createReportFixture, HOSTILE } from "../fixtures/report/fixture.ts";
import { withTempDir } from "../helpers/db.ts";
import { OUTPUT } from "../unit/reports/snapshot.ts";

const SHOTS = join(OUTPUT, "screenshots");
// Each test drives Chromium over a 600 kB page on a shared 2-core machine: minutes, not the 60 s default.
vi.setConfig({ testTimeout: 240_000 });
let dir: string;
let cleanup: () => void;
let browser: Browser;
let built: { files: string[]; warnings: string[] };

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // withTempDir removes the directory when the promise it is given settles: hold it open until afterAll.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const ready = new Promise<string>((resolve) => {
    void withTempDir(async (d) => {
      resolve(d);
      await held;
    }, "dora-report-e2e-");
  });
  dir = await ready;
  cleanup = release;
  const w = await Warehouse.open(join(dir, "warehouse.duckdb"));
  try {
    const config = demoConfig();
    await loadDemo(w, config);
    await runTransforms(w, config);
    built = await buildReport(w, { out: join(dir, "report"), pdf: true, toolVersion: "e2e" });
  } finally {
    w.close();
  }
  browser = await chromium.launch({ executablePath: chromiumForTests(), args: CHROMIUM_ARGS, headless: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  cleanup?.();
});

/** Opens a page and records console errors, page errors, dialogs and every request. */
async function open(file: string, options: { js?: boolean; viewport?: { width: number; height: number } } = {}) {
  const context = await browser.newContext({ javaScriptEnabled: options.js ?? true, viewport: options.viewport ?? { width: 1100, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => requests.push(r.url()));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: "load" });
  return { page, context, errors, requests, dialogs, url };
}

function chartIds(): string[] {
  // data/comparison.csv is the comparison table, not a chart
  return readdirSync(join(dir, "report", "data")).map((f) => f.replace(/\.csv$/, "")).filter((id) => id !== "comparison").sort();
}

describe("report of the default demo in headless Chromium", () => {
  it("writes index.html, slides.html, report.pdf and the chart CSVs", () => {
    const names = built.files.map((f) => f.slice(join(dir, "report").length + 1));
    expect(names).toEqual(expect.arrayContaining(["index.html", "slides.html", "report.pdf", "slides.pdf"]));
    expect(built.warnings).toEqual([]);
    expect(chartIds().length).toBeGreaterThanOrEqual(15);
    const pdf = readFileSync(join(dir, "report", "report.pdf"));
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.length).toBeGreaterThan(50_000);
    expect(statSync(join(dir, "report", "index.html")).size).toBeLessThan(2_000_000);
  });

  it("index.html: no console errors, no request but the file, every chart drawn", async () => {
    const { page, context, errors, requests, url } = await open(join(dir, "report", "index.html"));
    try {
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      for (const id of chartIds()) {
        const fig = page.locator(`#chart-${id}`);
        await expect(fig.count(), id).resolves.toBe(1);
        await expect(fig.locator("svg").count(), id).resolves.toBeGreaterThan(0);
        await expect(fig.locator("figcaption h3").textContent(), id).resolves.toBeTruthy();
        await expect(fig.locator("details table").count(), id).resolves.toBe(1);
      }
      const cards = page.locator("#summary .cards:not(.plan-kpis) .card");
      await expect(cards.count()).resolves.toBe(6);
      // Plan KPIs of the demo: availability, pipeline time (median, p90), cost per transaction, custom KPIs
      const kpiCards = page.locator("#summary .cards.plan-kpis .card");
      const kpis = await kpiCards.evaluateAll((els) => els.map((e) => e.getAttribute("data-metric")));
      expect(kpis).toEqual(expect.arrayContaining(["availability", "pipeline_time", "pipeline_time_p90", "cost_per_transaction", "kpi:flaky_test_share", "kpi:merged_prs_per_day"]));
      const kpiText = (await page.locator("#summary .cards.plan-kpis").innerText()).replace(/\u00a0/g, " ");
      expect(kpiText).toMatch(/99\.\d{2,3} %\s*→\s*99\.\d{2,3} %/);
      expect(kpiText).toMatch(/EUR per 1,000 transactions/);
      expect(kpiText).toMatch(/PRs\/day/);
      expect(kpiText).toMatch(/Target ≥ 99\.9 %: (met|not met)/);
      const badges = await page.locator("#summary .target").count();
      expect(badges).toBeGreaterThanOrEqual(4);
      for (const id of ["availability-weekly", "pipeline-time-weekly", "cost-per-transaction-monthly"]) {
        await expect(page.locator(`#kpis #chart-${id} svg`).count(), id).resolves.toBeGreaterThan(0);
      }
      await expect(page.locator("#kpis #error-budget tbody tr").count()).resolves.toBeGreaterThan(3);
      const text = (await page.locator("#summary").innerText()).replace(/\u00a0/g, " ");
      expect(text).toMatch(/Median time to restore (fell|rose) from [\d.]+ (h|min) to [\d.]+ (h|min)/);
      expect(text).toMatch(/DORA 2024 tier:/);
      await page.screenshot({ path: join(SHOTS, "index-top.png") });
      await page.screenshot({ path: join(SHOTS, "index-full.png"), fullPage: true });
      for (const id of ["summary", "trends", "reliability", "kpis", "latency", "flow", "services", "quality", "methods"])
        await page.locator(`#${id}`).screenshot({ path: join(SHOTS, `index-${id}.png`) });
    } finally {
      await context.close();
    }
  });

  it("the service filter works offline; with scripts off everything shows and the filter hides", async () => {
    const on = await open(join(dir, "report", "index.html"));
    try {
      const select = on.page.locator("#service-filter");
      await expect(select.isVisible()).resolves.toBe(true);
      const first = (await on.page.locator("#services tr[data-service]").first().getAttribute("data-service"))!;
      await select.selectOption(first);
      const visible = await on.page.locator("#services figure[data-service]:visible").evaluateAll((els) => els.map((e) => e.getAttribute("data-service")));
      expect(visible).toEqual([first]);
      await select.selectOption("");
      const all = await on.page.locator("#services figure[data-service]:visible").count();
      expect(all).toBeGreaterThan(1);
      expect(on.errors).toEqual([]);
    } finally {
      await on.context.close();
    }
    const off = await open(join(dir, "report", "index.html"), { js: false });
    try {
      await expect(off.page.locator("#service-filter").isVisible()).resolves.toBe(false);
      const figures = await off.page.locator("figure.chart").count();
      const visible = await off.page.locator("figure.chart:visible").count();
      expect(visible).toBe(figures);
    } finally {
      await off.context.close();
    }
  });

  it("slides.html: large type, arrow keys move one slide, no errors or requests", async () => {
    const { page, context, errors, requests, url } = await open(join(dir, "report", "slides.html"), { viewport: { width: 1280, height: 720 } });
    try {
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      const count = await page.locator(".slide").count();
      expect(count).toBeGreaterThanOrEqual(8);
      await expect(page.locator(".slide.kpi-slide .kpi-card").count()).resolves.toBeGreaterThanOrEqual(5);
      await expect(page.locator(".slide.kpi-slide .target").count()).resolves.toBeGreaterThanOrEqual(2);
      const h2 = await page.locator("#slide-3 h2").evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
      expect(h2).toBeGreaterThanOrEqual(36);
      await expect(page.locator("body").getAttribute("data-slide")).resolves.toBe("1");
      await page.screenshot({ path: join(SHOTS, "slide-01.png") });
      for (let i = 2; i <= count; i++) {
        await page.keyboard.press("ArrowRight");
        await expect.poll(() => page.locator("body").getAttribute("data-slide")).toBe(String(i));
        await page.screenshot({ path: join(SHOTS, `slide-${String(i).padStart(2, "0")}.png`) });
      }
      await page.keyboard.press("ArrowLeft");
      await expect.poll(() => page.locator("body").getAttribute("data-slide")).toBe(String(count - 1));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe("the evidence behind each number: lists of the window's items with links to their source pages", () => {
  it("every DORA card opens its deployments, changes or incidents, drawn only when opened, filterable, linked to http(s) pages", async () => {
    const { page, context, errors, requests, url } = await open(join(dir, "report", "index.html"), { viewport: { width: 1366, height: 768 } });
    try {
      const lists = await page.locator("#summary .card details.items").evaluateAll((els) => els.map((e) => [e.closest(".card")!.getAttribute("data-metric"), e.getAttribute("data-list")]));
      expect(Object.fromEntries(lists)).toEqual({
        deployment_frequency: "deployments",
        lead_time: "changes",
        change_failure_rate: "deployments",
        time_to_restore: "incidents",
        time_to_acknowledge: "incidents",
        pages_per_week: "incidents",
      });
      // lazy: no list is drawn before its card is opened
      await expect(page.locator(".items-table").count()).resolves.toBe(0);
      const csv = (name: string) => readFileSync(join(dir, "report", "evidence", `${name}.csv`), "utf8").trim().split("\r\n").slice(1);
      const deployments = csv("deployments");
      // the counts in the summary line are the failure rate's numerator and denominator
      const cfr = page.locator('#summary [data-metric="change_failure_rate"]');
      const summary = (await cfr.locator("details.items summary").innerText()).replace(/\u00a0/g, " ");
      const m = /(\d+) baseline \((\d+) failed\), (\d+) final \((\d+) failed\)/.exec(summary)!;
      expect(m, summary).not.toBeNull();
      const [nBase, fBase, nFinal, fFinal] = m.slice(1).map(Number) as [number, number, number, number];
      expect(nBase + nFinal).toBe(deployments.length);
      const values = (await cfr.locator(".values").innerText()).replace(/\s+/g, "");
      expect(values).toBe(`${((fBase / nBase) * 100).toFixed(1)}%→${((fFinal / nFinal) * 100).toFixed(1)}%`);
      await cfr.locator("details.items summary").click();
      const rows = cfr.locator(".items-table tbody tr");
      await expect.poll(() => rows.count()).toBe(fBase + fFinal);
      // each row links to the deployment's page; every link is http(s)
      const hrefs = await rows.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      expect(hrefs.length).toBe(fBase + fFinal);
      for (const h of hrefs) expect(h).toMatch(/^https:\/\/ci\.acme\.example\/acme\/[a-z-]+\/deployments\/\d+$/);
      await page.screenshot({ path: join(SHOTS, "evidence-cfr-1366.png") });
      // all deployments: the first 200, then "show all"
      await cfr.locator(".items-filter input[type=checkbox]").uncheck();
      await expect.poll(() => rows.count()).toBe(Math.min(200, deployments.length));
      await expect(cfr.locator(".items-filter [aria-live]").innerText()).resolves.toBe(`Showing 200 of ${deployments.length}`);
      await cfr.locator("button.items-more").click();
      await expect.poll(() => rows.count()).toBe(deployments.length);
      // window and service filters
      // a new filter shows the first 200 again
      await cfr.locator('select[aria-label="Window"]').selectOption("final");
      await expect.poll(() => rows.count()).toBe(Math.min(200, nFinal));
      await expect(cfr.locator(".items-filter [aria-live]").innerText()).resolves.toMatch(new RegExp(`^(Showing 200 of ${nFinal}|${nFinal} shown of ${deployments.length})$`));
      const service = deployments.find((l) => l.startsWith("final,"))!.split(",")[1]!;
      await cfr.locator('select[aria-label="Service"]').selectOption(service);
      const shown = await rows.evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]));
      expect(shown.length).toBe(deployments.filter((l) => l.startsWith(`final,${service},`)).length);
      for (const [w, s] of shown) expect([w, s]).toEqual(["final", service]);
      // title filter
      const title = deployments.find((l) => l.startsWith(`final,${service},`))!.split(",")[3]!;
      await cfr.locator('input[type=search]').fill(title);
      await expect.poll(() => rows.count()).toBe(1);
      // the changes behind lead time link to their pull requests
      const lead = page.locator('#summary [data-metric="lead_time"]');
      await lead.locator("details.items summary").click();
      await expect.poll(() => lead.locator(".items-table tbody tr").count()).toBe(Math.min(200, csv("changes").length));
      const prLinks = await lead.locator(".items-table a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      expect(prLinks.length).toBeGreaterThan(100);
      for (const h of prLinks) expect(h).toMatch(/^https:\/\/git\.acme\.example\/acme\/[a-z-]+\/pull\/\d+$/);
      // incidents link to the pager
      const ttr = page.locator('#summary [data-metric="time_to_restore"]');
      await ttr.locator("details.items summary").click();
      await expect.poll(() => ttr.locator(".items-table tbody tr").count()).toBe(csv("incidents").length);
      const pdLinks = await ttr.locator(".items-table a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      for (const h of pdLinks) expect(h).toMatch(/^https:\/\/acme\.pagerduty\.example\/incidents\//);
      await ttr.screenshot({ path: join(SHOTS, "evidence-incidents.png") });
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
    } finally {
      await context.close();
    }
  });

  it("the lead-time stages chart marks the headline median of each window: the Lead time card's numbers", async () => {
    const { page, context } = await open(join(dir, "report", "index.html"), { viewport: { width: 1366, height: 768 } });
    try {
      const card = page.locator('#summary [data-metric="lead_time"] .values');
      const [from, to] = [await card.locator(".from").innerText(), await card.locator(".to").innerText()];
      const unit = (await card.locator(".unit").count()) ? await card.locator(".unit").innerText() : "";
      const marks = await page.locator("#chart-lead-time-stages svg text").evaluateAll((els) => els.map((e) => e.textContent ?? "").filter((t) => t.startsWith("median lead time")));
      const norm = (s: string) => s.replace(/\s+/g, " ").trim();
      expect(marks.map(norm)).toEqual([`median lead time ${norm(`${from} ${unit}`)}`, `median lead time ${norm(`${to} ${unit}`)}`].map((s) => s.replace(/ $/, "")));
      await page.locator("#chart-lead-time-stages").screenshot({ path: join(SHOTS, "lead-time-stages.png") });
    } finally {
      await context.close();
    }
  });

  it("availability and error budget agree: all-services rows carry the target and every service's episodes; overspend is named in the summary", async () => {
    const { page, context } = await open(join(dir, "report", "index.html"), { viewport: { width: 1366, height: 768 } });
    try {
      const rows = (await page.locator("#error-budget tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((td) => (td.textContent ?? "").replace(/\u00a0/g, " "))))) as [string, string, string, string, string, string, string][];
      const sum = (window: string, col: number) => rows.filter((r) => r[0] !== "All services" && r[1] === window).reduce((a, r) => a + Number(r[col]), 0);
      for (const window of ["baseline", "final", "plan"]) {
        const all = rows.find((r) => r[0] === "All services" && r[1] === window)!;
        expect(all[3], `${window} target`).toBe("99.9 %");
        expect(all[4], `${window} budget`).toMatch(/^\d+ %/);
        expect(Number(all[5]), `${window} episodes`).toBe(sum(window, 5));
        expect(Number(all[6]), `${window} paging`).toBe(sum(window, 6));
        expect(Number(all[5])).toBeGreaterThan(0);
      }
      // the all-services budget spent is (1 − availability) / (1 − target), as the Availability card reads it
      const base = rows.find((r) => r[0] === "All services" && r[1] === "baseline")!;
      const spent = Math.round(((1 - Number(base[2].replace(" %", "")) / 100) / 0.001) * 100);
      expect(Math.abs(Number(base[4].replace(/ %.*/, "")) - spent)).toBeLessThanOrEqual(1);
      const line = (await page.locator("#summary .budget-line").innerText()).replace(/\u00a0/g, " ");
      expect(line).toContain(`all services together spent ${base[4].replace(/ \(over budget\)/, "")} of the baseline's budget${base[4].includes("over") ? " (over budget)" : ""}`);
      const overFinal = rows.filter((r) => r[0] !== "All services" && r[1] === "final" && r[4].includes("over budget"));
      if (overFinal.length) for (const r of overFinal.slice(0, 5)) expect(line).toContain(r[0]!);
      else expect(line).toContain("No service went over its budget in the final window");
      // the episode strip sits under the axis: its cells are below the chart's x-axis labels
      const strip = await page.locator("#chart-availability-weekly svg").evaluate((svg) => {
        const cells = Array.from(svg.querySelectorAll("rect title")).filter((t) => /severity episode/.test(t.textContent ?? "")).map((t) => t.parentElement!.getBoundingClientRect().top);
        const axis = Array.from(svg.querySelectorAll("g[aria-label='x-axis tick label'] text")).map((t) => t.getBoundingClientRect().bottom);
        return { cells: cells.length, top: Math.min(...cells), axis: Math.max(...axis) };
      });
      expect(strip.cells).toBeGreaterThan(10);
      expect(strip.top).toBeGreaterThanOrEqual(strip.axis);
      await page.locator("#chart-availability-weekly").screenshot({ path: join(SHOTS, "availability-strip.png") });
    } finally {
      await context.close();
    }
  });

  it("phone (390 px): an opened list scrolls inside its card, the page does not overflow", async () => {
    const { page, context } = await open(join(dir, "report", "index.html"), { viewport: { width: 390, height: 844 } });
    try {
      const lead = page.locator('#summary [data-metric="lead_time"]');
      await lead.locator("details.items summary").click();
      await expect.poll(() => lead.locator(".items-table tbody tr").count()).toBeGreaterThan(10);
      await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(390);
      await lead.screenshot({ path: join(SHOTS, "phone-evidence.png") });
    } finally {
      await context.close();
    }
  });
});

describe("presentation: scorecard, timeline, slides, PDF and phone layout", () => {
  it("index.html opens with the scorecard, then the plan timeline with every phase's full name and milestone", async () => {
    const { page, context } = await open(join(dir, "report", "index.html"), { viewport: { width: 1280, height: 900 } });
    try {
      const order = await page.evaluate(() => ["scorecard", "plan-timeline", "summary"].map((id) => document.getElementById(id)!.getBoundingClientRect().top));
      expect(order[0]).toBeLessThan(order[1]!);
      expect(order[1]).toBeLessThan(order[2]!);
      const rows = await page.locator("#scorecard tbody tr").count();
      expect(rows).toBeGreaterThanOrEqual(12);
      const timeline = await page.locator("#plan-timeline").innerText();
      for (const phase of demoConfig().plan.phases) expect(timeline).toContain(phase.name);
      for (const m of demoConfig().plan.milestones) expect(timeline).toContain(m.label);
      // The engineer's evidence is on the timeline and beside the metric it supports.
      expect(timeline).toContain("Game day: payments database failover");
      await expect(page.locator('#summary [data-metric="time_to_restore"] .card-evidence').innerText()).resolves.toContain("min to restore");
      // Tick labels of the timeline axis never overlap.
      const ticks = await page.locator("#plan-timeline .tl-tick").evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.right] as const));
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]![0]).toBeGreaterThanOrEqual(ticks[i - 1]![1] - 0.5);
      // Chart text: no two phase/milestone code labels overprint on the trend chart.
      const labels = await page.locator("#chart-deployments-weekly svg text").evaluateAll((els) =>
        els
          .filter((e) => /^(P\d+|M\d+(–\d+)?)$/.test(e.textContent ?? ""))
          .map((e) => {
            const r = e.getBoundingClientRect();
            return { x1: r.left, x2: r.right, y1: r.top, y2: r.bottom };
          }),
      );
      expect(labels.length).toBeGreaterThan(6);
      for (let i = 0; i < labels.length; i++)
        for (let j = i + 1; j < labels.length; j++) {
          const [a, b] = [labels[i]!, labels[j]!];
          expect(a.x2 <= b.x1 || b.x2 <= a.x1 || a.y2 <= b.y1 || b.y2 <= a.y1, `labels ${i} and ${j} overlap`).toBe(true);
        }
      await page.locator("#scorecard-section").screenshot({ path: join(SHOTS, "scorecard.png") });
      await page.locator("#timeline").screenshot({ path: join(SHOTS, "timeline.png") });
      const text = await page.evaluate(() => {
        const appendix = document.getElementById("appendix")!;
        const clone = document.body.cloneNode(true) as HTMLElement;
        clone.querySelector("#appendix")?.remove();
        clone.querySelectorAll("details.alt").forEach((d) => d.remove());
        return [clone.innerText, appendix.innerText.length] as const;
      });
      // Internal names only in the appendix.
      expect(text[0]).not.toMatch(/metrics\.pdp_comparison|incident_window_hours|seeds\./);
    } finally {
      await context.close();
    }
  });

  it("phone (390 px): no horizontal overflow, scorecard and charts readable", async () => {
    const { page, context } = await open(join(dir, "report", "index.html"), { viewport: { width: 390, height: 844 } });
    try {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(SHOTS, "phone-top.png") });
      await page.locator("#timeline").screenshot({ path: join(SHOTS, "phone-timeline.png") });
    } finally {
      await context.close();
    }
  });

  it("every slide at 1920×1080: story order, nothing past the slide, chart text ≥ 16 px, notes with N, click to move", async () => {
    const { page, context, errors } = await open(join(dir, "report", "slides.html"), { viewport: { width: 1920, height: 1080 } });
    try {
      const classes = await page.locator(".slide").evaluateAll((els) => els.map((e) => e.className));
      const kinds = classes.map((c) => (c.match(/\b(title|timeline-slide|scorecard-slide|metric-slide|reliability-slide|evidence-slide|next-slide|appendix)\b/) ?? [""])[0]);
      // title → timeline → scorecard → metrics → reliability → evidence → next → appendix
      const firstOf = (k: string) => kinds.indexOf(k);
      const story = ["title", "timeline-slide", "scorecard-slide", "metric-slide", "reliability-slide", "evidence-slide", "next-slide", "appendix"].map(firstOf);
      expect(story.every((i) => i >= 0)).toBe(true);
      expect([...story].sort((a, b) => a - b)).toEqual(story);
      for (let i = 1; i <= classes.length; i++) {
        await expect.poll(() => page.locator("body").getAttribute("data-slide")).toBe(String(i));
        const check = await page.evaluate(() => {
          const s = document.querySelector(".slide.active")!;
          const box = s.getBoundingClientRect();
          const outside = Array.from(s.querySelectorAll("*")).filter((e) => !e.closest("aside.notes")).map((e) => e.getBoundingClientRect()).filter((r) => r.height > 0 && (r.bottom > box.bottom + 1 || r.right > box.right + 1)).length;
          const sizes = Array.from(s.querySelectorAll("svg")).flatMap((svg) => {
            const scale = svg.getBoundingClientRect().width / (svg.viewBox.baseVal?.width || svg.getBoundingClientRect().width);
            return Array.from(svg.querySelectorAll("text")).filter((t) => (t.textContent ?? "").trim()).map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
          });
          return { outside, minFont: sizes.length ? Math.min(...sizes) : null };
        });
        expect(check.outside, `slide ${i}: elements past the slide`).toBe(0);
        if (check.minFont != null) expect(check.minFont, `slide ${i}: chart text`).toBeGreaterThanOrEqual(16);
        await page.screenshot({ path: join(SHOTS, `slide-1080p-${String(i).padStart(2, "0")}.png`) });
        if (i < classes.length) await page.keyboard.press("ArrowRight");
      }
      await page.keyboard.press("Home");
      await page.mouse.click(1700, 500);
      await expect.poll(() => page.locator("body").getAttribute("data-slide")).toBe("2");
      await expect(page.locator("#slide-no").textContent()).resolves.toBe("2");
      await page.keyboard.press("n");
      await expect(page.locator(".slide.active aside.notes").isVisible()).resolves.toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("report.pdf and slides.pdf: page numbers and the plan's name in the footer, no hover text, no mostly blank page", async () => {
    const pdf = join(dir, "report", "report.pdf");
    const slidesPdf = join(dir, "report", "slides.pdf");
    expect(statSync(slidesPdf).size).toBeGreaterThan(20_000);
    const out = join(dir, "pages");
    mkdirSync(out, { recursive: true });
    execFileSync("pdftoppm", ["-r", "30", pdf, join(out, "report")]);
    execFileSync("pdftoppm", ["-r", "20", slidesPdf, join(out, "slides")]);
    const reportPages = readdirSync(out).filter((f) => f.startsWith("report")).sort();
    const slidePages = readdirSync(out).filter((f) => f.startsWith("slides")).sort();
    expect(reportPages.length).toBeGreaterThan(3);
    const slideCount = (readFileSync(join(dir, "report", "slides.html"), "utf8").match(/<section class="slide /g) ?? []).length;
    expect(slidePages.length).toBe(slideCount);
    const ratios = reportPages.map((f) => fillRatio(readFileSync(join(out, f))));
    ratios.slice(0, -1).forEach((r, i) => expect(r, `report.pdf page ${i + 1} is ${Math.round(r * 100)} % filled`).toBeGreaterThanOrEqual(0.3));
    const text = execFileSync("pdftotext", ["-layout", pdf, "-"]).toString();
    expect(text).not.toMatch(/\bhover\b/i);
    expect(text).toContain(`Page 1 of ${reportPages.length}`);
    expect(text).toContain("Acme Payments");
    // Intervals that are hover-only on screen are printed.
    expect(text).toMatch(/95 % CI/);
    execFileSync("pdftoppm", ["-png", "-r", "40", "-f", "1", "-l", "2", pdf, join(SHOTS, "report-pdf-page")]);
  });
});

describe("escaping in the browser", () => {
  it("a milestone, phase, route and title <script>alert(1)</script> render as text and never run", async () => {
    await withTempDir(async (out) => {
      const w = await Warehouse.open(":memory:");
      try {
        await createReportFixture(w, { hostile: true });
        await buildReport(w, { out, pdf: false, now: new Date("2026-12-01T08:00:00Z") });
      } finally {
        w.close();
      }
      for (const file of ["index.html", "slides.html"]) {
        const { page, context, errors, dialogs } = await open(join(out, file));
        try {
          expect(dialogs).toEqual([]);
          expect(errors).toEqual([]);
          expect(await page.title()).toContain(HOSTILE);
          if (file === "index.html") {
            await expect(page.locator("dl.plan-key").first().innerText()).resolves.toContain(HOSTILE);
            await expect(page.locator("#plan-timeline").innerText()).resolves.toContain(HOSTILE);
            await expect(page.locator("#summary").innerText()).resolves.toContain(`POST /pay${HOSTILE}`);
            // one script runs; the evidence lists are data (a title "</script>…" cannot end their element)
            await expect(page.locator("script:not([type])").count()).resolves.toBe(1);
            await expect(page.locator('script[type="application/json"]').count()).resolves.toBe(1);
            const df = page.locator('#summary [data-metric="deployment_frequency"]');
            await df.locator("details.items summary").click();
            await expect.poll(() => df.locator(".items-table tbody tr").count()).toBeGreaterThan(1);
            const hrefs = await df.locator(".items-table a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
            expect(hrefs.length).toBeGreaterThan(0);
            for (const h of hrefs) expect(h).toMatch(/^https:\/\//);
            await df.locator("input[type=search]").fill("</script>");
            const hostileCells = df.locator(".items-table td", { hasText: HOSTILE });
            await expect.poll(() => hostileCells.count()).toBe(2);
            // a javascript: url is no link: the hostile rows' titles are plain text
            await expect(hostileCells.locator("a").count()).resolves.toBe(0);
            expect(dialogs).toEqual([]);
            expect(errors).toEqual([]);
          }
        } finally {
          await context.close();
        }
      }
    });
  });
});
