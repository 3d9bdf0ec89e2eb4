// The commands without a user path of their own: `dora rebuild`, `dora schedule`, `dora schema`,
// run as a user runs them (bin/dora.js in a child process, real warehouse file, real simulator).
import { execFile, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { withTempDir } from "../helpers/db.ts";
import { paymentsProject } from "../sim/gitlab/fixtures.ts";
import { SIM_TOKEN, startGitlabSim, type GitlabSim } from "../sim/gitlab/server.ts";

const BIN = resolve("bin/dora.js");

/** Runs dora asynchronously (the simulator in this process must keep answering); never throws. */
async function dora(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "true", ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const GITLAB_CONFIG = (url: string) => `
warehouse: warehouse.duckdb
plan:
  start: 2026-01-01
  months: 4
services:
  payments:
    gitlab: [acme/payments]
  live:
    gitlab: [acme/live]
sources:
  gitlab: { token_env: DORA_E2E_GITLAB_TOKEN, base_url: "${url}" }
`;

describe("dora rebuild", () => {
  let sim: GitlabSim;
  beforeAll(async () => {
    // acme/live: the same history, its production environment named "live" (production by its tier only)
    const live = paymentsProject("acme/live", 8);
    live.environments[0]!.name = "live";
    for (const d of live.deployments) if (d.environment === "production") d.environment = "live";
    sim = await startGitlabSim({ state: { projects: [paymentsProject(), live] } });
  });
  afterAll(async () => sim.close());

  // Every core.* table as collect wrote it (collected_at aside: the time a row was written), with the
  // rollback and rework flags the transforms derive from those rows.
  const CORE = ["core.deployments", "core.changes", "core.pull_requests", "core.incidents"];
  const snapshot = async (w: Warehouse) => {
    const out: Record<string, unknown[]> = {};
    for (const table of CORE) out[table] = await w.all(`SELECT * EXCLUDE (collected_at) FROM ${table} ORDER BY ALL`);
    out.flags = await w.all("SELECT * FROM intermediate.int_deployment_flags ORDER BY ALL");
    return out;
  };

  it("rebuild --clean re-derives every core.* table from the stored raw pages with no network, as collect wrote it", async () => {
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, "dora.config.yaml"), GITLAB_CONFIG(sim.url));
      const collected = await dora(["collect"], dir, { DORA_E2E_GITLAB_TOKEN: SIM_TOKEN });
      expect(collected.code, collected.stderr).toBe(0);
      expect((await dora(["transform"], dir)).code).toBe(0);
      const file = join(dir, "warehouse.duckdb");
      let before: Record<string, unknown[]> = {};
      await withWarehouseFile(file, async (w) => {
        before = await snapshot(w);
        expect(before["core.deployments"]!.length).toBeGreaterThan(0);
        // GitLab's changes (from compares and the MRs of the first deployment) and derived flags are in
        expect(before["core.changes"]!.length).toBeGreaterThan(0);
        expect((before.flags as { is_rollback: boolean }[]).filter((f) => f.is_rollback)).toHaveLength(4);
        expect((before.flags as { is_rework: boolean }[]).filter((f) => f.is_rework)).toHaveLength(2);
        // the environment tier, kept as a page, decides production for "live"
        const production = (before["core.deployments"] as { service: string; environment: string; is_production: boolean }[]).filter((d) => d.is_production);
        expect(production.filter((d) => d.service === "live").map((d) => d.environment)).toContain("live");
      });
      const requestsBefore = sim.requests.length;
      // No token: a rebuild must not need the network.
      const rebuilt = await dora(["rebuild", "--clean"], dir);
      expect(rebuilt.code, rebuilt.stderr).toBe(0);
      expect(sim.requests.length).toBe(requestsBefore);
      expect(rebuilt.stdout).toMatch(/gitlab\.deployments\s+\d+\s+\d+\s+\d+/);
      expect((await dora(["transform"], dir)).code).toBe(0);
      await withWarehouseFile(file, async (w) => expect(await snapshot(w)).toEqual(before));
    });
  });

  it("says to collect first when no raw page is stored", async () => {
    await withTempDir(async (dir) => {
      writeFileSync(join(dir, "dora.config.yaml"), GITLAB_CONFIG(sim.url));
      const r = await dora(["rebuild"], dir);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("no raw pages stored yet: run `dora collect` first");
    });
  });
});

async function withWarehouseFile(file: string, fn: (w: Warehouse) => Promise<void>): Promise<void> {
  const w = await Warehouse.open(file);
  try {
    await fn(w);
  } finally {
    w.close();
  }
}

describe("dora schedule", () => {
  it("refuses a cron expression it cannot read, with exit 2 and the expression", async () => {
    await withTempDir(async (dir) => {
      const r = await dora(["schedule", "--cron", "every night"], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--cron "every night"');
    });
  });

  it("starts `dora run` on each tick, reports its exit code and the next run, and stops on SIGTERM", async () => {
    await withTempDir(async (dir) => {
      // No source configured: each run exits 2 at once, which the scheduler reports and survives.
      writeFileSync(join(dir, "dora.config.yaml"), "plan:\n  start: 2025-12-01\nservices:\n  api: {}\n");
      const child = spawn(process.execPath, [BIN, "schedule", "--cron", "* * * * * *"], { cwd: dir, env: { ...process.env, CI: "true" } });
      let stderr = "";
      const finished = new Promise<void>((done) => {
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/run finished with exit code 2; next at \d{4}-\d\d-\d\dT/.test(stderr)) done();
        });
      });
      const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
      await finished;
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/^dora schedule: next run at \d{4}-\d\d-\d\dT/);
      expect(stderr).toMatch(/no source is configured/); // the run's own error reaches the operator
    });
  });
});

describe("dora schema", () => {
  it("prints the config's JSON Schema, and writes the same text with --out", async () => {
    await withTempDir(async (dir) => {
      const printed = await dora(["schema"], dir);
      expect(printed.code).toBe(0);
      const schema = JSON.parse(printed.stdout) as { $schema?: string; type: string; properties: Record<string, { properties?: Record<string, unknown> }>; required?: string[] };
      expect(schema.$schema).toMatch(/json-schema\.org/);
      expect(schema.type).toBe("object");
      expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["plan", "services", "sources", "timezone", "warehouse"]));
      expect(Object.keys(schema.properties.plan!.properties!)).toEqual(expect.arrayContaining(["start", "months", "baseline", "final"]));
      const written = await dora(["schema", "--out", "dora.schema.json"], dir);
      expect(written.code).toBe(0);
      expect(written.stdout).toBe("");
      expect(readFileSync(join(dir, "dora.schema.json"), "utf8")).toBe(printed.stdout);
    });
  });
});
