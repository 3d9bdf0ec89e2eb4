import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The layer rule of eslint.config.js, run on code that breaks it: a rule that never fires would pass
// `npm run lint` just as well as one that holds.
const eslint = new ESLint();
const errors = async (file: string, code: string) =>
  (await eslint.lintText(code, { filePath: file }))[0]!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);

describe("layers (eslint no-restricted-imports)", () => {
  it.each([
    ["warehouse/x.ts", 'import { plan } from "../transforms/run.ts";', "warehouse/ may not import transforms/"],
    ["warehouse/x.ts", 'import { demoConfig } from "../collectors/demo/config.ts";', "warehouse/ may not import collectors/"],
    ["reports/pages/x.ts", 'import { wilson } from "../../transforms/lib/stats.ts";', "reports/ may not import transforms/"],
    ["collectors/github/x.ts", 'import { loadReportData } from "../../reports/data.ts";', "collectors/ may not import reports/"],
    ["collectors/github/x.ts", 'import { plan } from "../../transforms/run.ts";', "collectors/ may not import transforms/"],
    ["transforms/x.ts", 'import { sentence } from "../reports/format.ts";', "transforms/ may not import reports/"],
    ["schemas/x.ts", 'import { Warehouse } from "../warehouse/warehouse.ts";', "schemas/ may not import warehouse/"],
  ])("refuses %s: %s", async (file, code, message) => {
    expect((await errors(file, `${code}\nexport const used = 1;\n`)).join("\n")).toContain(message);
  });

  it.each([
    ["reports/x.ts", 'import { metricSpec } from "../schemas/metrics.ts";'],
    ["reports/x.ts", 'import type { Warehouse } from "../warehouse/warehouse.ts";'],
    ["transforms/x.ts", 'import { METRICS } from "../schemas/metrics.ts";'],
    ["tools/x.ts", 'import { plan } from "../transforms/run.ts";'],
  ])("allows %s: %s", async (file, code) => {
    expect(await errors(file, `${code}\nexport const used = 1;\n`)).toEqual([]);
  });
});
