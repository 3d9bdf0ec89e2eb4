import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createArgocdSource } from "../../../collectors/argocd/index.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { rebuildFromRaw } from "../../../collectors/core/rebuild.ts";
import { collectSource, type RunContext } from "../../../collectors/core/runner.ts";
import { Config } from "../../../schemas/config.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { Warehouse, type Row } from "../../../warehouse/warehouse.ts";
import { withTempDir } from "../../helpers/db.ts";
import { gitRepo } from "../../helpers/git-repo.ts";
import { ArgocdState, startArgocdSim, type ArgocdSim } from "../../sim/argocd/server.ts";

/** Argo CD with tiny back-offs, so retries do not slow the suite. */
const argocdSource = createArgocdSource({ retry: { baseDelayMs: 1, maxDelayMs: 5 } });

const TOKEN_ENV = "DORA_TEST_ARGOCD_TOKEN";
const TOKEN = "argocd-collect-test-token-7c1e9a";
const FORBIDDEN = "argocd-forbidden-token-0b33";
process.env[TOKEN_ENV] = TOKEN;

let sim: ArgocdSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function context(w: Warehouse, url: string, services: Record<string, string[]>, lines: string[], git: Record<string, string> = {}): RunContext {
  const config = Config.parse({
    timezone: "Europe/Berlin",
    plan: { start: "2026-01-01", months: 6 },
    services: Object.fromEntries(Object.entries(services).map(([name, argocd]) => [name, { argocd }])),
    sources: { argocd: { base_url: url, token_env: TOKEN_ENV, git } },
  });
  return {
    config,
    log: createLogger({ write: (l) => lines.push(l) }),
    runId: `run-${Math.random().toString(36).slice(2)}`,
    requests: { count: 0 },
    warehouse: w,
  };
}

async function withWarehouse<T>(fn: (w: Warehouse, dir: string) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    const w = await Warehouse.open(join(dir, "warehouse.duckdb"));
    try {
      return await fn(w, dir);
    } finally {
      w.close();
    }
  });
}

const sha = (n: number) => n.toString(16).padStart(2, "0").repeat(20);
const day = (d: number, h = 10) => `2026-02-${String(d).padStart(2, "0")}T${String(h).padStart(2, "0")}:00:00Z`;

/** Syncs `revisions` on consecutive days from `fromDay`, each taking two minutes. */
function syncs(state: ArgocdState, app: string, revisions: string[], fromDay: number) {
  revisions.forEach((revision, i) => state.sync(app, { revision, startedAt: day(fromDay + i), deployedAt: day(fromDay + i).replace(":00:00Z", ":02:00Z"), automated: true }));
}

async function deployments(w: Warehouse) {
  return w.all<{ deployment_id: string; commit_sha: string | null; environment: string; is_production: boolean; status: string; started_at: Date; finished_at: Date }>(
    "SELECT deployment_id, commit_sha, environment, is_production, status, started_at, finished_at FROM core.deployments WHERE source = 'argocd' ORDER BY finished_at, deployment_id",
  );
}

