import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { chromiumForTests } from "../helpers/chromium.ts";
import { withTempDir } from "../helpers/db.ts";

const run = promisify(execFile);
const VITEST = fileURLToPath(new URL("../../node_modules/vitest/vitest.mjs", import.meta.url));
const REPORTER = fileURLToPath(new URL("../summary-reporter.ts", import.meta.url));

// Test files written to a temp dir (they are not part of this suite: one does not even parse).
const FILES: Record<string, string> = {
  "ok.test.ts": `import { expect, it } from "vitest";\nit("passes", () => expect(1).toBe(1));\nit.skip("is skipped", () => {});\n`,
  "throws-at-load.test.ts": `import { it } from "vitest";\nthrow new Error("broken at import");\nit("never registered", () => {});\n`,
  "does-not-parse.test.ts": `import { it } from "vitest";\nit("never", () => { const x = ; });\n`,
  "missing-import.test.ts": `import { it } from "vitest";\nimport "./no-such-module.ts";\nit("never", () => {});\n`,
  "hook-fails.test.ts": `import { beforeAll, it } from "vitest";\nbeforeAll(() => { throw new Error("setup failed"); });\nit("skipped by its failed hook", () => {});\n`,
  "unhandled.test.ts": `import { it } from "vitest";\nit("passes but leaves an error behind", () => { setTimeout(() => { throw new Error("late"); }, 1); });\nit("waits", async () => { await new Promise((r) => setTimeout(r, 100)); });\n`,
};

describe("the closing summary line (test/summary-reporter.ts)", () => {
  it("counts files that fail to load, a failed hook and an unhandled error as failed", async () => {
    await withTempDir(async (dir) => {
      for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
      writeFileSync(join(dir, "vitest.config.mjs"), `export default { test: { include: ["*.test.ts"], pool: "forks", maxWorkers: 1 } };\n`);
      const result = await run(process.execPath, [VITEST, "run", "--root", dir, "--reporter", REPORTER], { cwd: dir, env: { ...process.env, CI: "" } }).then(
        () => ({ code: 0, stdout: "" }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
      expect(result.code).toBe(1);
      // ok: 1 passed + 1 skipped; three files that never load: 3 failed; failed hook: its test skipped,
      // the file failed; unhandled: 2 passed + 1 error.
      expect(result.stdout.trim().split("\n").at(-1)).toBe("3 passed, 5 failed, 2 skipped");
    });
  });
});

describe("Chromium for the e2e tests", () => {
  it("is found through CHROMIUM_PATH first, like the product finds it", () => {
    expect(chromiumForTests({ CHROMIUM_PATH: process.execPath }, [])).toBe(process.execPath);
  });

  it("is refused with the variable to set when there is none", () => {
    expect(() => chromiumForTests({ CHROMIUM_PATH: "/nonexistent/chromium" }, [])).toThrow(/set CHROMIUM_PATH/);
  });
});
