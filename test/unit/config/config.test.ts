import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../schemas/load-config.ts";
import { problems } from "./problems.ts";
import { resolvePlan, addMonths, comparisonWindows, localDate } from "../../../schemas/config.ts";
import { configJsonSchema } from "../../../schemas/json-schema.ts";

const minimal = "plan:\n  start: 2025-12-01\nservices:\n  api: {}\n";


describe("config", () => {
  it("accepts the commented example that `dora init` writes", () => {
    const config = parseConfig(readFileSync("dora.config.example.yaml", "utf8"));
    expect(config.timezone).toBe("Europe/Berlin");
    expect(config.services["payments-api"]?.latency[0]?.slo?.threshold_seconds).toBe(0.3);
    expect(config.sources.github?.token_env).toBe("GITHUB_TOKEN");
  });

  it("fills defaults: UTC, data/warehouse.duckdb, 12 months, 24 h incident window, tier year 2024", () => {
    const config = parseConfig(minimal);
    expect(config).toMatchObject({
      timezone: "UTC",
      warehouse: "data/warehouse.duckdb",
      plan: { months: 12 },
      failures: { incident_window_hours: 24 },
      report: { tier_year: 2024 },
    });
  });

  it.each([
    ["malformed YAML gives line and column", "plan: [\n", /^line 2, column 1: /],
    ["unknown key gets a did-you-mean", "plan:\n  strat: 2025-12-01\nservices: {}\n", /plan\.strat: unknown key "strat" \(did you mean "start"\?\)/],
    ["unknown nested key, at the key", minimal + "sources:\n  github:\n    tokn_env: X\n", /line 7, column 5: sources\.github\.tokn_env: unknown key "tokn_env" \(did you mean "token_env"\?\)/],
    ["unknown top-level key, named", minimal + "sorces: {}\n", /line 5, column 1: sorces: unknown key "sorces" \(did you mean "sources"\?\)/],
    ["impossible date", "plan:\n  start: 2025-02-30\nservices: {}\n", /line 2, column \d+: plan\.start: not a real calendar date/],
    ["unknown time zone", minimal + "timezone: Mars/Olympus\n", /timezone: unknown time zone/],
    ["repo not owner/name", "plan:\n  start: 2025-12-01\nservices:\n  api:\n    github: [acme/ok, nope]\n", /services\.api\.github\[1\]: expected "owner\/name"/],
    ["missing plan", "services: {}\n", /plan: missing/],
    ["a secret value instead of an env var name", minimal + "sources:\n  github:\n    token_env: ghp_abc123\n", /sources\.github\.token_env: expected an environment variable name/],
    ["a phase that ends before it starts", "plan:\n  start: 2025-12-01\n  phases:\n    - { name: A, from: 2026-02-01, to: 2026-01-01 }\nservices: {}\n", /plan\.phases\[0\]\.to: from must not be after to/],
    ["a pattern DuckDB's regex engine cannot run", minimal + "failures:\n  explicit_patterns: ['(?<=deploy )\\d+']\n", /failures\.explicit_patterns\[0\]: lookaround and back-references are not supported/],
    ["an invalid regular expression", minimal + "sources:\n  git:\n    tag_pattern: '(['\n", /sources\.git\.tag_pattern: expected a valid regular expression/],
    ["Argo CD applications without sources.argocd", "plan:\n  start: 2025-12-01\nservices:\n  api:\n    argocd: [api]\n", /services\.api\.argocd: lists Argo CD applications, but sources\.argocd \(base_url, token_env\) is not configured/],
    ["an Argo CD application name that is not one", "plan:\n  start: 2025-12-01\nservices:\n  api:\n    argocd: [Api_Prod]\n" + "sources:\n  argocd: { base_url: https://argocd.example.com }\n", /services\.api\.argocd\[0\]: expected an application name/],
  ])("%s", (_name, text, expected) => {
    const found = problems(text);
    expect(found.some((p) => expected.test(p)), found.join("\n")).toBe(true);
  });

  it("names the file in the error", () => {
    expect(() => parseConfig("plan: 1\n", "team/dora.config.yaml")).toThrow(/^team\/dora\.config\.yaml: invalid config/);
  });

  it("defaults the baseline to the first two months and the final window to the last two", () => {
    const plan = resolvePlan(parseConfig(minimal).plan);
    expect(plan).toEqual({
      start: "2025-12-01",
      end: "2026-11-30",
      baseline: { from: "2025-12-01", to: "2026-01-31" },
      final: { from: "2026-10-01", to: "2026-11-30" },
    });
  });

  it.each([
    ["2026-01-31", 1, "2026-02-28"],
    ["2024-01-31", 1, "2024-02-29"],
    ["2025-12-01", 2, "2026-02-01"],
  ])("addMonths(%s, %i) = %s (clamps to the month's end)", (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  it("the committed JSON Schema matches the zod schema (run `npm run docs` after changing it)", () => {
    const committed = JSON.parse(readFileSync("schemas/config.schema.json", "utf8"));
    expect(committed).toEqual(configJsonSchema());
  });
});

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

  it("refuses a final window outside the plan, naming the plan's dates (issue 19 §4)", () => {
    const after = problems(plan("  months: 12\n  final: { from: 2027-06-01, to: 2027-07-31 }\n"));
    expect(after.join("\n")).toMatch(/plan\.final: the final window \(2027-06-01 … 2027-07-31\) lies outside the plan \(2026-01-01 … 2026-12-31/);
    const straddling = problems(plan("  months: 12\n  final: { from: 2026-11-01, to: 2027-01-31 }\n"));
    expect(straddling.join("\n")).toMatch(/lies outside the plan/);
    expect(problems(plan("  months: 12\n  final: { from: 2026-11-01, to: 2026-12-31 }\n"))).toEqual([]);
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
