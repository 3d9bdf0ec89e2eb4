import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { rollingMedian, toSvg, type PlanContext } from "../../../reports/charts/common.ts";
import { distributionChart, durationTicks } from "../../../reports/charts/distribution.ts";
import { availabilityChart, costChart, pipelineTimeChart } from "../../../reports/charts/kpi.ts";
import { latencyChart } from "../../../reports/charts/latency.ts";
import { oncallChart } from "../../../reports/charts/oncall.ts";
import { rateBandChart } from "../../../reports/charts/rate-band.ts";
import { sparklineChart } from "../../../reports/charts/sparkline.ts";
import { stagesChart } from "../../../reports/charts/stages.ts";
import { trendChart } from "../../../reports/charts/trend.ts";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { inCi, matchSnapshot, OUTPUT } from "./snapshot.ts";

const { document: doc } = parseHTML("<!doctype html><html><body></body></html>");
const document = doc as unknown as Document;
const d = (s: string) => new Date(`${s}T00:00:00Z`);
const DAY = 86_400_000;

const plan: PlanContext = {
  phases: [
    { name: "Foundations", from: d("2026-01-05"), to: d("2026-02-15") },
    { name: "Automation <b>", from: d("2026-02-16"), to: d("2026-03-29") },
  ],
  milestones: [{ date: d("2026-02-20"), label: "Canary" }],
  baseline: { from: d("2026-01-05"), to: d("2026-01-25") },
  final: { from: d("2026-03-09"), to: d("2026-03-29") },
};
const xDomain: [Date, Date] = [d("2026-01-05"), d("2026-03-30")];
const weeks = Array.from({ length: 12 }, (_, i) => new Date(d("2026-01-05").getTime() + i * 7 * DAY));
const values = [3, 4, 2, 5, 6, 5, 7, 8, 7, 9, 10, 9];
const rolling = rollingMedian(values, 5);
const trendRows = weeks.map((date, i) => ({ date, value: values[i]!, rolling: rolling[i]! }));

function snap(name: string, el: Element) {
  const svg = toSvg(el);
  expect(svg.startsWith("<svg")).toBe(true);
  const result = matchSnapshot(name, svg);
  expect(result.ok, result.message).toBe(true);
  return svg;
}

describe("chart snapshots (test/output/*.svg; a -changed.svg is written on mismatch)", () => {
  it("trend: weekly series with rolling median over phases, windows and milestones", () => {
    const svg = snap("trend", trendChart(trendRows, { document, plan, xDomain, yLabel: "Deployments", title: "Deployments per week" }));
    // Phases carry their codes on the chart; full names live in the key under it (no cut "Foundat…").
    expect(svg).toMatch(/>P1<\/text>/);
    expect(svg).toMatch(/>P2<\/text>/);
    expect(svg).toContain("M1");
    expect(svg).not.toContain("Foundations");
    expect(svg).not.toContain("…");
    expect(svg).toContain('aria-label="Deployments per week"');
  });

  it("rate band: change failure rate with its interval", () => {
    const rows = weeks.slice(0, 3).map((date, i) => ({ date, rate: [0.2, 0.15, 0.1][i]!, low: [0.1, 0.08, 0.05][i]!, high: [0.32, 0.25, 0.18][i]! }));
    const svg = snap("rate-band", rateBandChart(rows, { document, plan, xDomain, yLabel: "Change failure rate" }));
    expect(svg).toContain("20 %");
  });

  it("distribution: baseline versus final box plots on a log scale, n in the labels", () => {
    const rows = [1, 2, 3, 5, 8, 13, 21, 40].flatMap((v) => [
      { window: "Baseline" as const, value: v * 3 },
      { window: "Final" as const, value: v },
    ]);
    const svg = snap("distribution", distributionChart([...rows, { window: "Final", value: 0 }], { document, xLabel: "log scale" }));
    expect(svg).toContain("Baseline (n=8)");
    expect(svg).toContain("Final (n=8)"); // the 0 cannot sit on a log scale and is not drawn
  });

  it("latency: p99 against the SLO threshold", () => {
    const svg = snap("latency", latencyChart(weeks.map((date, i) => ({ date, p99: 0.5 - i * 0.02 })), { document, plan, xDomain, threshold: 0.3 }));
    expect(svg).toContain("300 ms");
  });

  it("on-call: pages per week stacked by working hours and after hours", () => {
    snap("oncall", oncallChart(weeks.map((date, i) => ({ date, inHours: 6 - (i % 3), afterHours: 3 - (i % 2) })), { document, plan, xDomain }));
  });

  it("stages: lead-time stage breakdown before and after, with totals", () => {
    const rows = (["Baseline", "Final"] as const).flatMap((window, w) =>
      (["coding", "pickup", "review", "deploy"] as const).map((stage, i) => ({ window, stage, hours: (w ? 2 : 8) * (i + 1) })),
    );
    const svg = snap("stages", stagesChart(rows, { document }));
    expect(svg).toContain("80.0 h"); // baseline total 8+16+24+32
    expect(svg).not.toContain("median lead time");
  });

  it("stages: the headline median lead time of each window is marked on its row, inside the axis", () => {
    const rows = (["Baseline", "Final"] as const).flatMap((window, w) =>
      (["coding", "pickup", "review", "deploy"] as const).map((stage, i) => ({ window, stage, hours: (w ? 2 : 8) * (i + 1) })),
    );
    // the medians of the sums (120 h, 31 h) exceed the sums of the medians (80 h, 20 h), as with skewed stages
    const svg = snap("stages-reference", stagesChart(rows, { document, reference: [{ window: "Baseline", hours: 120 }, { window: "Final", hours: 31 }] }));
    expect(svg).toContain("median lead time 120.0 h");
    expect(svg).toContain("median lead time 31.0 h");
    // the x axis reaches past the longest mark: a tick at 120
    expect(svg).toMatch(/>120<\/text>/);
  });

  it("availability: weekly share against the target, burn-rate episodes counted per week on a strip under the axis", () => {
    const rows = weeks.map((date, i) => ({ date, availability: 0.9985 + i * 0.0001 }));
    // 50 services' worth in week 1 (too many ticks to tell apart): one cell with its count
    const episodes = [
      { week: weeks[1]!, page: 48, ticket: 75, label: "50 services, peak burn rate 22.0×" },
      { week: weeks[4]!, page: 0, ticket: 1, label: "search <b>" },
    ];
    const svg = snap("availability", availabilityChart(rows, { document, plan, xDomain, target: 0.999, episodes, title: "Availability" }));
    expect(svg).toContain("99.90 %"); // the axis shows the nines
    expect(svg).toContain("<title>2026-01-12 week: 48 page-severity episodes; 50 services, peak burn rate 22.0×</title>");
    expect(svg).toContain("<title>2026-02-02 week: 1 ticket-severity episode; search &lt;b&gt;</title>");
    // three cells (no page cell for the week without one), each with its count
    expect(svg.match(/<title>[^<]* page-severity episode/g)?.length).toBe(1);
    expect(svg.match(/<title>[^<]* ticket-severity episode/g)?.length).toBe(2);
    // the strip lies under the axis: every cell starts below the plot's floor (y = 250 in a 280 px tall plot area)
    for (const y of [...svg.matchAll(/<rect fill-opacity="[\d.]+" height="[\d.]+" width="[\d.]+" y="([\d.]+)"/g)].map((m) => Number(m[1]))) expect(y).toBeGreaterThan(260);
    for (const n of ["48", "75", "1"]) expect(svg).toContain(`>${n}</text>`);
    expect(svg).toContain('stroke-dasharray="5,4"'); // the target line
  });

  it("pipeline time: weekly median and dashed p90", () => {
    const svg = snap("pipeline-time", pipelineTimeChart(weeks.map((date, i) => ({ date, median: 30 - i, p90: i === 3 ? null : 45 - i * 1.5 })), { document, plan, xDomain }));
    expect(svg).toContain('stroke-dasharray="5,3"');
    expect(svg).toContain("Minutes");
  });

  it("cost per transaction: monthly, per 1,000 transactions", () => {
    const rows = [0, 1, 2].map((m) => ({ date: new Date(Date.UTC(2026, m, 1)), value: [0.035, 0.031, null][m]! }));
    const svg = snap("cost", costChart(rows, { document, plan, xDomain, yLabel: "EUR per 1,000 transactions" }));
    expect(svg).toContain("EUR per 1,000 transactions");
    expect(svg.match(/<circle/g)?.length).toBe(2); // the month without a value is not drawn
  });

  it("sparkline: one service's small multiple", () => {
    snap("sparkline", sparklineChart(trendRows, { document, plan, xDomain, yDomain: [0, 12] }));
  });
});

