import { describe, expect, it } from "vitest";
import { parseConfig, ConfigError } from "../../../schemas/load-config.ts";
import { comparisonWindows, localDate, resolvePlan } from "../../../schemas/config.ts";

function problems(text: string): string[] {
  try {
    parseConfig(text, "dora.config.yaml");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const plan = (lines: string) => `plan:\n  start: 2026-01-01\n${lines}services:\n  api: {}\n`;

describe("plan windows", () => {
  it("refuses a 3-month plan's default windows, naming both (Jan–Feb and Feb–Mar overlap in February)", () => {
    const found = problems(plan("  months: 3\n"));
    expect(found.join("\n")).toMatch(
      /plan\.months: the baseline window \(2026-01-01 … 2026-02-28, the default: the plan's first two months\) and the final window \(2026-02-01 … 2026-03-31, the default: the plan's last two months\) overlap.*give plan\.baseline and plan\.final explicitly/,
    );
  });

  it("refuses explicit windows that overlap, and a baseline after the final window", () => {
    const overlap = problems(plan("  months: 3\n  baseline: { from: 2026-01-01, to: 2026-02-10 }\n  final: { from: 2026-02-10, to: 2026-03-31 }\n"));
    expect(overlap.join("\n")).toMatch(/plan\.final: the baseline window \(2026-01-01 … 2026-02-10\) and the final window \(2026-02-10 … 2026-03-31\) overlap/);
    const order = problems(plan("  months: 3\n  baseline: { from: 2026-03-01, to: 2026-03-31 }\n  final: { from: 2026-01-01, to: 2026-01-31 }\n"));
    expect(order.join("\n")).toMatch(/are in the wrong order/);
  });

  it("accepts explicit disjoint windows of a 3-month plan, and a baseline before the plan start", () => {
    expect(problems(plan("  months: 3\n  baseline: { from: 2026-01-01, to: 2026-01-31 }\n  final: { from: 2026-03-01, to: 2026-03-31 }\n"))).toEqual([]);
    const config = parseConfig(plan("  months: 3\n  baseline: { from: 2025-10-01, to: 2025-12-31 }\n  final: { from: 2026-02-01, to: 2026-03-31 }\n"));
    expect(resolvePlan(config.plan).baseline).toEqual({ from: "2025-10-01", to: "2025-12-31" });
  });

  it("accepts the default windows from 4 months on (they touch, they do not overlap)", () => {
    expect(problems(plan("  months: 4\n"))).toEqual([]);
  });
});

describe("comparisonWindows", () => {
  // 12-month plan from 2026-01-01: baseline Jan–Feb (59 days), final 2026-11-01 … 2026-12-31 (61 days)
  const resolved = resolvePlan({ start: "2026-01-01", months: 12 });

  it("compares with the final window once it has ended", () => {
    expect(comparisonWindows(resolved, "2026-12-31")).toMatchObject({ kind: "final", compare: { from: "2026-11-01", to: "2026-12-31" } });
    expect(comparisonWindows(resolved, "2027-03-01").kind).toBe("final");
  });

  it("before that, the latest complete window of the final window's length: 61 days up to the day", () => {
    // 2026-06-30 − 60 days = 2026-05-01
    expect(comparisonWindows(resolved, "2026-06-30")).toMatchObject({ kind: "interim", compare: { from: "2026-05-01", to: "2026-06-30" } });
  });

  it("says 'too early' while that window would reach into the baseline, and 'not started' before the start", () => {
    // 2026-04-29 − 60 days = 2026-02-28, the baseline's last day; a day later the window starts on 1 March
    expect(comparisonWindows(resolved, "2026-04-29")).toMatchObject({ kind: "too early", compare: null });
    expect(comparisonWindows(resolved, "2026-04-30")).toMatchObject({ kind: "interim", compare: { from: "2026-03-01", to: "2026-04-30" } });
    expect(comparisonWindows(resolved, "2025-12-31")).toMatchObject({ kind: "not started", compare: null });
  });

  it("reads today in the configured zone: 23:30 UTC on 6 Dec is already 7 Dec in Berlin", () => {
    const now = new Date("2026-12-06T23:30:00Z");
    expect(localDate("Europe/Berlin", 0, now)).toBe("2026-12-07");
    expect(localDate("UTC", 1, now)).toBe("2026-12-05");
  });
});
