import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { githubSource } from "../../../collectors/github/index.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { startGithubSim, SimState, type GithubSim } from "../../sim/github/server.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { deploymentFlags } from "../../helpers/flags.ts";
import { githubConfig, runGithub, TOKEN, TOKEN_ENV } from "./harness.ts";

let sim: GithubSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const at = (day: number, hour = 12) => `2026-03-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00Z`;

describe("github collector: how a repository records production deployments", () => {
  it("releases: published ones count; drafts and pre-releases only when configured", async () => {
    const state = new SimState();
    const repo = "acme/app";
    const shas = [1, 2, 3, 4].map((d) => state.commit(repo, { message: `c${d}`, date: at(d) }));
    const rel = (id: number, tag: string, sha: string, day: number, extra: Partial<{ draft: boolean; prerelease: boolean }> = {}) =>
      state.repo(repo).releases.push({ id, tag_name: tag, name: tag, draft: false, prerelease: false, created_at: at(day, 10), published_at: extra.draft ? null : at(day, 11), sha, ...extra });
    rel(1, "v1.0.0", shas[0]!, 1);
    rel(2, "v1.1.0-rc1", shas[1]!, 2, { prerelease: true });
    rel(3, "v1.1.0", shas[2]!, 3);
    rel(4, "v1.2.0", shas[3]!, 4, { draft: true });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { app: { github: [repo] } }, { deployments: { from: "releases" } });
      const run = await runGithub(w, config);
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      const rows = await w.all<{ deployment_id: string; ref: string; finished_at: Date }>("SELECT deployment_id, ref, finished_at FROM core.deployments ORDER BY finished_at");
      expect(rows.map((r) => r.ref)).toEqual(["v1.0.0", "v1.1.0"]);
      expect(rows[1]!.deployment_id).toBe("github:release:acme/app:3");
      expect(rows[1]!.finished_at.toISOString()).toBe("2026-03-03T11:00:00.000Z");
      // v1.1.0 shipped c2 and c3 (the pre-release is not a production deployment).
      expect((await w.all<{ title: string }>("SELECT title FROM core.changes ORDER BY committed_at")).map((c) => c.title)).toEqual(["c2", "c3"]);

      const withPre = githubConfig(sim!.url, { app: { github: [{ repo, deployments: { include_prereleases: true } }] } }, { deployments: { from: "releases" } });
      await runGithub(w, withPre);
      expect((await w.all<{ ref: string }>("SELECT ref FROM core.deployments ORDER BY finished_at")).map((r) => r.ref)).toEqual(["v1.0.0", "v1.1.0-rc1", "v1.1.0"]);
    });
  });

  it("tags: matching tags, annotated tag date else commit date", async () => {
    const state = new SimState();
    const repo = "acme/lib";
    const a = state.commit(repo, { message: "a", date: at(1) });
    const b = state.commit(repo, { message: "b", date: at(2) });
    const c = state.commit(repo, { message: "c", date: at(3) });
    state.repo(repo).tags.push({ name: "v1.0.0", sha: a }, { name: "nightly-2", sha: b }, { name: "v1.1.0", sha: c, tagger_date: at(5, 9) });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { lib: { github: [{ repo, deployments: { from: "tags" } }] } }));
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      const rows = await w.all<{ deployment_id: string; finished_at: Date; original_status: string }>(
        "SELECT deployment_id, finished_at, original_status FROM core.deployments ORDER BY finished_at",
      );
      expect(rows.map((r) => [r.deployment_id, r.finished_at.toISOString(), r.original_status])).toEqual([
        ["github:tag:acme/lib:v1.0.0", "2026-03-01T12:00:00.000Z", "tag"],
        ["github:tag:acme/lib:v1.1.0", "2026-03-05T09:00:00.000Z", "annotated tag"],
      ]);
      expect((await w.all<{ title: string }>("SELECT title FROM core.changes ORDER BY committed_at")).map((r) => r.title)).toEqual(["b", "c"]);
    });
  });

  it("workflow runs in a monorepo: each service by its workflow; success counts, failures are kept as failures", async () => {
    const state = new SimState();
    const repo = "acme/mono";
    const names: Record<string, string> = { "deploy-web.yml": "Deploy web", "deploy-api.yml": "Deploy api", "ci.yml": "CI" };
    const run = (id: number, path: string, sha: string, day: number, conclusion: string | null, branch = "main") =>
      state.repo(repo).runs.push({
        id, workflow_id: id, name: names[path.split("/").pop()!]!, path, head_branch: branch, head_sha: sha,
        event: "push", status: conclusion ? "completed" : "in_progress", conclusion, created_at: at(day, 10), updated_at: at(day, 11), run_started_at: at(day, 10),
      });
    const s1 = state.commit(repo, { message: "one", date: at(1) });
    run(11, ".github/workflows/deploy-web.yml", s1, 1, "success");
    run(12, ".github/workflows/deploy-api.yml", s1, 1, "success");
    const s2 = state.commit(repo, { message: "two", date: at(2) });
    run(13, ".github/workflows/deploy-web.yml", s2, 2, "failure");
    run(14, ".github/workflows/deploy-web.yml", s2, 2, "success", "feature/x");
    run(15, ".github/workflows/ci.yml", s2, 2, "success");
    const s3 = state.commit(repo, { message: "three", date: at(3) });
    run(16, ".github/workflows/deploy-web.yml", s3, 3, "success");
    run(17, ".github/workflows/deploy-api.yml", s3, 3, null);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(
        sim!.url,
        {
          web: { github: [{ repo, deployments: { from: "workflow_runs", workflow: "deploy-web\\.yml$", branch: "main" } }] },
          api: { github: [{ repo, deployments: { from: "workflow_runs", workflow: "^Deploy api$", branch: "main" } }] },
        },
      );
      const result = await runGithub(w, config);
      expect(result.result.status, result.lines.join("\n")).toBe("success");
      const rows = await w.all<{ deployment_id: string; service: string; status: string }>("SELECT deployment_id, service, status FROM core.deployments ORDER BY deployment_id");
      expect(rows).toEqual([
        { deployment_id: "github:workflow_run:acme/mono:11:web", service: "web", status: "success" },
        { deployment_id: "github:workflow_run:acme/mono:12:api", service: "api", status: "success" },
        { deployment_id: "github:workflow_run:acme/mono:13:web", service: "web", status: "failure" },
        { deployment_id: "github:workflow_run:acme/mono:16:web", service: "web", status: "success" },
        { deployment_id: "github:workflow_run:acme/mono:17:api", service: "api", status: "running" },
      ]);
      // The branch filter went to GitHub (one branch for both services).
      expect(sim!.requests.find((r) => r.path.endsWith("/actions/runs"))!.query.branch).toBe("main");
      const changes = await w.all<{ change_id: string; service: string; title: string }>("SELECT change_id, service, title FROM core.changes ORDER BY change_id");
      // web: run 16 shipped "three" after run 11 (run 13 failed, run 14 was another branch); api's only
      // successful run is its first, so nothing to compare with yet.
      expect(changes.map((c) => [c.service, c.title]).sort()).toEqual([
        ["web", "three"],
        ["web", "two"],
      ]);
      expect(changes.every((c) => c.change_id.endsWith(":web"))).toBe(true);
    });
  });

  it("monorepo by paths: one production deployment for both services; each keeps the commits touching its paths", async () => {
    const state = new SimState();
    const repo = "acme/platform";
    state.commit(repo, { message: "root", date: at(1), files: ["README.md"] });
    state.deploy(repo, { sha: state.head(repo), at: at(1, 13) });
    const web1 = state.commit(repo, { message: "web: header", date: at(2), files: ["services/web/header.tsx"] });
    const api1 = state.commit(repo, { message: "api: route", date: at(2, 13), files: ["services/api/route.ts"] });
    const both = state.commit(repo, { message: "shared bump", date: at(2, 14), files: ["services/web/package.json", "services/api/package.json"] });
    state.commit(repo, { message: "docs", date: at(2, 15), files: ["docs/index.md"] });
    const dep = state.deploy(repo, { sha: state.head(repo), at: at(3, 9) });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, {
        web: { github: [{ repo, paths: ["services/web/**"] }] },
        api: { github: [repo], paths: ["./services/api/"] },
      });
      const run = await runGithub(w, config);
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      const deps = await w.all<{ deployment_id: string; service: string }>("SELECT deployment_id, service FROM core.deployments WHERE finished_at > ? ORDER BY service", [at(2)]);
      expect(deps).toEqual([
        { deployment_id: `github:deployment:${repo}:${dep.id}:api`, service: "api" },
        { deployment_id: `github:deployment:${repo}:${dep.id}:web`, service: "web" },
      ]);
      const changes = await w.all<{ service: string; commit_sha: string }>("SELECT service, commit_sha FROM core.changes ORDER BY service, committed_at");
      expect(changes).toEqual([
        { service: "api", commit_sha: api1 },
        { service: "api", commit_sha: both },
        { service: "web", commit_sha: web1 },
        { service: "web", commit_sha: both },
      ]);
      const history = sim!.requests.filter((r) => r.variables?.path !== undefined).map((r) => r.variables!.path);
      expect(history.sort()).toEqual(["services/api", "services/web"]); // one history(path:) per service path
    });
  });

  it("rollbacks and rework: re-deploying an older sha, a revert PR, a hotfix label; a commit counts at its first deployment", async () => {
    const state = new SimState();
    const repo = "acme/shop";
    state.commit(repo, { message: "root", date: at(1) });
    state.deploy(repo, { sha: state.head(repo), at: at(1, 13) });
    const good = state.head(repo);
    const f = state.mergePull(repo, { how: "squash", title: "Feature F", commits: [{ message: "f", authoredAt: at(2, 8) }], openedAt: at(2, 9), mergedAt: at(2, 10) });
    const dF = state.deploy(repo, { sha: f.merge_commit_sha!, at: at(2, 11) });
    const dBack = state.deploy(repo, { sha: good, at: at(2, 12) }); // back to the previous sha
    const dAgain = state.deploy(repo, { sha: f.merge_commit_sha!, at: at(3, 9) }); // and forward again
    const rv = state.mergePull(repo, { how: "squash", title: 'Revert "Feature F"', head_ref: "revert-1-feature", commits: [{ message: "revert", authoredAt: at(4, 8) }], openedAt: at(4, 8), mergedAt: at(4, 9) });
    const dRevert = state.deploy(repo, { sha: rv.merge_commit_sha!, at: at(4, 10) });
    const hf = state.mergePull(repo, { how: "squash", title: "Fix crash", labels: ["hotfix"], commits: [{ message: "fix", authoredAt: at(5, 8) }], openedAt: at(5, 8), mergedAt: at(5, 9) });
    const dHotfix = state.deploy(repo, { sha: hf.merge_commit_sha!, at: at(5, 10) });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { shop: { github: [repo] } });
      const run = await runGithub(w, config);
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      const id = (d: { id: number }) => `github:deployment:${repo}:${d.id}`;
      const flagsOf = async () => Object.fromEntries([...(await deploymentFlags(w, config))].map(([deploymentId, f]) => [deploymentId, [f.is_rollback, f.is_rework]]));
      const flags = await flagsOf();
      expect(flags[id(dF)]).toEqual([false, false]);
      expect(flags[id(dBack)]).toEqual([true, false]);
      expect(flags[id(dAgain)]).toEqual([false, false]);
      expect(flags[id(dRevert)]).toEqual([true, false]);
      expect(flags[id(dHotfix)]).toEqual([false, true]);
      // F's commit was shipped by dF; re-deploying it (dAgain) does not move it.
      const fChange = await w.one<{ deployment_id: string }>("SELECT deployment_id FROM core.changes WHERE commit_sha = ?", [f.merge_commit_sha]);
      expect(fChange!.deployment_id).toBe(id(dF));
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.changes WHERE deployment_id = ?", [id(dAgain)]))!.n).toBe(0);

      // A nightly re-run rewrites the deployment rows from the overlap; the flags survive.
      await runGithub(w, config);
      expect(await flagsOf()).toEqual(flags);
    });
  });

  it("a deployment from a hotfix branch gets its own compare; merged back, its commit stays with that first deployment", async () => {
    const state = new SimState();
    const repo = "acme/pay";
    state.commit(repo, { message: "root", date: at(1) });
    state.deploy(repo, { sha: state.head(repo), at: at(1, 13) });
    state.commit(repo, { message: "feature", date: at(2) });
    const d1sha = state.head(repo);
    state.deploy(repo, { sha: d1sha, at: at(2, 13) });
    state.repo(repo).branches.set("hotfix/crash", d1sha);
    const fix = state.commit(repo, { message: "fix crash", date: at(3), branch: "hotfix/crash" });
    const d2 = state.deploy(repo, { sha: fix, ref: "hotfix/crash", at: at(3, 13) });
    const other = state.commit(repo, { message: "more work", date: at(4) });
    const d3 = state.deploy(repo, { sha: other, at: at(4, 14) });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { pay: { github: [repo] } });
      const run = await runGithub(w, config);
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      // One compare for the main line (root → "more work"); the branch deployment's sha is not in it: its own compare.
      expect(sim!.requests.filter((r) => r.path.includes("/compare/")).map((r) => r.path.split("/").pop())).toEqual([
        `${state.repo(repo).deployments[0]!.sha}...${other}`,
        `${d1sha}...${fix}`,
      ]);
      // Merged back later: the fix comes again in the next range but stays with the deployment that shipped it first.
      const merge = state.commit(repo, { message: "Merge branch 'hotfix/crash'", date: at(5), parents: [other, fix] });
      const d4 = state.deploy(repo, { sha: merge, at: at(5, 13) });
      await runGithub(w, config);
      const changes = await w.all<{ title: string; deployment_id: string }>("SELECT title, deployment_id FROM core.changes ORDER BY committed_at");
      const id = (d: { id: number }) => `github:deployment:${repo}:${d.id}`;
      expect(changes.map((c) => [c.title, c.deployment_id])).toEqual([
        ["feature", id(state.repo(repo).deployments[1]!)],
        ["fix crash", id(d2)],
        ["more work", id(d3)],
        ["Merge branch 'hotfix/crash'", id(d4)],
      ]);
      const rework = [...(await deploymentFlags(w, config))].filter(([, f]) => f.is_rework).map(([deploymentId]) => deploymentId);
      expect(rework).toEqual([id(d2)]);
    });
  });

  it("--since backfills history older than the cursor; GitHub Enterprise Server base URL (/api/v3, /api/graphql)", async () => {
    const state = new SimState();
    const repo = "corp/billing";
    state.commit(repo, { message: "root", date: "2025-06-01T00:00:00Z" });
    for (const day of [1, 10, 20]) {
      const sha = state.commit(repo, { message: `c${day}`, date: at(day) });
      state.deploy(repo, { sha, at: at(day, 13) });
    }
    // An old one, far behind the cursor and the overlap.
    const old = state.repo(repo).deployments;
    old.unshift({ ...old[0]!, id: 1, created_at: "2025-06-01T10:00:00Z", updated_at: "2025-06-01T10:00:00Z", statuses: [{ id: 2, state: "success", created_at: "2025-06-01T10:00:00Z" }] });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(`${sim!.url}/api/v3`, { billing: { github: [repo] } });
      await runGithub(w, config);
      expect(sim!.requests.some((r) => r.path === "/api/graphql")).toBe(true);
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(4);
      await w.run("DELETE FROM core.deployments WHERE deployment_id = ?", [`github:deployment:${repo}:1`]);
      await runGithub(w, config);
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(3);
      await runGithub(w, config, { since: new Date("2025-01-01T00:00:00Z") });
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(4);
    });
  });

  it("doctor check: one cheap authenticated call, with the token read from GITHUB_TOKEN_FILE-style *_FILE", async () => {
    sim = await startGithubSim({ token: TOKEN });
    await withMemoryWarehouse(async (w) => {
      const dir = mkdtempSync(join(tmpdir(), "dora-token-"));
      writeFileSync(join(dir, "token"), `${TOKEN}\n`);
      delete process.env[TOKEN_ENV];
      process.env[`${TOKEN_ENV}_FILE`] = join(dir, "token");
      const ctx = { config: githubConfig(sim!.url, { x: { github: ["acme/x"] } }), log: createLogger({ write: () => undefined }), runId: "doctor", requests: { count: 0 }, warehouse: w };
      const line = await githubSource.check!(ctx);
      expect(line).toMatch(/^authenticated; 4999\/5000 REST requests left until 20\d\d-/);
      expect(sim!.requests.map((r) => r.path)).toEqual(["/rate_limit"]);
      expect(line).not.toContain(TOKEN);
      expect(sim!.requests[0]!.authorization).toBe(`token ${TOKEN}`);
      delete process.env[`${TOKEN_ENV}_FILE`];
      rmSync(dir, { recursive: true, force: true });
    });
  });
});