describe("snapshot helper", () => {
  it("writes a -changed.svg beside the snapshot on a mismatch, and removes it once they agree", () => {
    const name = "zz-snapshot-selftest";
    const files = [join(OUTPUT, `${name}.svg`), join(OUTPUT, `${name}-changed.svg`)];
    try {
      expect(matchSnapshot(name, "<svg><g></g></svg>", { ci: false }).ok).toBe(true);
      const mismatch = matchSnapshot(name, "<svg><g><line></line></g></svg>");
      expect(mismatch.ok).toBe(false);
      expect(readFileSync(files[1]!, "utf8")).toContain("<line>");
      expect(matchSnapshot(name, "<svg><g></g></svg>").ok).toBe(true);
      expect(existsSync(files[1]!)).toBe(false);
    } finally {
      for (const f of files) rmSync(f, { force: true });
    }
  });

  it("fails in CI when the snapshot is missing, and writes nothing", () => {
    const name = "zz-snapshot-selftest-ci";
    const file = join(OUTPUT, `${name}.svg`);
    try {
      const missing = matchSnapshot(name, "<svg></svg>", { ci: true });
      expect(missing).toEqual({ ok: false, message: expect.stringContaining(`${name}.svg has no snapshot`) });
      expect(existsSync(file)).toBe(false);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it.each([
    [{ CI: "true" }, true],
    [{ CI: "1" }, true],
    [{ CI: "false" }, false],
    [{}, false],
  ])("reads CI from the environment: %j → %s", (env, expected) => {
    expect(inCi(env)).toBe(expected);
  });
});

describe("chart helpers", () => {
  it.each([
    [[1, 3, 2], 3, [1, 2, 2]],
    [[null, 4, null, 6], 2, [null, 4, 4, 6]],
  ])("rollingMedian(%j, k=%i) = %j", (input, k, expected) => {
    expect(rollingMedian(input as (number | null)[], k)).toEqual(expected);
  });

  it("duration ticks stay within the data and are spaced on the log scale", () => {
    const ticks = durationTicks(0.2, 400);
    expect(ticks.length).toBeGreaterThan(2);
    expect(ticks.length).toBeLessThanOrEqual(6);
    expect(ticks[0]![0]).toBeGreaterThanOrEqual(0.2);
    expect(ticks.at(-1)![0]).toBeLessThanOrEqual(400);
  });
});
