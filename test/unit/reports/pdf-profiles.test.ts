/** Chromium profiles of reports killed while printing are removed on the next print; live ones stay. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findChromium, printPdf, removeStaleProfiles } from "../../../reports/pdf.ts";
import { withTempDir } from "../../helpers/db.ts";

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("Chromium profiles in the temp folder", () => {
  it("a profile of a process that is gone is removed; one of a running process and other folders stay", async () => {
    await withTempDir(async (dir) => {
      const stale = `dora-chromium-${deadPid()}-abc`;
      const live = `dora-chromium-${process.pid}-def`;
      for (const name of [stale, live, "playwright-something", "dora-chromium-notapid"]) mkdirSync(join(dir, name, "Default"), { recursive: true });
      expect(removeStaleProfiles(dir)).toEqual([stale]);
      expect(readdirSync(dir).sort()).toEqual([live, "dora-chromium-notapid", "playwright-something"].sort());
    });
  });

  const chromium = findChromium();
  it.skipIf(!chromium)("printing leaves no profile behind", { timeout: 120_000 }, async () => {
    await withTempDir(async (dir) => {
      const html = join(dir, "r.html");
      writeFileSync(html, "<!doctype html><title>t</title><p>hello</p>");
      await printPdf(html, join(dir, "r.pdf"), chromium!);
      expect(existsSync(join(dir, "r.pdf"))).toBe(true);
      expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`dora-chromium-${process.pid}-`))).toEqual([]);
    });
  });
});
