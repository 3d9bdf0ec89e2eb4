import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findChromium, PDF_SKIPPED } from "../../../reports/pdf.ts";
import { buildReport } from "../../../reports/render.ts";
import { createReportFixture, HOSTILE } from "../../fixtures/report/fixture.ts";
import { withMemoryWarehouse, withTempDir } from "../../helpers/db.ts";

const NOW = new Date("2026-12-01T08:00:00Z");

async function build(options: Parameters<typeof createReportFixture>[1] = {}) {
  return withTempDir((dir) =>
    withMemoryWarehouse(async (w) => {
      await createReportFixture(w, options);
      const steps: string[] = [];
      const result = await buildReport(w, { out: dir, pdf: false, now: NOW, toolVersion: "9.9.9-test", onProgress: (s) => steps.push(s) });
      const index = readFileSync(join(dir, "index.html"), "utf8");
      const slides = readFileSync(join(dir, "slides.html"), "utf8");
      const csvs = readdirSync(join(dir, "data")).sort();
      const files = new Map(csvs.map((name) => [name, readFileSync(join(dir, "data", name), "utf8")]));
      const csv = (name: string) => files.get(name) ?? "";
      return { result, index, slides, csvs, csv, steps, size: statSync(join(dir, "index.html")).size, dir };
    }),
  );
}