describe("Argo CD source: application history → deployments", () => {
  it("each history entry is a deployment (revision, deployStartedAt, deployedAt, id); production by destination; a failed operation is a failed deployment", () =>
    withWarehouse(async (w) => {
      const state = new ArgocdState();
      state.addApp("payments");
      state.addApp("payments-staging", { destination: { name: "staging", namespace: "payments" } });
      syncs(state, "payments", [sha(1), sha(2)], 1);
      syncs(state, "payments-staging", [sha(3)], 1);
      state.failSync("payments", { revision: sha(4), startedAt: day(5), finishedAt: "2026-02-05T10:03:00Z", message: "Deployment.apps payments is invalid" });
      sim = await startArgocdSim({ token: TOKEN, state });
      const lines: string[] = [];
      const result = await collectSource(argocdSource, context(w, sim.url, { payments: ["payments", "payments-staging"] }, lines));
      expect(result.status, lines.join("\n")).toBe("success");
      const rows = await deployments(w);
      expect(rows.map((r) => [r.deployment_id, r.commit_sha, r.environment, r.is_production, r.status])).toEqual([
        // same finish: ordered by id
        ["argocd:deployment:payments-staging:0", sha(3), "staging/payments", false, "success"],
        ["argocd:deployment:payments:0", sha(1), "prod/payments", true, "success"],
        ["argocd:deployment:payments:1", sha(2), "prod/payments", true, "success"],
        [`argocd:deployment:payments:op-${Date.parse(day(5)) / 1000}`, sha(4), "prod/payments", true, "failure"],
      ]);
      expect(rows[0]!.started_at.toISOString()).toBe("2026-02-01T10:00:00.000Z");
      expect(rows[0]!.finished_at.toISOString()).toBe("2026-02-01T10:02:00.000Z");
      // the raw application pages are kept, without the token
      const pages = await w.all<{ body: string; url: string }>("SELECT body::VARCHAR AS body, url FROM raw.pages WHERE stream = 'argocd.applications'");
      expect(pages).toHaveLength(2);
      expect(pages.map((p) => p.url).sort()).toEqual([`${sim.url}/api/v1/applications/payments`, `${sim.url}/api/v1/applications/payments-staging`]);
      for (const p of pages) expect(`${p.body} ${p.url}`).not.toContain(TOKEN);
      expect(sim.requests.every((r) => !r.includes(TOKEN))).toBe(true);
    }));

  it("is incremental: history capped at revisionHistoryLimit is kept across runs; a gap (more syncs between two runs than the limit) is warned about, in the log and in doctor", () =>
    withWarehouse(async (w) => {
      const state = new ArgocdState();
      state.addApp("api", { revisionHistoryLimit: 4 });
      sim = await startArgocdSim({ token: TOKEN, state });
      const run = async () => {
        const lines: string[] = [];
        const ctx = context(w, sim!.url, { api: ["api"] }, lines);
        expect((await collectSource(argocdSource, ctx)).status, lines.join("\n")).toBe("success");
        return { lines, ctx };
      };
      syncs(state, "api", [1, 2, 3].map(sha), 1);
      await run();
      syncs(state, "api", [4, 5, 6, 7].map(sha), 4); // history keeps ids 3..6: nothing lost
      const second = await run();
      expect(second.lines.join("\n")).not.toMatch(/dropped/);
      expect((await deployments(w)).map((r) => r.deployment_id.split(":").at(-1))).toEqual(["0", "1", "2", "3", "4", "5", "6"]);
      // the history Argo CD serves now starts at id 3: ids 0..2 exist only in the warehouse
      expect(state.app("api").history.map((h) => h.id)).toEqual([3, 4, 5, 6]);

      syncs(state, "api", [8, 9, 10, 11, 12, 13].map(sha), 8); // ids 7..12, history keeps 9..12
      const third = await run();
      expect(third.lines.join("\n")).toMatch(/api: history entries 7…8 were dropped by Argo CD before a run stored them/);
      expect((await deployments(w)).map((r) => r.deployment_id.split(":").at(-1))).toEqual(["0", "1", "2", "3", "4", "5", "6", "9", "10", "11", "12"]);
      const check = await argocdSource.check!(third.ctx);
      expect(typeof check).toBe("object");
      const { detail, warnings } = check as { detail: string; warnings: { detail: string; fix: string }[] };
      expect(detail).toMatch(/authenticated as dora-reader/);
      expect(detail).toMatch(/api → prod\/api \(production\): 4 of 4 history entries kept/);
      expect(detail).toMatch(/the nightly collection builds the history, and what it stored is kept/);
      expect(warnings.map((x) => x.detail)).toEqual([expect.stringMatching(/^api: history entries 7…8 were dropped/)]);
      expect(warnings[0]!.fix).toMatch(/at least once every 4 syncs/);
    }));

  it("a 503 is retried; a refused token (401, 403) fails the source naming the variable; a missing application fails only its partition", () =>
    withWarehouse(async (w) => {
      const state = new ArgocdState();
      state.addApp("api");
      syncs(state, "api", [sha(1)], 1);
      sim = await startArgocdSim({ token: TOKEN, forbiddenToken: FORBIDDEN, state });
      const lines: string[] = [];
      sim.failNext(2, 503);
      const missing = await collectSource(argocdSource, context(w, sim.url, { api: ["api", "gone"] }, lines));
      expect(missing.status).toBe("failure");
      expect(missing.streams[0]!.failedPartitions).toEqual([{ partition: "gone", reason: expect.stringMatching(/^not found: .*applications\.argoproj\.io "gone" not found/) }]);
      expect((await deployments(w)).map((r) => r.deployment_id)).toEqual(["argocd:deployment:api:0"]);

      for (const [token, status] of [["wrong-token-value", 401], [FORBIDDEN, 403]] as const) {
        process.env[TOKEN_ENV] = token;
        try {
          const refused = await collectSource(argocdSource, context(w, sim.url, { api: ["api"] }, lines));
          expect(refused.status).toBe("failure");
          expect(refused.error).toMatch(new RegExp(`^argocd: the API refused the credentials \\(HTTP ${status}`));
          expect(refused.error).toContain(`the token in ${TOKEN_ENV} (sources.argocd.token_env)`);
          expect(refused.error).not.toContain(token);
          // the changes stream is not asked once the source halted
          expect(refused.streams.map((s) => s.stream)).toEqual(["argocd.applications"]);
          const run = await w.one<{ status: string; error: string }>("SELECT status, error FROM sync.runs WHERE source = 'argocd' ORDER BY started_at DESC LIMIT 1");
          expect(run?.status).toBe("failure");
        } finally {
          process.env[TOKEN_ENV] = TOKEN;
        }
      }
    }));
});

