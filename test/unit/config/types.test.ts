/** Config mistakes reported as what they are: a wrong type is not "missing", an alias bomb is a config error (exit 2). */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { problems } from "./problems.ts";
import { withTempDir } from "../../helpers/db.ts";


const BASE = "plan:\n  start: 2026-01-05\nservices:\n  api:\n    git: [/tmp/x]\nsources:\n  git: {}\n";

/** 9 aliases of 9 aliases … nine levels deep: 9^10 values once expanded. */
function aliasBomb(): string {
  let text = `${BASE}x0: &x0 [a, a, a, a, a, a, a, a, a]\n`;
  for (let i = 1; i < 10; i++) text += `x${i}: &x${i} [${Array(9).fill(`*x${i - 1}`).join(", ")}]\n`;
  return text;
}

describe("config types", () => {
  it("a value of the wrong type is reported with the type expected and the value given, at its line", () => {
    expect(problems(BASE.replace("  start: 2026-01-05\n", "  start: 2026-01-05\n  months: six\n"))).toEqual(['line 3, column 11: plan.months: expected number, got text "six"']);
    expect(problems(BASE.replace("    git: [/tmp/x]\n", "    git: /tmp/x\n"))).toEqual([expect.stringMatching(/services\.api\.git: expected array, got text "\/tmp\/x"$/)]);
  });

  it("a key left out is still reported as missing", () => {
    expect(problems("services:\n  api:\n    git: [/tmp/x]\nsources:\n  git: {}\n")).toEqual([expect.stringMatching(/plan: missing \(required, object\)$/)]);
  });

  it("a YAML alias bomb is a config error naming the file, and dora exits 2", async () => {
    expect(problems(aliasBomb())).toEqual([expect.stringMatching(/^cannot expand the YAML: .*alias/)]);
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, "dora.config.yaml"), aliasBomb());
      const r = spawnSync(process.execPath, [resolve("bin/dora.js"), "collect"], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH, HOME: process.env.HOME, TZ: "Europe/Berlin" } });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/dora\.config\.yaml.*cannot expand the YAML/s);
    });
  });
});
