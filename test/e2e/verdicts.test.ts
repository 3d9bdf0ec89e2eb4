/**
 * The verdicts a reader sees, read from a built report of a known dataset: `dora demo --months 3` (a
 * short plan whose explicit windows are the first and the last month; two incidents are still open when
 * its data end, inside the final window). The words on the cards and slides must never claim more than
 * the numbers in metrics.pdp_comparison show.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sentence } from "../../reports/format.ts";
import type { ComparisonRow } from "../../schemas/metrics.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { withTempDir } from "../helpers/db.ts";
import { visibleText as text } from "../helpers/html-text.ts";

vi.setConfig({ testTimeout: 120_000 });

let dir: string;
let release: () => void;
let index: string;
let slides: string;
let rows: ComparisonRow[];
let open: { window_name: string; open: number; incidents: number }[];
let weekly: { window_name: string; deployments: number }[];

beforeAll(async () => {
  // withTempDir removes the directory when the promise it is given settles: hold it open until afterAll.
  const held = new Promise<void>((r) => (release = r));
  dir = await new Promise<string>((ready) => {
    void withTempDir(async (d) => {
      ready(d);
      await held;
    }, "dora-verdicts-e2e-");
  });
  const r = spawnSync(process.execPath, [resolve("bin/dora.js"), "demo", "--months", "3", "--out", "out", "--no-pdf", "--quiet"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  expect(r.status, r.stderr).toBe(0);
  index = readFileSync(join(dir, "out", "report", "index.html"), "utf8");
  slides = readFileSync(join(dir, "out", "report", "slides.html"), "utf8");
  const w = await Warehouse.open(join(dir, "out", "warehouse.duckdb"), { readOnly: true });
  try {
    rows = await w.all<ComparisonRow>(
      `SELECT * EXCLUDE (baseline_from, baseline_to, final_from, final_to), baseline_from::VARCHAR AS baseline_from, baseline_to::VARCHAR AS baseline_to,
              final_from::VARCHAR AS final_from, final_to::VARCHAR AS final_to
       FROM metrics.pdp_comparison`,
    );
    rows = rows.map((x) => ({ ...x, n_baseline: Number(x.n_baseline), n_final: Number(x.n_final), n_open_baseline: x.n_open_baseline == null ? null : Number(x.n_open_baseline), n_open_final: x.n_open_final == null ? null : Number(x.n_open_final) }));
    open = await w.all(
      `SELECT window_name, count(*) FILTER (WHERE is_open)::INTEGER AS open, count(*)::INTEGER AS incidents
       FROM metrics.restore_items WHERE window_name IN ('baseline', 'final') GROUP BY ALL ORDER BY window_name`,
    );
    weekly = await w.all(
      `SELECT CASE WHEN f.period_start BETWEEN w.baseline_from AND w.baseline_to THEN 'baseline' ELSE 'final' END AS window_name, f.deployments::INTEGER AS deployments
       FROM metrics.deployment_frequency f CROSS JOIN intermediate.int_plan_windows w
       WHERE f.grain = 'day' AND f.service = '*' AND (f.period_start BETWEEN w.baseline_from AND w.baseline_to OR f.period_start BETWEEN w.final_from AND w.final_to)`,
    );
  } finally {
    w.close();
  }
}, 300_000);

afterAll(() => release?.());

/** Every summary card: its metric, chip (verdict) and sentence. */
function cards(): { metric: string; chip: string; sentence: string; text: string }[] {
  return [...index.matchAll(/<article class="card [^"]*" data-metric="([^"]+)"[\s\S]*?<\/article>/g)].map((m) => ({
    metric: m[1]!,
    chip: text(/<span class="chip">([\s\S]*?)<\/span>/.exec(m[0])?.[1] ?? ""),
    sentence: text(/<p class="sentence">([\s\S]*?)<\/p>/.exec(m[0])?.[1] ?? ""),
    text: text(m[0]),
  }));
}

/** p and q as printed: "p = 0.039, q = 0.050" or "p < 0.001". */
function printed(s: string, name: "p" | "q"): number | null {
  const m = new RegExp(`\\b${name} (<|=) ([0-9]+(?:\\.[0-9]+)?)`).exec(s);
  return m ? (m[1] === "<" ? 0 : Number(m[2])) : null;
}

const row = (metric: string) => rows.find((r) => r.metric === metric && r.service === "*")!;

describe("dora demo --months 3: verdicts read from the built report", () => {
  it("compares the first month with the last: deployments per week rose, as the daily counts did", () => {
    const perWeek = (x: string) => {
      const days = weekly.filter((r) => r.window_name === x);
      return (7 * days.reduce((a, r) => a + r.deployments, 0)) / days.length;
    };
    // the windows are whole months with deployments on every working week: the rate per covered week
    expect(perWeek("final")).toBeGreaterThan(2 * perWeek("baseline"));
    const r = row("deployment_frequency");
    expect(r.final_value!).toBeGreaterThan(r.baseline_value!);
    expect(r.verdict).toBe("improved");
    const card = cards().find((c) => c.metric === "deployment_frequency")!;
    expect(card.chip).toBe("Improved");
    expect(card.sentence).toMatch(/^Deployments per week rose from /);
    expect(card.sentence).toContain(`${r.n_baseline} deployments → ${r.n_final} deployments`);
  });

  it("shows the incidents still open in the final window on the card and in its sentence, with the censored median", () => {
    // two incidents open when the data end, both created in the final window (collectors/demo/generate.ts)
    expect(open.find((o) => o.window_name === "final")?.open).toBe(2);
    expect(open.find((o) => o.window_name === "baseline")?.open ?? 0).toBe(0);
    const r = row("time_to_restore");
    expect(r.n_open_final).toBe(2);
    expect(r.n_final).toBe(open.find((o) => o.window_name === "final")!.incidents); // open ones are counted, not dropped
    const card = cards().find((c) => c.metric === "time_to_restore")!;
    expect(card.text).toContain("Still open: 0 in the baseline, 2 in the final window — counted as censored in the Kaplan–Meier median");
    expect(card.sentence).toContain("0 → 2 still open, counted as censored (Kaplan–Meier median)");
    expect(card.sentence).toContain(`${r.n_baseline} incidents → ${r.n_final} incidents`);
    // the median on the card is the Kaplan–Meier median of the row
    expect(card.sentence).toMatch(/^Median time to restore (fell|rose) from [0-9.]+ h to [0-9.]+ h/);
    const shown = Number(/ to ([0-9.]+) h/.exec(card.sentence)![1]);
    expect(Math.abs(shown - r.final_value!)).toBeLessThan(0.051);
    const ack = cards().find((c) => c.metric === "time_to_acknowledge")!;
    expect(ack.text).toContain("Never acknowledged: 0 in the baseline, 1 in the final window");
    expect(ack.sentence).toContain("0 → 1 never acknowledged, counted as censored");
  });

  it("never calls a card improved or worse unless q < 0.05, and every clear card names its interval, n, p and q", () => {
    const all = cards();
    expect(all.length).toBeGreaterThanOrEqual(6);
    let clear = 0;
    for (const c of all) {
      const p = printed(c.sentence, "p");
      const q = printed(c.sentence, "q");
      if (c.chip === "Improved" || c.chip === "Worse") {
        clear++;
        expect(q, c.metric).not.toBeNull();
        expect(q!, c.metric).toBeLessThan(0.05);
        expect(c.sentence, c.metric).toMatch(/\(95 % CI /);
        expect(c.sentence, c.metric).toMatch(/\d+ [a-z ]+ → \d+ [a-z ]+;/);
        expect(p, c.metric).not.toBeNull();
      } else if (q !== null && q >= 0.05) {
        expect(c.chip, c.metric).toBe("No clear change");
        expect(c.sentence, c.metric).toContain("— not a clear change");
      }
      if (p !== null && p >= 0.05) expect(["No clear change", "Insufficient data"], c.metric).toContain(c.chip);
    }
    expect(clear).toBeGreaterThan(0);
  });

  it("p < 0.05 with q ≥ 0.05 reads 'no clear change' (rework rate in this dataset)", () => {
    const r = row("rework_rate");
    // the dataset's fact this case relies on: significant alone, not after the adjustment across the cards' table
    expect(r.p_value!).toBeLessThan(0.05);
    expect(r.q_value!).toBeGreaterThanOrEqual(0.05);
    expect(r.verdict).toBe("no clear change");
    expect(sentence(r).replace(/\u00a0/g, " ")).toMatch(/— not a clear change\. \d+ deployments → \d+ deployments; p = 0\.0\d\d, q = 0\.\d{3}/u);
  });

  it("no sentence of any comparison row claims a change its verdict does not", () => {
    for (const r of rows) {
      const s = sentence(r);
      if (r.verdict !== "improved" && r.verdict !== "worse") expect(s, `${r.metric} ${r.service}`).not.toMatch(/\b(improved|worse|better)\b/i);
      if (r.verdict === "no clear change") expect(s, `${r.metric} ${r.service}`).toMatch(/not a clear change|stayed at/);
      if (r.verdict === "insufficient data") expect(s, `${r.metric} ${r.service}`).toMatch(/insufficient data to compare/);
    }
  });

  it("the key-paths and per-service tables carry each row's q-value (adjusted across that table)", () => {
    const q = (v: number) => (v < 0.001 ? "q < 0.001" : `q = ${v.toFixed(3)}`);
    const paths = rows.filter((r) => r.metric.startsWith("latency_p99:") && r.service !== "*" && r.q_value != null);
    expect(paths.length).toBeGreaterThan(10);
    for (const r of paths) {
      const route = r.metric.slice("latency_p99:".length);
      const tr = new RegExp(`<tr data-service="${r.service}"><td>${r.service}</td><th scope="row"><code>${route.replace(/[{}/]/g, (c) => `\\${c}`)}</code></th>(<td[\\s\\S]*?</td>)`).exec(index);
      expect(tr, `${r.service} ${route}`).not.toBeNull();
      expect(text(tr![1]!), `${r.service} ${route}`).toContain(q(r.q_value!));
      expect(r.fdr_family).toBe("key_paths");
    }
    const services = rows.filter((r) => r.metric === "lead_time" && r.service !== "*" && r.q_value != null);
    expect(services.length).toBe(6);
    for (const r of services) {
      const tr = new RegExp(`<tr data-service="${r.service}"><th scope="row">${r.service}</th>[\\s\\S]*?</tr>`).exec(index);
      expect(text(tr![0]), r.service).toContain(q(r.q_value!));
      expect(r.fdr_family).toBe("dora_services");
    }
  });

  it("slides: a headline names a change only for clear verdicts", () => {
    const headings = [...slides.matchAll(/<p class="kicker">([^<]*)<\/p>\s*<h2>([^<]*)<\/h2>\s*<div class="metric ([a-z-]+)">/g)].map((m) => ({ kicker: m[1]!, h2: text(m[2]!), verdict: m[3]! }));
    expect(headings.length).toBeGreaterThanOrEqual(6);
    for (const h of headings) {
      if (h.verdict === "improved" || h.verdict === "worse") expect(h.h2, h.kicker).toMatch(/ (rose|fell)/);
      else expect(h.h2, h.kicker).toMatch(/no clear change|too little data|not measured/);
    }
  });
});