describe("Argo CD source through the transforms", () => {
  it("a sync to an older revision is a rollback (also beyond the history Argo CD still keeps); a canary rolled back counts in change failure rate; re-syncs and rolling forward again do not", () =>
    withWarehouse(async (w) => {
      const state = new ArgocdState();
      state.addApp("api", { revisionHistoryLimit: 4 });
      sim = await startArgocdSim({ token: TOKEN, state });
      const collect = async () => {
        const lines: string[] = [];
        const ctx = context(w, sim!.url, { api: ["api"] }, lines);
        expect((await collectSource(argocdSource, ctx)).status, lines.join("\n")).toBe("success");
        return ctx;
      };
      // ids: 0 A, 1 B, 2 C (canary of C fails its analysis) → 3 B: automatic rollback to the stable revision
      syncs(state, "api", [sha(0xa), sha(0xb), sha(0xc), sha(0xb)], 1);
      await collect();
      // 4 B again (a re-sync), 5 C (rolling forward again), 6 D, 7 E, then 8 A: back to a revision only the warehouse remembers
      syncs(state, "api", [sha(0xb), sha(0xc), sha(0xd), sha(0xe)], 5);
      await collect();
      syncs(state, "api", [sha(0xa)], 9);
      expect(state.app("api").history.map((h) => h.revision)).toEqual([sha(0xc), sha(0xd), sha(0xe), sha(0xa)]);
      const ctx = await collect();
      await runTransforms(w, ctx.config);
      const flags = await w.all<{ id: string; is_rollback: boolean }>(
        "SELECT natural_key AS id, is_rollback FROM intermediate.int_deployments ORDER BY finished_at",
      );
      expect(flags.map((f) => [f.id, f.is_rollback])).toEqual([
        ["0", false], ["1", false], ["2", false], ["3", true], ["4", false], ["5", false], ["6", false], ["7", false], ["8", true],
      ]);
      const failed = await w.all<{ id: string; reason: string }>(
        "SELECT regexp_extract(deployment_id, '[^:]+$') AS id, failed_reason AS reason FROM intermediate.int_deployment_failures WHERE is_failed ORDER BY finished_at",
      );
      // the canary's deployment (2, C) and the one rolled back by 8 (7, E)
      expect(failed).toEqual([{ id: "2", reason: "rollback" }, { id: "7", reason: "rollback" }]);
      const cfr = await w.one<{ deployments: number; failed_deployments: number; rate: number }>(
        "SELECT deployments, failed_deployments, rate FROM metrics.change_failure_rate WHERE grain = 'month' AND period_start = DATE '2026-02-01' AND service = 'api'",
      );
      // 9 deployments, 2 failed: 2 / 9
      expect(cfr).toEqual({ deployments: 9, failed_deployments: 2, rate: 2 / 9 });
    }));

  it("commits link to changes through the service's clone; collect → rebuild --clean → core.* identical", () =>
    withWarehouse(async (w, dir) => {
      const repo = gitRepo(join(dir, "repo"));
      const c1 = repo.commit("feat: first", { at: "2026-01-30T09:00:00Z" });
      const c2 = repo.commit("feat: second", { at: "2026-02-01T12:00:00Z" });
      const c3 = repo.commit("fix: third", { at: "2026-02-02T08:00:00Z" });
      const c4 = repo.commit("feat: fourth", { at: "2026-02-03T08:00:00Z" });
      const state = new ArgocdState();
      state.addApp("api", { revisionHistoryLimit: 2 });
      sim = await startArgocdSim({ token: TOKEN, state });
      const collect = async () => {
        const lines: string[] = [];
        const ctx = context(w, sim!.url, { api: ["api"] }, lines, { api: repo.dir });
        expect((await collectSource(argocdSource, ctx)).status, lines.join("\n")).toBe("success");
        return ctx;
      };
      syncs(state, "api", [c1, c3], 1); // 0: c1 (first: nothing to compare with), 1: c3 ships c2, c3
      await collect();
      syncs(state, "api", [c1, c4], 3); // 2: rollback to c1 ships nothing, 3: c4 ships c4
      const ctx = await collect();
      const changes = await w.all<{ commit_sha: string; deployment_id: string }>("SELECT commit_sha, deployment_id FROM core.changes WHERE source = 'argocd' ORDER BY committed_at");
      expect(changes.map((c) => [c.commit_sha, c.deployment_id.split(":").at(-1)])).toEqual([[c2, "1"], [c3, "1"], [c4, "3"]]);

      const snapshot = async () => {
        const out: Record<string, Row[]> = {};
        for (const t of ["core.deployments", "core.changes"]) out[t] = await w.all(`SELECT * EXCLUDE (collected_at) FROM ${t} ORDER BY ALL`);
        return out;
      };
      const before = await snapshot();
      expect(before["core.deployments"]).toHaveLength(4);
      await rebuildFromRaw(w, ctx.config, [argocdSource], ctx.log, { clean: true });
      expect(await snapshot()).toEqual(before);
    }));
});
