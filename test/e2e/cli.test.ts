import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../schemas/load-config.ts";
import { withTempDir } from "../helpers/db.ts";

const BIN = resolve("bin/dora.js");

function dora(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "true", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CONFIG = "plan:\n  start: 2025-12-01\nservices:\n  api: {}\n";

describe("dora CLI", () => {
  it("prints help with every command and exits 0", async () => {
    await withTempDir(async (dir) => {
      const r = dora(["--help"], dir);
      expect(r.code).toBe(0);
      for (const c of ["init", "demo", "collect", "transform", "report", "run", "doctor"]) expect(r.stdout).toContain(c);
      expect(r.stdout).toContain("Exit codes");
    });
  });

  it("exits 2 on an unknown option", async () => {
    await withTempDir(async (dir) => {
      const r = dora(["collect", "--frobnicate"], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
    });
  });

  it("exits 2 with the file, line and key on a bad config", async () => {
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, "dora.config.yaml"), "plan:\n  strat: 2025-12-01\nservices: {}\n");
      const r = dora(["collect"], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("dora.config.yaml: invalid config");
      expect(r.stderr).toMatch(/line 2, column \d+: plan\.strat: unknown key "strat" \(did you mean "start"\?\)/);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    });
  });

  it("exits 2 and says what to configure when no source is configured", async () => {
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, "dora.config.yaml"), CONFIG);
      const r = dora(["collect"], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/no source is configured/);
      expect(r.stderr).toMatch(/sources:/);
    });
  });

  it("init writes a valid, commented config and refuses to overwrite it", async () => {
    await withTempDir(async (dir) => {
      expect(dora(["init"], dir).code).toBe(0);
      const text = readFileSync(join(dir, "dora.config.yaml"), "utf8");
      expect(text).toMatch(/^# /);
      expect(() => parseConfig(text)).not.toThrow();
      const again = dora(["init"], dir);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already exists \(use --force/);
    });
  });

  it("exits 3 with one line naming the holder's pid while another process holds the warehouse", async () => {
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, "dora.config.yaml"), `${CONFIG}sources:\n  git: {}\n`);
      const path = join(dir, "w.duckdb");
      const holder = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "-e",
          `const { Warehouse } = await import(${JSON.stringify(resolve("warehouse/warehouse.ts"))}); const w = await Warehouse.open(${JSON.stringify(path)}); console.log("ready"); setTimeout(() => w.close(), 60000);`,
        ],
        { cwd: resolve("."), stdio: ["ignore", "pipe", "inherit"] },
      );
      try {
        await new Promise<void>((ok, fail) => {
          holder.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && ok());
          holder.on("exit", (c) => fail(new Error(`holder exited ${c}`)));
        });
        const r = dora(["transform", "--warehouse", path], dir);
        expect(r.code).toBe(3);
        const lines = r.stderr.trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`in use by another process \\(pid ${holder.pid}\\)`));
      } finally {
        holder.kill("SIGKILL");
      }
      // A lock held by a process that died is gone with it (DuckDB's lock is an OS file lock).
      await new Promise((ok) => holder.on("close", ok));
      expect(existsSync(path)).toBe(true);
      expect(dora(["transform", "--warehouse", path], dir).code).toBe(0);
    });
  });
});
