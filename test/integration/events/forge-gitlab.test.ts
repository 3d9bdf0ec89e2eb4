import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { rebuildFromRaw } from "../../../collectors/core/rebuild.ts";
import { collectSource, type RunContext } from "../../../collectors/core/runner.ts";
import { eventsSource } from "../../../collectors/events/index.ts";
import { eventsForgeContext } from "./context.ts";
import { Warehouse, type Row } from "../../../warehouse/warehouse.ts";
import { withTempDir } from "../../helpers/db.ts";
import { TOKEN_ENV } from "../../contract/gitlab/helpers.ts";
import { sha } from "../../sim/gitlab/fixtures.ts";
import { SIM_TOKEN, startGitlabSim, type GitlabSim, type SimCommit } from "../../sim/gitlab/server.ts";

const PROJECT = "acme/api";
let sim: GitlabSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function context(w: Warehouse, dir: string, url: string, lines: string[]): RunContext {
  return eventsForgeContext(w, dir, { gitlab: [PROJECT] }, { gitlab: { base_url: url, token_env: TOKEN_ENV } }, lines);
}

const commit = (label: string, title: string, committed: string, authored = committed): SimCommit => ({
  id: sha(label),
  title,
  author_name: `Author ${label}`,
  authored_date: authored,
  committed_date: committed,
});

describe("events: recorded deployments link their commits through the configured forge (GitLab repository compare)", () => {
  it("each deployment ships the commits since the last deployed sha; a rollback ships none; rebuild --clean gives the same rows; a refused token fails the source naming sources.gitlab.token_env", () =>
    withTempDir(async (dir) => {
      const history = [
        commit("c1", "feat: first", "2026-01-30T09:00:00.000Z"),
        commit("c2", "feat: second", "2026-02-01T12:00:00.000+01:00", "2026-01-31T12:00:00.000Z"),
        commit("c3", "fix: third", "2026-02-02T08:00:00.000Z"),
        commit("c4", "feat: fourth", "2026-02-03T08:00:00.000Z"),
      ];
      const [c1, c2, c3, c4] = history.map((c) => c.id) as [string, string, string, string];
      sim = await startGitlabSim({ state: { projects: [{ id: 11, path: PROJECT, environments: [], deployments: [], mergeRequests: [], history }] } });
      const deploy = (id: string, at: string, s: string, rollback = false) => JSON.stringify({ kind: "deployment", service: "api", sha: s, status: "success", id, finished_at: at, rollback });
      writeFileSync(
        join(dir, "deploys.jsonl"),
        [deploy("1", "2026-02-01T10:00:00Z", c1), deploy("2", "2026-02-02T10:00:00Z", c3), deploy("3", "2026-02-02T11:00:00Z", c1, true), deploy("4", "2026-02-04T10:00:00Z", c4)].join("\n") + "\n",
      );
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        process.env[TOKEN_ENV] = SIM_TOKEN;
        const lines: string[] = [];
        const ctx = context(w, dir, sim.url, lines);
        const result = await collectSource(eventsSource, ctx);
        expect(result.status, lines.join("\n")).toBe("success");
        const changes = await w.all<Row & { commit_sha: string; deployment_id: string; title: string; authored_at: Date; committed_at: Date; author: string }>(
          "SELECT * EXCLUDE (collected_at) FROM core.changes WHERE source = 'events' ORDER BY committed_at",
        );
        expect(changes.map((c) => [c.commit_sha, c.deployment_id, c.title, c.repo, c.author])).toEqual([
          [c2, "events:deployment:api:2", "feat: second", PROJECT, "Author c2"],
          [c3, "events:deployment:api:2", "fix: third", PROJECT, "Author c3"],
          [c4, "events:deployment:api:4", "feat: fourth", PROJECT, "Author c4"],
        ]);
        expect(changes[0]!.authored_at.toISOString()).toBe("2026-01-31T12:00:00.000Z");
        expect(changes[0]!.committed_at.toISOString()).toBe("2026-02-01T11:00:00.000Z");
        // from/to of each new deployment; the rollback to c1 asks nothing new
        const compares = sim.requests.filter((r) => r.path.endsWith("/repository/compare"));
        expect(compares.map((r) => [r.query.from, r.query.to, r.status])).toEqual([
          [c1, c3, 200],
          [c3, c4, 200],
        ]);
        // the compare answers are kept as pages: no token in them
        const pages = await w.all<{ url: string; body: string }>("SELECT url, CAST(params AS VARCHAR) || CAST(body AS VARCHAR) AS body FROM raw.pages WHERE stream = 'events.changes'");
        expect(pages.length).toBeGreaterThan(0);
        expect(pages[0]!.url).toBe(`${sim.url}/api/v4/projects/${encodeURIComponent(PROJECT)}/repository/compare`);
        expect(pages.map((p) => p.body).join("")).not.toContain(SIM_TOKEN);

        const snapshot = async () => ({
          d: await w.all("SELECT * EXCLUDE (collected_at) FROM core.deployments ORDER BY ALL"),
          c: await w.all("SELECT * EXCLUDE (collected_at) FROM core.changes ORDER BY ALL"),
        });
        const before = await snapshot();
        const requests = sim.requests.length;
        await rebuildFromRaw(w, ctx.config, [eventsSource], ctx.log, { clean: true });
        expect(await snapshot()).toEqual(before);
        expect(sim.requests.length).toBe(requests);

        // A refused token: the deployments are kept, the source fails naming what to check.
        await w.run("DELETE FROM core.changes");
        process.env[TOKEN_ENV] = "refused-test-token-gitlab";
        const refused = await collectSource(eventsSource, context(w, dir, sim.url, []));
        expect(refused.status).toBe("failure");
        expect(refused.error).toMatch(/services\.api\.gitlab \(acme\/api\): GitLab refused the token in DORA_TEST_GITLAB_TOKEN \(sources\.gitlab\.token_env\)/);
        expect(refused.error).not.toContain("glpat-wrong");
        expect(refused.streams.find((s) => s.stream === "events.changes")?.failedPartitions.map((p) => p.partition)).toEqual(["api"]);
        expect((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.deployments WHERE source = 'events'"))?.n).toBe(4);
      } finally {
        delete process.env[TOKEN_ENV];
        w.close();
      }
    }));
});
