/**
 * The plan's presentation helpers: time ticks that never overprint, milestone codes that merge when
 * they would collide, the chart span (baseline with a short lead-in → end of plan) and safe Markdown.
 */
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { milestoneLabels, timeTicks } from "../../../reports/charts/common.ts";
import type { ReportData } from "../../../reports/data.ts";
import { renderMarkdown } from "../../../reports/markdown.ts";
import { chartSpan, LEAD_IN_DAYS } from "../../../reports/pages/context.ts";
import { parseConfig } from "../../../schemas/load-config.ts";

const d = (s: string) => new Date(`${s}T00:00:00Z`);
const DAY = 86_400_000;

describe("timeTicks", () => {
  it("thins ticks to what the width fits at every span, from 3 months to 10 years", () => {
    for (const [from, to] of [["2026-01-01", "2026-04-01"], ["2025-12-01", "2026-12-01"], ["2021-01-01", "2026-01-01"], ["2016-01-01", "2026-12-01"]] as const) {
      for (const width of [160, 300, 850]) {
        const { ticks } = timeTicks([d(from), d(to)], width);
        const span = d(to).getTime() - d(from).getTime();
        const px = ticks.map((t) => ((t.getTime() - d(from).getTime()) / span) * width);
        for (let i = 1; i < px.length; i++) expect(px[i]! - px[i - 1]!, `${from}–${to} at ${width}px`).toBeGreaterThanOrEqual(58 * 0.9);
        expect(ticks.length, `${from}–${to} at ${width}px`).toBeGreaterThan(0);
      }
    }
  });

  it("gives a tick per month over a 12-month plan at full width, and only years over ten years", () => {
    expect(timeTicks([d("2025-12-01"), d("2026-12-01")], 850).step).toBe(1);
    const tenYears = timeTicks([d("2016-01-01"), d("2026-12-01")], 850);
    expect(tenYears.step).toBeGreaterThanOrEqual(12);
    expect(tenYears.ticks.every((t) => t.getUTCMonth() === 0)).toBe(true);
  });
});

describe("milestoneLabels", () => {
  it("merges codes that would overprint into one label and keeps distant ones apart", () => {
    const ms = [{ date: d("2026-01-10") }, { date: d("2026-01-12") }, { date: d("2026-06-01") }];
    expect(milestoneLabels(ms, [d("2026-01-01"), d("2027-01-01")], 850).map((m) => m.text)).toEqual(["M1–2", "M3"]);
    expect(milestoneLabels(ms, [d("2026-01-01"), d("2026-02-01")], 850).map((m) => m.text)).toEqual(["M1", "M2", "M3"]);
  });
});

describe("chartSpan", () => {
  const data = (dataFrom: string) =>
    ({
      windows: { plan: { from: d("2025-12-01"), to: d("2026-11-30") }, baseline: { from: d("2025-12-01"), to: d("2026-01-31") }, final: { from: d("2026-10-01"), to: d("2026-11-30") } },
      phases: [],
      dataRange: { from: d(dataFrom), to: d("2026-11-23") },
    }) as unknown as ReportData;

  it("runs from the baseline with at most a short lead-in to the end of the plan, whatever the history", () => {
    const [from, to] = chartSpan(data("2016-03-07"))!;
    expect(from.getTime()).toBe(d("2025-12-01").getTime() - LEAD_IN_DAYS * DAY);
    expect(to.toISOString().slice(0, 10)).toBe("2026-12-01");
  });

  it("starts at the data when it begins inside the lead-in", () => {
    expect(chartSpan(data("2025-11-24"))![0].toISOString().slice(0, 10)).toBe("2025-11-24");
  });
});

describe("renderMarkdown", () => {
  it("renders headings, lists, emphasis, code and http(s) links", () => {
    const out = renderMarkdown("# Game day\n\nRestored in **38 min**, *two* alerts late.\n\n- runbook `v2`\n- [report](https://wiki.example/gd?a=1&b=2)\n").value;
    expect(out).toContain("<h4>Game day</h4>");
    expect(out).toContain("<strong>38 min</strong>");
    expect(out).toContain("<em>two</em>");
    expect(out).toContain("<li>runbook <code>v2</code></li>");
    expect(out).toContain('<a href="https://wiki.example/gd?a=1&amp;b=2" rel="noopener noreferrer">report</a>');
  });

  it("never lets markup, script URLs or remote images through", () => {
    const out = renderMarkdown(
      '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [y](data:text/html,hi) ![pic](https://evil.example/t.png) [z](https://ok.example/"onmouseover=alert(1))',
    ).value;
    const { document } = parseHTML(`<!doctype html><html><body>${out}</body></html>`);
    expect(document.querySelectorAll("script, img, iframe, object").length).toBe(0);
    const elements = Array.from(document.body.querySelectorAll("*"));
    expect(elements.flatMap((e) => Array.from(e.attributes).map((a) => a.name)).filter((n) => n.startsWith("on"))).toEqual([]);
    expect(Array.from(document.querySelectorAll("a")).map((a) => a.getAttribute("href"))).toEqual([]);
    expect(out).not.toContain("evil.example");
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out).toContain("pic");
  });
});

describe("config evidence and next", () => {
  const base = `plan:\n  start: 2026-01-01\n  phases:\n    - { name: CI/CD, from: 2026-01-01, to: 2026-06-30 }\nservices:\n  api: {}\n`;
  it("accepts evidence by phase number or name and next targets", () => {
    const c = parseConfig(`${base}evidence:\n  - { date: 2026-03-01, phase: 1, title: Game day, number: 38, unit: min, link: "https://wiki.example/gd" }\n  - { date: 2026-04-01, phase: CI/CD, title: Workshop }\nnext:\n  - { title: Deploy on demand, target: ">= 50 per week" }\n`);
    expect(c.evidence).toHaveLength(2);
    expect(c.next[0]!.title).toBe("Deploy on demand");
  });

  it("names the evidence item whose phase does not exist, and refuses non-http links", () => {
    expect(() => parseConfig(`${base}evidence:\n  - { date: 2026-03-01, phase: 3, title: Game day }\n`)).toThrow(/evidence\.0\.phase|evidence\[0\]\.phase|Game day.*phase 3/);
    expect(() => parseConfig(`${base}evidence:\n  - { date: 2026-03-01, title: X, link: "javascript:alert(1)" }\n`)).toThrow(/link must be an http\(s\) URL/);
  });
});
