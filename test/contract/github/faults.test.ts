import { afterEach, describe, expect, it } from "vitest";
import { startGithubSim, SimState, type GithubSim } from "../../sim/github/server.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { githubConfig, runGithub, TOKEN } from "./harness.ts";

let sim: GithubSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** `n` production deployments, one commit each, an hour apart from 2026-02-01. */
function seedMany(state: SimState, repo: string, n: number) {
  state.commit(repo, { message: "root", date: "2026-01-31T00:00:00Z" });
  for (let i = 0; i < n; i++) {
    const at = new Date(Date.parse("2026-02-01T00:00:00Z") + i * 3600_000).toISOString();
    const sha = state.commit(repo, { message: `change ${i}`, date: at });
    state.deploy(repo, { sha, at: new Date(Date.parse(at) + 60_000).toISOString() });
  }
}

const count = async (w: import("../../../warehouse/warehouse.ts").Warehouse, sql: string) => (await w.one<{ n: number }>(sql))!.n;

describe("github collector: paging and faults", () => {
  it("follows Link headers to the last page (deployments) and pages compare past its 250-commit cap", async () => {
    const state = new SimState();
    const repo = "acme/big";
    seedMany(state, repo, 120);
    // 300 commits between two deployments: compare must page (per_page=100) past the 250 cap.
    for (let i = 0; i < 300; i++) state.commit(repo, { message: `bulk ${i}`, date: new Date(Date.parse("2026-02-10T00:00:00Z") + i * 60_000).toISOString() });
    state.deploy(repo, { sha: state.head(repo), at: "2026-02-11T00:00:00Z" });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { big: { github: [repo] } }, { page_size: 50 }));
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      expect(await count(w, "SELECT count(*) AS n FROM core.deployments")).toBe(121);
      const listPages = sim!.requests.filter((r) => r.path.endsWith("/deployments"));
      expect(listPages.map((r) => r.query.page ?? "1")).toEqual(["1", "2", "3"]);
      // 119 one-commit deployments + 300 commits in one range (the first deployment has no base).
      expect(await count(w, "SELECT count(*) AS n FROM core.changes")).toBe(119 + 300);
      const comparePages = sim!.requests.filter((r) => r.path.includes("/compare/"));
      expect(comparePages).toHaveLength(5); // 419 commits, 100 a page, one compare for all new deployments
      const last = await w.one<{ n: number }>(
        "SELECT count(*) AS n FROM core.changes WHERE deployment_id = (SELECT deployment_id FROM core.deployments ORDER BY finished_at DESC LIMIT 1)",
      );
      expect(last!.n).toBe(300);
    });
  });

  it("workflow runs: past GitHub's 1,000-result cap on a filtered list, asks again for older runs", async () => {
    const state = new SimState();
    const repo = "acme/busy";
    const sha = state.commit(repo, { message: "root", date: "2026-01-01T00:00:00Z" });
    for (let i = 0; i < 1050; i++) {
      const created = new Date(Date.parse("2026-01-01T00:00:00Z") + i * 600_000).toISOString().replace(".000Z", "Z");
      state.repo(repo).runs.push({
        id: 10_000 + i, workflow_id: 1, name: "Deploy", path: ".github/workflows/deploy.yml", head_branch: "main", head_sha: sha, event: "push",
        status: "completed", conclusion: "success", created_at: created, updated_at: created, run_started_at: created,
      });
    }
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { busy: { github: [repo] } }, { deployments: { from: "workflow_runs", branch: "main" } }));
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      expect(await count(w, "SELECT count(*) AS n FROM core.deployments")).toBe(1050);
      const runs = sim!.requests.filter((r) => r.path.endsWith("/actions/runs"));
      expect(runs.filter((r) => r.query.created?.startsWith("<=")).length).toBeGreaterThan(0);
    });
  });

  it.each([403, 429] as const)("waits for the primary rate limit to reset (%i, x-ratelimit-remaining: 0) and resumes", async (status) => {
    const state = new SimState();
    seedMany(state, "acme/api", 3);
    // Three requests fit in the first second (Octokit spaces GraphQL calls a second apart): the third
    // meets remaining 0 and waits for the reset, a few seconds later.
    sim = await startGithubSim({ token: TOKEN, state, rateLimit: { limit: 2, windowSeconds: 4, status } });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { api: { github: ["acme/api"] } }));
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      expect(sim!.requests.some((r) => r.status === status)).toBe(true);
      expect(run.lines.some((l) => /rate limit reached; waiting \d+s/.test(l))).toBe(true);
      expect(await count(w, "SELECT count(*) AS n FROM core.deployments")).toBe(3);
      expect(await count(w, "SELECT count(*) AS n FROM core.changes")).toBe(2);
    });
  });

  it("honours retry-after on a secondary rate limit", async () => {
    const state = new SimState();
    seedMany(state, "acme/api", 2);
    sim = await startGithubSim({
      token: TOKEN,
      state,
      faults: [{ path: /\/deployments$/, status: 403, headers: { "retry-after": "1" }, body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." } }],
    });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { api: { github: ["acme/api"] } }));
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      expect(run.lines.some((l) => l.includes("secondary rate limit; waiting 1s"))).toBe(true);
      expect(await count(w, "SELECT count(*) AS n FROM core.deployments")).toBe(2);
    });
  });

  it("retries a 502 (REST and GraphQL) and counts every attempt", async () => {
    const state = new SimState();
    seedMany(state, "acme/api", 2);
    sim = await startGithubSim({ token: TOKEN, state, faults: [{ path: /\/deployments$/, status: 502, times: 2 }, { path: /graphql$/, status: 502, times: 1 }] });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { api: { github: ["acme/api"] } }));
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      expect(sim!.requests.filter((r) => r.status === 502)).toHaveLength(3);
      expect(run.requests).toBe(sim!.requests.length);
      expect(await count(w, "SELECT count(*) AS n FROM core.deployments WHERE status = 'success'")).toBe(2);
    });
  });

  it("a 200 answer that is not JSON (a proxy's page) fails that stream with the URL; nothing is stored from it", async () => {
    const state = new SimState();
    seedMany(state, "acme/api", 2);
    sim = await startGithubSim({ token: TOKEN, state, faults: [{ path: /\/deployments$/, status: 200, raw: "<html>Service temporarily in maintenance</html>" }] });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { api: { github: ["acme/api"] } }));
      const stream = run.result.streams.find((s) => s.stream === "github.deployments")!;
      expect(stream.error).toMatch(/GitHub answered \S*\/repos\/acme\/api\/deployments\S* with a body that is not JSON: <html>Service temporarily/);
      expect(await count(w, "SELECT count(*) AS n FROM raw.pages WHERE stream = 'github.deployments'")).toBe(0);
    });
  });

  it("a GraphQL answer that is not JSON is retried; when it stays so, the stream fails saying 'not JSON' with the URL", async () => {
    const state = new SimState();
    seedMany(state, "acme/api", 2);
    state.mergePull("acme/api", { how: "squash", commits: [{ message: "x", authoredAt: "2026-02-03T00:00:00Z" }], openedAt: "2026-02-03T01:00:00Z", mergedAt: "2026-02-03T02:00:00Z" });
    sim = await startGithubSim({ token: TOKEN, state, faults: [{ path: /^\/graphql$/, status: 200, raw: "<html>502 Bad Gateway</html>", times: 1 }] });
    await withMemoryWarehouse(async (w) => {
      const once = await runGithub(w, githubConfig(sim!.url, { api: { github: ["acme/api"] } }));
      expect(once.result.status, once.result.error).toBe("success");
      expect(sim!.faults[0]!.times).toBe(0);
      expect(await count(w, "SELECT count(*) AS n FROM core.pull_requests")).toBe(1);
    });
    sim.faults.push({ path: /^\/graphql$/, status: 200, raw: '{"data": {"repository": {"pullRequests": {"nod', times: 1000 });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { api: { github: ["acme/api"] } }));
      const stream = run.result.streams.find((s) => s.stream === "github.pull_requests")!;
      expect(stream.error).toMatch(/GitHub answered POST http:\/\/127\.0\.0\.1:\d+\/graphql with a body that is not JSON/);
      expect(run.result.error).not.toMatch(/Cannot read properties/);
    });
  });

  it("a malformed item stops that stream for that repo, names repo, item and field; the rest goes on and nothing stored is lost", async () => {
    const state = new SimState();
    seedMany(state, "acme/web", 2);
    seedMany(state, "acme/api", 2);
    state.mergePull("acme/web", { how: "squash", commits: [{ message: "x", authoredAt: "2026-02-03T00:00:00Z" }], openedAt: "2026-02-03T01:00:00Z", mergedAt: "2026-02-03T02:00:00Z" });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { web: { github: ["acme/web"] }, api: { github: ["acme/api"] } });
      await runGithub(w, config);
      expect(await count(w, "SELECT count(*) AS n FROM core.deployments")).toBe(4);

      // A new deployment on each repo; acme/web's newest arrives without a usable sha.
      for (const repo of ["acme/web", "acme/api"]) {
        const sha = state.commit(repo, { message: "later", date: "2026-02-05T00:00:00Z" });
        const d = state.deploy(repo, { sha, at: "2026-02-05T01:00:00Z" });
        if (repo === "acme/web") state.repo(repo).malformed.push({ kind: "deployment", id: d.id, patch: { sha: null } });
      }
      const run = await runGithub(w, config);
      const stream = run.result.streams.find((s) => s.stream === "github.deployments")!;
      const bad = state.repo("acme/web").deployments.at(-1)!.id;
      expect(stream.error).toContain(`github.deployments [acme/web] item ${bad}: deployment.sha:`);
      expect(run.lines.join("\n")).toContain(`item ${bad}`);
      // acme/api's new deployment (same stream, next repo) and the other streams went on.
      expect(await count(w, "SELECT count(*) AS n FROM core.deployments WHERE repo = 'acme/api'")).toBe(3);
      expect(run.result.streams.find((s) => s.stream === "github.pull_requests")!.error).toBeUndefined();
      expect(await count(w, "SELECT count(*) AS n FROM core.pull_requests")).toBe(1);
      // Nothing stored before is lost, and the raw page is kept for diagnosis.
      expect(await count(w, "SELECT count(*) AS n FROM core.deployments WHERE repo = 'acme/web'")).toBe(2);
      expect(await count(w, `SELECT count(*) AS n FROM raw.pages WHERE stream = 'github.deployments' AND partition = 'acme/web' AND body::VARCHAR LIKE '%"id":${bad},%'`)).toBe(1);
      expect(run.result.status).toBe("failure");
    });
  });

  it("a repository that answers 404 is a failed partition named in a clear line; the others are collected", async () => {
    const state = new SimState();
    seedMany(state, "acme/api", 2);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { gone: { github: ["acme/gone"] }, api: { github: ["acme/api"] } }));
      expect(run.result.status, run.lines.join("\n")).toBe("failure");
      const failed = run.lines.filter((l) => l.includes("[acme/gone] not found"));
      expect(failed.length).toBeGreaterThanOrEqual(2); // REST (deployments) and GraphQL (pull requests)
      expect(run.result.streams.find((s) => s.stream === "github.pull_requests")!.failedPartitions).toEqual([
        { partition: "acme/gone", reason: expect.stringContaining("repository acme/gone not found") },
      ]);
      expect(await count(w, "SELECT count(*) AS n FROM core.deployments WHERE repo = 'acme/api'")).toBe(2);
    });
  });

  it("a wrong token fails the source naming GITHUB_TOKEN, and is never printed", async () => {
    const state = new SimState();
    seedMany(state, "acme/api", 1);
    // A fake token in GitHub's shape, joined at run time so secret scanners do not flag a fixture.
    sim = await startGithubSim({ token: ["ghp", "someOtherTokenAAAAAAAAAAAAAAAAAAAAAA"].join("_"), state });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { api: { github: ["acme/api"] } }));
      expect(run.result.status).toBe("failure");
      expect(run.result.error).toMatch(/^github: the API refused the credentials \(HTTP 401 unauthorized\); check the token in DORA_TEST_GITHUB_TOKEN \(sources\.github\.token_env\)/);
      expect(run.lines.join("\n")).not.toContain(TOKEN);
    });
  });
});
