import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { DORA_GAUGES } from "../../cli/monitoring.ts";
import { DASHBOARD_PANELS, doraDashboard, planThresholds } from "../../reports/grafana.ts";

const COMMITTED = resolve("deploy/grafana/dora-overview.json");

/**
 * Type-checks a dashboard given as JSON text against @grafana/schema's Dashboard, with the
 * TypeScript compiler: the JSON becomes an object literal (so misspelled and extra fields are
 * errors), and enum-typed fields take their string values, as JSON holds them.
 */
function dashboardTypeErrors(json: string): string[] {
  const file = resolve("test/unit/grafana-dashboard-check.ts");
  const source = [
    'import type { Dashboard } from "@grafana/schema";',
    "type Plain<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T : T extends (infer U)[] ? Plain<U>[] : { [K in keyof T]: Plain<T[K]> };",
    `export const dashboard: Plain<Dashboard> = ${json};`,
  ].join("\n");
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("deploy/grafana: the DORA dashboard", () => {
  it("the committed JSON is what `dora dashboard --no-plan` writes", () => {
    expect(JSON.parse(readFileSync(COMMITTED, "utf8"))).toEqual(JSON.parse(JSON.stringify(doraDashboard())));
  });

  it("type-checks against @grafana/schema's Dashboard; a broken one does not", { timeout: 60_000 }, () => {
    const json = readFileSync(COMMITTED, "utf8");
    expect(dashboardTypeErrors(json)).toEqual([]);
    const wrongType = JSON.parse(json) as { panels: { gridPos: unknown }[] };
    wrongType.panels[0]!.gridPos = { h: "8", w: 12, x: 0, y: 0 };
    expect(dashboardTypeErrors(JSON.stringify(wrongType)).join("\n")).toMatch(/'string' is not assignable to type 'number'/);
    const misspelled = { ...(JSON.parse(json) as object), refersh: "1h" };
    expect(dashboardTypeErrors(JSON.stringify(misspelled)).join("\n")).toMatch(/refersh\W+ does not exist/);
  });

  it("reads only published gauges, through the service variable", () => {
    const names = new Set(DORA_GAUGES.map((g) => g.name));
    for (const p of DASHBOARD_PANELS) {
      expect(names.has(p.expr.replace(/\{.*/, "")), p.expr).toBe(true);
      expect(p.expr).toContain('service=~"$service"');
    }
    const service = doraDashboard().templating!.list!.find((v) => v.name === "service");
    expect(service?.query).toBe('label_values(dora_deployments{window="28d"}, service)');
  });

  it.each([
    // lower is better: below the target green, up to the baseline amber, above it red
    ["change_failure_rate", 1, { change_failure_rate: 0.3 }, { change_failure_rate: "< 15 %" }, [[null, "green"], [0.15, "yellow"], [0.3, "red"]]],
    // a change against the baseline: 48 h − 50 % = 24 h = 86,400 s; baseline 172,800 s
    ["lead_time", 3600, { lead_time: 48 }, { lead_time: "-50 %" }, [[null, "green"], [86_400, "yellow"], [172_800, "red"]]],
    // higher is better, per week × 4 = per 28 days: baseline 2 → 8, target +50 % → 3 → 12
    ["deployment_frequency", 4, { deployment_frequency: 2 }, { deployment_frequency: "+50 %" }, [[null, "red"], [8, "yellow"], [12, "green"]]],
    // nothing known: one neutral step
    ["rework_rate", 1, {}, {}, [[null, "blue"]]],
  ] as const)("thresholds of %s from the plan's baseline and target", (metric, factor, baselines, targets, steps) => {
    const got = planThresholds(metric, factor, { baselines, targets });
    expect(got.mode).toBe("absolute");
    expect(got.steps.map((s) => [s.value, s.color])).toEqual(steps);
  });
});
