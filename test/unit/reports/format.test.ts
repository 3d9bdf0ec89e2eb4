import { describe, expect, it } from "vitest";
import { toCsv } from "../../../reports/csv.ts";
import { comparedText, formatChange, formatMetric, formatPct, formatValue, metricMeta, rowMeta, targetText, sentence, shortSentence, type ComparisonLike } from "../../../reports/format.ts";
import { escapeHtml, html, raw } from "../../../reports/html.ts";

const plain = (s: string) => s.replace(/\u00a0/g, " ");
const row = (over: Partial<ComparisonLike>): ComparisonLike => ({
  metric: "time_to_restore",
  baseline_value: 5.2,
  final_value: 1.1,
  change_pct: -78.8,
  ci_low: -88,
  ci_high: -61,
  interval_of: "change_pct",
  n_baseline: 41,
  n_final: 36,
  verdict: "improved",
  ...over,
});

describe("sentences", () => {
  it("says the verdict in one plain sentence, as in the issue", () => {
    expect(plain(sentence(row({})))).toBe("Median time to restore fell from 5.2 h to 1.1 h, −79 % (95 % CI −88 % to −61 %). 41 incidents → 36 incidents.");
  });

  it.each([
    ["rate with an interval of the final value", row({ metric: "change_failure_rate", baseline_value: 0.28, final_value: 0.105, change_pct: -62.5, ci_low: 0.077, ci_high: 0.14, interval_of: "final_value" }),
      "Change failure rate fell from 28.0 % to 10.5 %, −63 % (95 % CI of the final value 7.7 % to 14.0 %). 41 deployments → 36 deployments."],
    ["no clear change says so", row({ metric: "pages_per_week", baseline_value: 4.6, final_value: 4.4, change_pct: -4.3, ci_low: -40, ci_high: 54, verdict: "no clear change" }),
      "Pages per week fell from 4.6 to 4.4, −4 % (95 % CI −40 % to +54 %) — not a clear change. 41 pages → 36 pages."],
    ["hours shown in one unit for both values", row({ metric: "lead_time", baseline_value: 96, final_value: 21, change_pct: -78, ci_low: -79, ci_high: -77 }),
      "Median lead time fell from 4.0 d to 0.9 d, −78 % (95 % CI −79 % to −77 %). 41 changes → 36 changes."],
    ["SLO attainment moves in percentage points", row({ metric: "slo:GET /cart", baseline_value: 0.9608, final_value: 0.999, change_pct: 3.98, ci_low: 0.9985, ci_high: 0.9994, interval_of: "final_value" }),
      "SLO attainment of GET /cart rose from 96.08 % to 99.90 %, +3.82 pp (95 % CI of the final value 99.85 % to 99.94 %). 41 days → 36 days."],
  ])("%s", (_name, r, expected) => {
    expect(plain(sentence(r))).toBe(expected);
  });

  it("never shows insufficient data as a number", () => {
    const s = sentence(row({ verdict: "insufficient data", baseline_value: 3.1, final_value: 2.2, n_baseline: 5, n_final: 3 }), undefined, 8);
    expect(plain(s)).toBe("Median time to restore: insufficient data to compare (5 incidents in the baseline window, 3 in the final window; at least 8 needed in each).");
    expect(s).not.toMatch(/3\.1|2\.2|%/);
  });

  it("a slide's message is short and unsigned", () => {
    expect(plain(shortSentence(row({ metric: "change_failure_rate", baseline_value: 0.28, final_value: 0.1, change_pct: -63 })))).toBe("Change failure rate fell by 63 %");
    expect(shortSentence(row({ verdict: "insufficient data" }))).toBe("Median time to restore: too little data to compare");
  });

  it("an interim comparison says so in the sentence, the slide message and the heading", () => {
    const interim = row({ metric: "change_failure_rate", baseline_value: 0.28, final_value: 0.1, change_pct: -63, window_kind: "interim", final_from: "2026-05-16", final_to: "2026-07-15" });
    expect(plain(sentence(interim))).toMatch(/^Progress so far \(interim, against 2026-05-16 … 2026-07-15\): Change failure rate fell from 28\.0 % to 10\.0 %/);
    expect(plain(shortSentence(interim))).toBe("So far (interim): Change failure rate fell by 63 %");
    expect(comparedText([interim])).toMatch(/\(interim\)$/);
    expect(comparedText([row({ window_kind: "final" })])).toBe("baseline versus final window");
  });

  it("change failure rate without an incident source says 'rollbacks and hotfixes only'; p and q read '< 0.001'", () => {
    const cfr = row({ metric: "change_failure_rate", baseline_value: 0.2, final_value: 0.1, change_pct: -50, measured_by: "rollbacks and hotfixes only; incidents from sources.pagerduty", p_value: 0.0004, q_value: 0.012 });
    expect(plain(sentence(cfr))).toMatch(/^Change failure rate \(rollbacks and hotfixes only\) fell from 20\.0 % to 10\.0 %.*; p < 0\.001, q = 0\.012\.$/);
    expect(plain(shortSentence(cfr))).toBe("Change failure rate (rollbacks and hotfixes only) fell by 50 %");
    expect(plain(sentence(row({ verdict: "not measured", measured_by: "sources.pagerduty with services.<service>.pagerduty" })))).toBe(
      "Median time to restore: not measured — configure sources.pagerduty with services.<service>.pagerduty to measure it.",
    );
  });
});