describe("buildReport on the fixture", () => {
  it("writes index.html, slides.html and one CSV per chart, every chart drawn", async () => {
    const r = await build();
    expect(r.result.warnings).toEqual([]);
    expect(r.steps).toContain("rendering charts");
    const ids = [...r.index.matchAll(/<figure class="chart [a-z]+" id="chart-([^"]+)"/g)].map((m) => m[1]!);
    expect(ids).toEqual(expect.arrayContaining(["deployments-weekly", "lead-time-weekly", "restore-weekly", "change-failure-rate", "oncall-load", "lead-time-distribution", "restore-distribution", "lead-time-stages", "latency-payments-api-post-payments", "service-search", "availability-weekly", "pipeline-time-weekly", "cost-per-transaction-monthly"]));
    // one CSV per chart, and the comparisons behind the cards and tables
    expect(r.csvs).toEqual([...ids.map((id) => `${id}.csv`), "comparison.csv"].sort());
    const comparison = r.csv("comparison.csv").trim().split("\r\n");
    expect(comparison[0]).toMatch(/^metric,service,status,verdict,measured_by,/);
    expect(comparison.find((l) => l.startsWith("lead_time,*,measured,"))).toBeDefined();
    for (const id of ids) {
      const fig = r.index.slice(r.index.indexOf(`id="chart-${id}"`));
      const body = fig.slice(0, fig.indexOf("</figure>"));
      expect(body, id).toMatch(/<svg[^>]*class="dora-plot"/);
      expect(body, id).toContain("<figcaption><h3>");
      expect(body, id).toContain('class="desc"');
      expect(body, id).toContain("<table class=\"data-table\">");
    }
    expect(r.csv("deployments-weekly.csv").split("\r\n")[0]).toBe("week starting,deployments,rolling median (5 weeks)");
  });

  it("shows the scorecard first, then the plan timeline, then the summary with verdicts, tiers and sentences; insufficient data as words", async () => {
    const { index } = await build();
    const summary = index.slice(index.indexOf('id="summary"'), index.indexOf('id="trends"'));
    expect(index.indexOf('id="scorecard"')).toBeGreaterThan(index.indexOf("</header>"));
    expect(index.indexOf('id="scorecard"')).toBeLessThan(index.indexOf('id="plan-timeline"'));
    expect(index.indexOf('id="plan-timeline"')).toBeLessThan(index.indexOf('id="summary"'));
    expect(index.indexOf('id="summary"')).toBeLessThan(index.indexOf('<figure class="chart'));
    expect(summary).toContain("Median time to restore fell from 5.2\u00a0h to 1.1\u00a0h, −79\u00a0% (95\u00a0% CI −88\u00a0% to −61\u00a0%).");
    expect(summary).toContain("DORA 2024 tier: Medium → <strong>High</strong>");
    const ack = summary.slice(summary.indexOf('data-metric="time_to_acknowledge"'));
    const ackCard = ack.slice(0, ack.indexOf("</article>"));
    expect(ackCard).toContain("insufficient data");
    expect(ackCard).not.toMatch(/\d\s?(min|%)/);
    expect(summary).toContain('class="card improved"');
    expect(summary).toContain('class="card no-clear-change"');
    expect(summary).toContain('<p class="change good">');
  });

  it("shows a Plan KPIs group after the DORA cards, formatted by unit, insufficient data in words", async () => {
    const { index } = await build();
    const summary = index.slice(index.indexOf('id="summary"'), index.indexOf('id="trends"'));
    const group = summary.slice(summary.indexOf('id="plan-kpis-h"'));
    expect(summary.indexOf('data-metric="pages_per_week"')).toBeLessThan(summary.indexOf('id="plan-kpis-h"'));
    const cardOf = (metric: string) => {
      const at = group.indexOf(`data-metric="${metric}"`);
      expect(at, metric).toBeGreaterThan(-1);
      return group.slice(at, group.indexOf("</article>", at)).replace(/\u00a0/g, " ");
    };
    const metrics = [...group.matchAll(/data-metric="([^"]+)"/g)].map((m) => m[1]);
    expect(metrics).toEqual(["availability", "error_budget_spent", "burn_rate_episodes", "pipeline_time", "pipeline_time_p90", "cost_per_transaction", "kpi:flaky_test_share", "kpi:merged_prs_per_day"]);
    expect(cardOf("availability")).toContain('<span class="from">99.891 %</span>');
    expect(cardOf("availability")).toContain('<strong class="to">99.955 %</strong>');
    expect(cardOf("availability")).toContain("+0.06 pp");
    expect(cardOf("pipeline_time")).toContain("Median deployment pipeline time fell from 31 min to 16 min, −47 %");
    expect(cardOf("cost_per_transaction")).toContain("0.035 EUR per 1,000 transactions");
    expect(cardOf("cost_per_transaction")).toContain("0.0242 EUR per 1,000 transactions");
    expect(cardOf("cost_per_transaction")).toContain('<strong class="to">0.0242</strong><span class="unit">EUR per 1,000 transactions</span>'); // the unit once, after the pair
    expect(cardOf("kpi:merged_prs_per_day")).toContain("8 PRs/day");
    expect(cardOf("kpi:merged_prs_per_day")).toContain("(higher is better)");
    expect(cardOf("kpi:flaky_test_share")).toContain("Share of CI runs retried for a flaky test"); // the label from metrics.kpi_periods
    const flaky = cardOf("kpi:flaky_test_share");
    expect(group).toContain('<article class="card insufficient-data" data-metric="kpi:flaky_test_share">');
    expect(flaky).toContain("insufficient data");
    expect(flaky.replace(/<p class="target[^]*?<\/p>/, "")).not.toMatch(/\d\s?%|5\.2/); // no value, only the counts in words
    expect(group).toContain("7 of 8 plan KPIs improved clearly; 1 has too little data to judge. Targets: 3 met, 1 not met, 1 not assessed.");
  });

  it("puts a target badge on every card with a target: met, not met, not assessed, in words and colour", async () => {
    const { index, slides } = await build();
    const badge = (page: string, metric: string) => {
      const at = page.indexOf(`data-metric="${metric}"`, Math.max(0, page.indexOf('id="summary"')));
      const card = page.slice(at, page.indexOf("</article>", at));
      return /<p class="target ([a-z-]+)"><span aria-hidden="true">(.)<\/span> ([^<]*)<\/p>/.exec(card)?.slice(1).map((s) => s.replace(/\u00a0/g, " ").replaceAll("&lt;", "<").replaceAll("&gt;", ">"));
    };
    expect(badge(index, "change_failure_rate")).toEqual(["met", "✓", "Target < 15 %: met"]);
    expect(badge(index, "lead_time")).toEqual(["not-met", "✗", "Target < 12 h: not met"]);
    expect(badge(index, "availability")).toEqual(["met", "✓", "Target ≥ 99.9 %: met"]);
    expect(badge(index, "pipeline_time")).toEqual(["met", "✓", "Target change ≤ −40 %: met"]);
    expect(badge(index, "pipeline_time_p90")).toEqual(["not-met", "✗", "Target < 20 min: not met"]);
    expect(badge(index, "kpi:flaky_test_share")).toEqual(["not-assessed", "–", "Target < 2 %: not assessed"]);
    expect(badge(index, "deployment_frequency")).toBeUndefined(); // no target in the plan: no badge
    expect(index).toMatch(/\.target\.met \{ color: var\(--good\)/);
    // the plan KPI slide: the same cards with their badges
    const kpiSlide = slides.slice(slides.indexOf('class="slide kpi-slide'));
    expect(kpiSlide.slice(0, kpiSlide.indexOf("</section>"))).toContain("Plan KPIs");
    expect(badge(kpiSlide, "pipeline_time_p90")).toEqual(["not-met", "✗", "Target < 20 min: not met"]);
    expect(badge(kpiSlide, "kpi:flaky_test_share")).toEqual(["not-assessed", "–", "Target < 2 %: not assessed"]);
    expect(kpiSlide.slice(0, kpiSlide.indexOf("</section>"))).toContain('<p class="kv insufficient">insufficient data</p>');
  });

  it("draws availability with target and burn-rate episodes, the error budget table, pipeline time and cost", async () => {
    const { index, csv } = await build();
    const fig = (id: string) => {
      const at = index.indexOf(`id="chart-${id}"`);
      return index.slice(at, index.indexOf("</figure>", at));
    };
    expect(fig("availability-weekly")).toContain("against the 99.90\u00a0% target (dashed)");
    expect(fig("availability-weekly")).toContain("Burn-rate episodes started that week, page severity (upper row under the axis)");
    expect(fig("availability-weekly")).toMatch(/<title>\d{4}-\d\d-\d\d week: \d+ page-severity episodes?; \d+ services?, peak burn rate [\d.]+×<\/title>/);
    expect(csv("availability-weekly.csv").split("\r\n")[0]).toBe("week starting,availability,target,good requests,total requests,page episodes started,ticket episodes started,peak burn rate");
    const episodes = csv("availability-weekly.csv").trim().split("\r\n").slice(1).reduce((n, line) => n + Number(line.split(",")[5]) + Number(line.split(",")[6]), 0);
    expect(episodes).toBeGreaterThan(0);
    const budget = index.slice(index.indexOf('id="error-budget"'), index.indexOf("</table>", index.indexOf('id="error-budget"')));
    expect(budget).toContain("<td>payments-api</td><td>baseline</td><td class=\"num\">99.891\u00a0%</td><td class=\"num\">99.9\u00a0%</td><td class=\"num over\">109\u00a0% (over budget)</td>");
    expect(budget).toContain("<td>All services</td><td>final</td>");
    expect(budget).toContain("– (no target)");
    expect(csv("pipeline-time-weekly.csv").split("\r\n")[0]).toBe("week starting,runs,median minutes,p90 minutes");
    expect(fig("cost-per-transaction-monthly")).toContain("in EUR per 1,000 transactions");
    expect(csv("cost-per-transaction-monthly.csv").split("\r\n")[0]).toBe("month,cost,currency,transactions,cost per transaction,\"cost EUR per 1,000 transactions\"");
    expect(index).toContain('<a href="#kpis">Plan KPIs</a>');
  });

  it("warehouses without the KPI tables get 'no data' notes and no KPI cards, not errors", async () => {
    const omit = ["metrics.availability", "metrics.availability_windows", "metrics.availability_burn_episodes", "metrics.pipeline_time", "metrics.cost_per_transaction", "metrics.kpi_periods"];
    const r = await build({ omit });
    for (const t of omit) expect(r.result.warnings.join("\n")).toContain(t);
    expect(r.index).toContain("No data: metrics.availability is absent (the warehouse predates plan KPIs; run the transforms again).");
    expect(r.index).toContain("No data: metrics.availability_windows is absent");
    expect(r.index).toContain("No data: metrics.pipeline_time is absent");
    expect(r.index).toContain("No data: metrics.cost_per_transaction is absent");
    expect(r.csv("availability-weekly.csv").split("\r\n")[0]).toContain("week starting");
    // pdp_comparison still has the KPI rows; the custom KPI falls back to its name
    expect(r.index).toContain("Flaky test share");
  });

  it("is self-contained: no external reference, a strict CSP, the methods facts", async () => {
    const { index, slides, size } = await build();
    // the evidence lists carry the items' source pages as data for links a reader may click: nothing loads them
    const lists = /<script type="application\/json" id="item-lists-data">([^<]*)<\/script>/.exec(index);
    expect(lists?.[1]).toMatch(/"https:\/\/github\.example\/acme\/[a-z-]+\/deployments\/\d+"/);
    for (const page of [index.replace(lists![0], ""), slides]) {
      const withoutNs = page.replaceAll('xmlns="http://www.w3.org/2000/svg"', "");
      expect(withoutNs).not.toMatch(/https?:\/\//);
      expect(page).not.toMatch(/<link\b|<img\b|<iframe\b|@import|url\(/);
      expect(page.replaceAll("&#39;", "'")).toMatch(/Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-/);
    }
    expect(index).toContain("sha256:fixture0123456789");
    expect(index).toContain("dora 9.9.9-test");
    expect(index).toContain("2026-12-01 08:00 UTC");
    expect(index).toContain("2024 report thresholds");
    expect(size).toBeLessThan(2_000_000);
  });

  it("escapes labels from config and data: <script>alert(1)</script> renders as text", async () => {
    const { index, slides, csv } = await build({ hostile: true });
    for (const page of [index, slides]) {
      expect(page).not.toContain(HOSTILE);
      expect(page).not.toContain("<script>alert");
      expect(page.match(/<script>/g)?.length).toBe(1); // our own inline script only
    }
    expect(index).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(index).toContain("<title>Plan review &lt;script&gt;alert(1)&lt;/script&gt;</title>");
    expect(csv("latency-payments-api-post-pay-script-alert-1-script.csv")).toContain("week starting");
  });

  it("still builds with tables absent, saying 'no data' where they would be", async () => {
    const r = await build({ omit: ["metrics.latency_p99", "metrics.slo", "metrics.data_quality", "metrics.lead_time_items", "metrics.oncall_load"] });
    expect(r.result.warnings.join("\n")).toContain("metrics.latency_p99");
    expect(r.index).toContain("No data: no changes in the baseline or final window (metrics.lead_time_items).");
    expect(r.index).toContain("No data: metrics.data_quality is absent.");
    expect(r.index).toContain("No data: no pages in metrics.oncall_load.");
    expect(r.index).toMatch(/id="chart-latency-payments-api-post-payments"[\s\S]*?No data: no latency histogram/);
  });

  it("with no metrics at all, every section says so instead of failing", async () => {
    await withTempDir((dir) =>
      withMemoryWarehouse(async (w) => {
        const result = await buildReport(w, { out: dir, pdf: false, now: NOW });
        const index = readFileSync(join(dir, "index.html"), "utf8");
        expect(result.warnings[0]).toContain("metrics.pdp_comparison");
        expect(index).toContain("No data: no deployments in metrics.deployment_frequency.");
        expect(index).toContain("no comparison in metrics.pdp_comparison");
        expect(existsSync(join(dir, "slides.html"))).toBe(true);
      }),
    );
  });

  it("leaves partial first and last weeks out of weekly charts and says so", async () => {
    const { index, csv } = await build();
    const rows = csv("deployments-weekly.csv").trim().split("\r\n");
    // Charts span the baseline with a 4-week lead-in to the plan's end: the data's first weeks (from 6 Oct) are not drawn.
    expect(rows[1]!.startsWith("2025-11-03,")).toBe(true);
    expect(index).toContain("4 weeks before the baseline window");
    expect(index).toContain("4 earlier weeks of data are not drawn");
    expect(rows.at(-1)!.startsWith("2026-11-23,")).toBe(true); // the week of 30 Nov runs past the data
    expect(index).toContain("Weeks only partly covered by the data are left out (weeks starting 2026-11-30)");
  });
});

describe("PDF step", () => {
  it("finds Chromium through CHROMIUM_PATH first, and says clearly when there is none", () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
    expect(findChromium({ CHROMIUM_PATH: "/nonexistent/chromium" }, [])).toBeUndefined();
    expect(PDF_SKIPPED).toBe("PDF skipped: Chromium not found (install the 'chromium' package or set CHROMIUM_PATH)");
  });
});

describe("PDF step when Chromium cannot run", () => {
  it('"auto" keeps the HTML report and warns; true fails with the reason', async () => {
    await withTempDir((dir) =>
      withMemoryWarehouse(async (w) => {
        await createReportFixture(w);
        const saved = process.env.CHROMIUM_PATH;
        process.env.CHROMIUM_PATH = "/bin/false"; // found and executable, but not a browser
        try {
          const result = await buildReport(w, { out: dir, pdf: "auto", now: NOW });
          expect(result.warnings.join("\n")).toMatch(/^PDF skipped: Chromium at \/bin\/false failed: /m);
          expect(result.files.some((f) => f.endsWith("report.pdf"))).toBe(false);
          expect(existsSync(join(dir, "index.html"))).toBe(true);
          await expect(buildReport(w, { out: dir, pdf: true, now: NOW })).rejects.toThrow(/cannot print the PDF: Chromium at \/bin\/false failed/);
        } finally {
          if (saved === undefined) delete process.env.CHROMIUM_PATH;
          else process.env.CHROMIUM_PATH = saved;
        }
      }),
    );
  });
});
