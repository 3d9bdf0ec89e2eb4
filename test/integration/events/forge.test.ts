import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { rebuildFromRaw } from "../../../collectors/core/rebuild.ts";
import { collectSource, type RunContext } from "../../../collectors/core/runner.ts";
import { eventsSource } from "../../../collectors/events/index.ts";
import { eventsForgeContext } from "./context.ts";
import { Warehouse, type Row } from "../../../warehouse/warehouse.ts";
import { withTempDir } from "../../helpers/db.ts";
import { TOKEN, TOKEN_ENV } from "../../contract/github/harness.ts";
import { startGithubSim, type GithubSim } from "../../sim/github/server.ts";
import { SimState } from "../../sim/github/state.ts";

const REPO = "acme/api";
let sim: GithubSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function context(w: Warehouse, dir: string, url: string, lines: string[]): RunContext {
  return eventsForgeContext(w, dir, { github: [REPO] }, { github: { base_url: url, token_env: TOKEN_ENV, retry_base_ms: 5 } }, lines);
}

describe("events: recorded deployments link their commits through the configured forge (GitHub compare)", () => {
  it("each deployment ships the commits since the last deployed sha; a rollback ships none; rebuild --clean gives the same rows; a refused token fails the source naming the variable", () =>
    withTempDir(async (dir) => {
      const state = new SimState();
      const c1 = state.commit(REPO, { message: "feat: first", date: "2026-01-30T09:00:00Z" });
      const c2 = state.commit(REPO, { message: "feat: second\n\nbody", date: "2026-02-01T12:00:00Z", authoredAt: "2026-01-31T12:00:00Z" });
      const c3 = state.commit(REPO, { message: "fix: third", date: "2026-02-02T08:00:00Z" });
      const c4 = state.commit(REPO, { message: "feat: fourth", date: "2026-02-03T08:00:00Z" });
      sim = await startGithubSim({ token: TOKEN, state });
      const deploy = (id: string, sha: string, at: string, rollback = false) => JSON.stringify({ kind: "deployment", service: "api", sha, status: "success", id, finished_at: at, rollback });
      writeFileSync(
        join(dir, "deploys.jsonl"),
        [deploy("1", c1, "2026-02-01T10:00:00Z"), deploy("2", c3, "2026-02-02T10:00:00Z"), deploy("3", c1, "2026-02-02T11:00:00Z", true), deploy("4", c4, "2026-02-04T10:00:00Z")].join("\n") + "\n",
      );
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        process.env[TOKEN_ENV] = TOKEN;
        const lines: string[] = [];
        const ctx = context(w, dir, sim.url, lines);
        const result = await collectSource(eventsSource, ctx);
        expect(result.status, lines.join("\n")).toBe("success");
        const changes = await w.all<Row & { commit_sha: string; deployment_id: string; title: string; authored_at: Date }>(
          "SELECT * EXCLUDE (collected_at) FROM core.changes WHERE source = 'events' ORDER BY committed_at",
        );
        expect(changes.map((c) => [c.commit_sha, c.deployment_id, c.title, c.repo])).toEqual([
          [c2, "events:deployment:api:2", "feat: second", REPO],
          [c3, "events:deployment:api:2", "fix: third", REPO],
          [c4, "events:deployment:api:4", "feat: fourth", REPO],
        ]);
        expect(changes[0]!.authored_at.toISOString()).toBe("2026-01-31T12:00:00.000Z");
        // base...head of each new deployment; the rollback to c1 asks nothing new
        expect(sim.requests.map((r) => r.path).filter((p) => p.includes("/compare/"))).toHaveLength(2);

        const snapshot = async () => ({
          d: await w.all("SELECT * EXCLUDE (collected_at) FROM core.deployments ORDER BY ALL"),
          c: await w.all("SELECT * EXCLUDE (collected_at) FROM core.changes ORDER BY ALL"),
        });
        const before = await snapshot();
        await rebuildFromRaw(w, ctx.config, [eventsSource], ctx.log, { clean: true });
        expect(await snapshot()).toEqual(before);

        // A refused token: the deployments are kept, the source fails naming what to check.
        await w.run("DELETE FROM core.changes");
        process.env[TOKEN_ENV] = "refused-test-token-github";
        const refused = await collectSource(eventsSource, context(w, dir, sim.url, []));
        expect(refused.status).toBe("failure");
        expect(refused.error).toMatch(/services\.api\.github \(acme\/api\): GitHub refused the token in DORA_TEST_GITHUB_TOKEN \(sources\.github\.token_env\)/);
        expect(refused.error).not.toContain("ghp_wrong");
        expect(refused.streams.find((s) => s.stream === "events.changes")?.failedPartitions.map((p) => p.partition)).toEqual(["api"]);
        expect((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.deployments WHERE source = 'events'"))?.n).toBe(4);
      } finally {
        process.env[TOKEN_ENV] = TOKEN;
        w.close();
      }
    }));
});