describe("number formatting", () => {
  it.each([
    [0.5, "hours", [0.5], "30 min"],
    [5.24, "hours", [5.24], "5.2 h"],
    [30, "hours", [30], "30 h"],
    [96, "hours", [96, 20], "4.0 d"],
    [4.5, "minutes", [4.5], "4.5 min"],
    [0.105, "share", [0.28, 0.105], "10.5 %"],
    [0.9961, "share", [0.9961], "99.61 %"],
    [0.232, "seconds", [0.232], "232 ms"],
    [2.17, "seconds", [2.17, 0.86], "2.17 s"],
    [41.66, "per_week", [41.66], "42"],
    [null, "hours", [], "–"],
  ] as const)("formatValue(%s, %s) = %s", (v, unit, ctx, expected) => {
    expect(plain(formatValue(v, unit, [...ctx]))).toBe(expected);
  });

  it.each([
    [-78.8, "−79 %"],
    [158, "+158 %"],
    [0, "0 %"],
    [-0.4, "−0.4 %"],
    [null, "–"],
  ])("formatPct(%s) = %s", (v, expected) => {
    expect(plain(formatPct(v))).toBe(expected);
  });

  it("SLO change is in percentage points, others in %", () => {
    expect(plain(formatChange({ change_pct: 0.01, baseline_value: 0.9961, final_value: 0.996 }, metricMeta("slo:POST /x")))).toBe("−0.01 pp");
    expect(plain(formatChange({ change_pct: -50, baseline_value: 0.4, final_value: 0.2 }, metricMeta("latency_p99:POST /x")))).toBe("−50 %");
  });
});

describe("escaping", () => {
  it("escapes every interpolated value unless it is raw()", () => {
    const label = "<script>alert(1)</script>";
    const out = html`<li title="${label}">${label}${raw("<b>ok</b>")}${[label, null, false]}</li>`.value;
    expect(out).not.toContain("<script>");
    expect(out).toBe('<li title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;<b>ok</b>&lt;script&gt;alert(1)&lt;/script&gt;</li>');
    expect(escapeHtml(`"a" & 'b'`)).toBe("&quot;a&quot; &amp; &#39;b&#39;");
  });
});

describe("CSV", () => {
  it("quotes what needs quoting and defuses spreadsheet formulas in text", () => {
    const csv = toCsv(["name", "value", "date"], [
      ['a,"b"', -1.5, new Date("2026-01-05T00:00:00Z")],
      ["=HYPERLINK(1)", null, "@x"],
    ]);
    expect(csv).toBe('name,value,date\r\n"a,""b""",-1.5,2026-01-05\r\n\'=HYPERLINK(1),,\'@x\r\n');
  });
});

describe("plan KPI formatting", () => {
  it.each([
    [[0.998914, 0.999552], ["99.891 %", "99.955 %"]],
    [[0.9994, 0.9985], ["99.94 %", "99.85 %"]],
    [[1.086, 0.448], ["108.6 %", "44.8 %"]],
  ])("shares near 100 %% keep their nines: %j", (values, expected) => {
    expect(values.map((v) => plain(formatValue(v, "share", values)))).toEqual(expected);
  });

  it("cost per transaction reads per 1,000 transactions when tiny; free-text units as given", () => {
    const cost = rowMeta({ metric: "cost_per_transaction", unit: "EUR/transaction" });
    expect(plain(formatMetric(0.000035, cost, [0.000035, 0.0000242]))).toBe("0.035 EUR per 1,000 transactions");
    expect(plain(formatMetric(2.5, cost, [2.5]))).toBe("2.5 EUR per transaction");
    const prs = rowMeta({ metric: "kpi:merged_prs_per_day", unit: "PRs/day", direction: "higher" }, "Pull requests merged per working day");
    expect(prs.label).toBe("Pull requests merged per working day");
    expect(prs.direction).toBe("higher");
    expect(plain(formatMetric(14, prs))).toBe("14 PRs/day");
    expect(plain(formatMetric(0.6, metricMeta("burn_rate_episodes")))).toBe("0.60 episodes/week");
  });

  it.each([
    [{ target: 0.15, target_op: "<", target_of: "final_value", target_met: true }, "share", "Target < 15 %: met", "met"],
    [{ target: 24, target_op: "<=", target_of: "final_value", target_met: false }, "hours", "Target ≤ 24 h: not met", "not-met"],
    [{ target: -40, target_op: "<=", target_of: "change_pct", target_met: null }, "minutes", "Target change ≤ −40 %: not assessed", "not-assessed"],
  ] as const)("target %j reads %s", (row, unit, text, state) => {
    const t = targetText(row, { unit });
    expect(t && { text: plain(t.text), state: t.state }).toEqual({ text, state });
  });

  it("no target in the plan: no badge", () => {
    expect(targetText({ target: null, target_met: null }, { unit: "share" })).toBeNull();
  });
});
