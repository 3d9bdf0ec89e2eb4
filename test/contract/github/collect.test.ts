import { afterEach, describe, expect, it } from "vitest";
import { startGithubSim, SimState, type GithubSim } from "../../sim/github/server.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { githubConfig, runGithub, snapshot, TOKEN } from "./harness.ts";

const REPO = "acme/payments-api";
let sim: GithubSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * A small history: PR #1 merged (merge commit), deployed; PR #2 squash-merged and PR #3 rebase-merged,
 * both shipped by the second deployment; a staging deployment and a failed production one in between.
 */
function seedDeployments(state: SimState) {
  state.commit(REPO, { message: "Initial commit", date: "2026-01-05T09:00:00Z" });
  const d0 = state.head(REPO);
  state.deploy(REPO, { sha: d0, at: "2026-01-05T10:00:00Z" });
  const pr1 = state.mergePull(REPO, {
    how: "merge",
    commits: [
      { message: "Add payment retries", authoredAt: "2026-01-06T08:00:00Z" },
      { message: "Tests for retries", authoredAt: "2026-01-06T09:30:00Z" },
    ],
    openedAt: "2026-01-06T10:00:00Z",
    mergedAt: "2026-01-07T12:00:00Z",
    reviews: [
      { state: "COMMENTED", submitted_at: "2026-01-06T15:00:00Z", login: "reviewer" },
      { state: "APPROVED", submitted_at: "2026-01-07T09:00:00Z", login: "reviewer" },
    ],
  });
  state.deploy(REPO, { sha: pr1.merge_commit_sha!, at: "2026-01-07T14:00:00Z", statuses: [["in_progress", "2026-01-07T14:00:00Z"], ["success", "2026-01-07T14:05:00Z"]] });
  const pr2 = state.mergePull(REPO, {
    how: "squash",
    title: "Refund endpoint",
    commits: [
      { message: "wip refund", authoredAt: "2026-01-08T07:00:00Z" },
      { message: "refund done", authoredAt: "2026-01-08T11:00:00Z" },
    ],
    openedAt: "2026-01-08T12:00:00Z",
    mergedAt: "2026-01-09T10:00:00Z",
  });
  state.deploy(REPO, { sha: pr2.merge_commit_sha!, environment: "staging", at: "2026-01-09T10:30:00Z" });
  state.deploy(REPO, { sha: pr2.merge_commit_sha!, at: "2026-01-09T11:00:00Z", statuses: [["failure", "2026-01-09T11:10:00Z"]] });
  const pr3 = state.mergePull(REPO, {
    how: "rebase",
    commits: [
      { message: "Currency table", authoredAt: "2026-01-09T13:00:00Z" },
      { message: "Use currency table", authoredAt: "2026-01-09T14:00:00Z" },
    ],
    openedAt: "2026-01-09T15:00:00Z",
    mergedAt: "2026-01-10T09:00:00Z",
  });
  // Live, then superseded: GitHub marks it inactive when the next one succeeds.
  state.deploy(REPO, { sha: pr3.merge_commit_sha!, at: "2026-01-10T10:00:00Z", statuses: [["success", "2026-01-10T10:20:00Z"], ["inactive", "2026-01-12T10:00:00Z"]] });
  return { d0, pr1, pr2, pr3 };
}

describe("github collector against the simulator", () => {
  it("collects deployments, PRs and the commits each deployment shipped (merge, squash, rebase)", async () => {
    const state = new SimState();
    const { pr1, pr2, pr3 } = seedDeployments(state);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { payments: { github: [REPO] } });
      const run = await runGithub(w, config);
      expect(run.result.status, run.lines.join("\n")).toBe("success");

      const deployments = await w.all<{ deployment_id: string; status: string; is_production: boolean; finished_at: Date | null; original_status: string }>(
        "SELECT deployment_id, status, is_production, finished_at, original_status FROM core.deployments ORDER BY started_at, deployment_id",
      );
      expect(deployments.map((d) => [d.status, d.is_production, d.original_status])).toEqual([
        ["success", true, "success"],
        ["success", true, "success"],
        ["success", false, "success"],
        ["failure", true, "failure"],
        ["success", true, "inactive"],
      ]);
      expect(deployments[0]!.deployment_id).toMatch(/^github:deployment:acme\/payments-api:\d+$/);
      // Finished when the success status came, not when the deployment was created.
      expect(deployments[1]!.finished_at?.toISOString()).toBe("2026-01-07T14:05:00.000Z");
      expect(deployments[4]!.finished_at?.toISOString()).toBe("2026-01-10T10:20:00.000Z");

      const prs = await w.all<{ number: number; first_commit_at: Date; first_review_at: Date | null; approved_at: Date | null; merge_commit_sha: string }>(
        "SELECT number, first_commit_at, first_review_at, approved_at, merge_commit_sha FROM core.pull_requests ORDER BY number",
      );
      expect(prs.map((p) => p.number)).toEqual([1, 2, 3]);
      expect(prs[0]!.first_commit_at.toISOString()).toBe("2026-01-06T08:00:00.000Z");
      expect(prs[0]!.first_review_at?.toISOString()).toBe("2026-01-06T15:00:00.000Z");
      expect(prs[0]!.approved_at?.toISOString()).toBe("2026-01-07T09:00:00.000Z");

      const changes = await w.all<{ commit_sha: string; deployment_id: string; pr_id: string | null; pr_first_commit_at: Date | null; title: string }>(
        `SELECT c.commit_sha, c.deployment_id, c.pr_id, c.pr_first_commit_at, c.title FROM core.changes c
           JOIN core.deployments d USING (deployment_id) ORDER BY d.finished_at, c.committed_at, c.title`,
      );
      const depIds = deployments.map((d) => d.deployment_id);
      // Deployment 2 shipped PR #1: its two commits and the merge commit.
      const first = changes.filter((c) => c.deployment_id === depIds[1]);
      expect(first.map((c) => c.commit_sha).sort()).toEqual([...pr1.commits, pr1.merge_commit_sha!].sort());
      expect(new Set(first.map((c) => c.pr_id))).toEqual(new Set(["github:pr:acme/payments-api:1"]));
      // The last one shipped the squash commit (PR #2; its failed deployment shipped nothing) and the
      // two rebased commits (PR #3), each with its PR's first-commit time.
      const last = changes.filter((c) => c.deployment_id === depIds[4]);
      expect(last.map((c) => [c.commit_sha, c.pr_id, c.pr_first_commit_at?.toISOString()])).toEqual([
        [pr2.merge_commit_sha, "github:pr:acme/payments-api:2", "2026-01-08T07:00:00.000Z"],
        [pr3.landed[0], "github:pr:acme/payments-api:3", "2026-01-09T13:00:00.000Z"],
        [pr3.landed[1], "github:pr:acme/payments-api:3", "2026-01-09T13:00:00.000Z"],
      ]);
      expect(changes).toHaveLength(6);
      // Counted in the run's rows like any stream's (written with the cursor in one transaction).
      expect(run.result.streams.find((st) => st.stream === "github.commits")!.rows).toBe(6);
      // The first deployment has nothing to compare with: no changes invented for it.
      expect(changes.some((c) => c.deployment_id === depIds[0])).toBe(false);

      // One cursor per repo and stream.
      const cursors = await w.all<{ stream: string; partition: string }>("SELECT stream, partition FROM sync.cursors ORDER BY stream");
      expect(cursors).toEqual([
        { stream: "github.commits", partition: REPO },
        { stream: "github.deployments", partition: REPO },
        { stream: "github.pull_requests", partition: REPO },
      ]);

      // The token never reaches a log line or a stored page, but it was sent.
      expect(sim!.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
      expect(run.lines.join("\n")).not.toContain(TOKEN);
      const raw = await w.all<{ body: string; url: string; params: string }>("SELECT body::VARCHAR AS body, url, params::VARCHAR AS params FROM raw.pages");
      expect(raw.length).toBeGreaterThan(0);
      expect(JSON.stringify(raw)).not.toContain(TOKEN);
    });
  });

  it("a second run with nothing new changes no row and makes at most two requests per repo and stream (three in all)", async () => {
    const state = new SimState();
    seedDeployments(state);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { payments: { github: [REPO] } });
      await runGithub(w, config);
      const before = {
        d: await snapshot(w, "core.deployments", "deployment_id"),
        p: await snapshot(w, "core.pull_requests", "pr_id"),
        c: await snapshot(w, "core.changes", "change_id"),
      };
      const mark = sim!.requests.length;
      const second = await runGithub(w, config);
      expect(second.result.status).toBe("success");
      const requests = sim!.requests.slice(mark).map((r) => r.graphql ?? r.path);
      // deployments: the REST list and one GraphQL statuses query for the overlap; pull requests: one
      // GraphQL page; commits: nothing (no new deployment).
      expect(requests).toEqual(["/repos/acme/payments-api/deployments", "nodes.Deployment", "repository.pullRequests"]);
      expect(second.requests).toBe(requests.length);
      expect({
        d: await snapshot(w, "core.deployments", "deployment_id"),
        p: await snapshot(w, "core.pull_requests", "pr_id"),
        c: await snapshot(w, "core.changes", "change_id"),
      }).toEqual(before);

      // core.changes emptied (by hand, or a rebuild from pages an older version kept): the next run
      // notices and re-attributes instead of trusting its cursor.
      await w.run("DELETE FROM core.changes");
      await runGithub(w, config);
      expect(await snapshot(w, "core.changes", "change_id")).toEqual(before.c);
    });
  });

  it("a backfill fetches the last successful production deployment before --since, so the first one of the range has its commits", async () => {
    const state = new SimState();
    const { d0, pr1, pr2, pr3 } = seedDeployments(state);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { payments: { github: [REPO] } });
      // After PR #1's deployment and the failed one of PR #2 (11:00), before PR #3's (10th).
      const since = new Date("2026-01-09T12:00:00Z");
      const run = await runGithub(w, config, { since });
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      // The base is looked for where the range's walk stopped (the rest of that page, newest first):
      // the failed deployment before the start is passed over, PR #1's (success) is the base and
      // stored, and nothing is asked of the list filtered by environment.
      const asked = sim!.requests.filter((r) => r.path.endsWith("/deployments") && r.query.environment);
      expect(asked.map((r) => r.query.environment)).toEqual([]);
      const rows = await w.all<{ sha: string; status: string }>("SELECT commit_sha AS sha, status FROM core.deployments ORDER BY started_at");
      expect(rows).toEqual([
        { sha: pr1.merge_commit_sha, status: "success" },
        { sha: pr3.merge_commit_sha, status: "success" },
      ]);
      // PR #3's deployment ships what came after PR #1's: the squash commit and the two rebased commits.
      const shipped = await w.all<{ sha: string }>(
        `SELECT c.commit_sha AS sha FROM core.changes c JOIN core.deployments d USING (deployment_id) WHERE d.commit_sha = ? ORDER BY 1`,
        [pr3.merge_commit_sha],
      );
      expect(shipped.map((c) => c.sha)).toEqual([pr2.merge_commit_sha!, ...pr3.landed].sort());
      // The base itself has nothing to compare with: none invented for it.
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.changes c JOIN core.deployments d USING (deployment_id) WHERE d.commit_sha = ?", [pr1.merge_commit_sha]))!.n).toBe(0);

      // The same backfill again starts at the cursor less its overlap (7 January, 10:00), which takes in
      // PR #1's deployment: its own base (the first deployment) is found on the page the walk stopped
      // on and stored; nothing is asked by environment.
      const byEnvironment = async () => {
        const mark = sim!.requests.length;
        expect((await runGithub(w, config, { since })).result.status).toBe("success");
        return sim!.requests.slice(mark).filter((r) => r.query.environment).length;
      };
      expect(await byEnvironment()).toBe(0);
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments WHERE commit_sha = ?", [d0]))!.n).toBe(1);
      expect(await byEnvironment()).toBe(0);
      expect(await byEnvironment()).toBe(0);
    });
  });

  it("a base further back than the pages after the range's walk is asked of the list filtered by environment", async () => {
    const state = new SimState();
    state.commit(REPO, { message: "Initial commit", date: "2026-01-05T09:00:00Z" });
    const base = state.head(REPO);
    state.deploy(REPO, { sha: base, at: "2026-01-05T10:00:00Z" });
    // eight staging deployments after the base and before the start: more than the page the walk
    // stops on and the two pages after it hold at two per page
    for (let i = 0; i < 8; i++) {
      state.commit(REPO, { message: `Staging work ${i}`, date: `2026-01-06T0${i}:00:00Z` });
      state.deploy(REPO, { sha: state.head(REPO), environment: "staging", at: `2026-01-06T0${i}:30:00Z` });
    }
    state.commit(REPO, { message: "Ship it", date: "2026-01-08T09:00:00Z" });
    const head = state.head(REPO);
    state.deploy(REPO, { sha: head, at: "2026-01-08T10:00:00Z" });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { payments: { github: [REPO] } }, { page_size: 2 });
      const run = await runGithub(w, config, { since: new Date("2026-01-07T00:00:00Z") });
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      expect(sim!.requests.filter((r) => r.query.environment).map((r) => r.query.environment)).toEqual(["production"]);
      const stored = await w.all<{ sha: string }>("SELECT commit_sha AS sha FROM core.deployments WHERE environment = 'production' ORDER BY started_at");
      expect(stored.map((r) => r.sha)).toEqual([base, head]);
      // the range's deployment ships every commit since the base: the staging work and its own
      const shipped = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.changes c JOIN core.deployments d USING (deployment_id) WHERE d.commit_sha = ?", [head]);
      expect(shipped!.n).toBe(9);
    });
  });

  it("the very first production deployment has no predecessor: the backfill looks once, finds none, stores nothing more", async () => {
    const state = new SimState();
    state.commit(REPO, { message: "Initial commit", date: "2026-01-05T09:00:00Z" });
    state.deploy(REPO, { sha: state.head(REPO), environment: "staging", at: "2026-01-05T10:00:00Z" });
    state.deploy(REPO, { sha: state.head(REPO), at: "2026-01-06T10:00:00Z" });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { payments: { github: [REPO] } });
      const run = await runGithub(w, config, { since: new Date("2026-01-06T00:00:00Z") });
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      // the range's walk read the whole list (one page): no older deployment exists, nothing more is asked
      expect(sim!.requests.filter((r) => r.query.environment).map((r) => r.query.environment)).toEqual([]);
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(1);
    });
  });

  it("a deployment whose status changes later is updated, not duplicated", async () => {
    const state = new SimState();
    seedDeployments(state);
    const pending = state.deploy(REPO, { sha: state.head(REPO), at: "2026-01-13T10:00:00Z", statuses: [["in_progress", "2026-01-13T10:00:00Z"]] });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { payments: { github: [REPO] } });
      await runGithub(w, config);
      const id = `github:deployment:${REPO}:${pending.id}`;
      expect((await w.one<{ status: string }>("SELECT status FROM core.deployments WHERE deployment_id = ?", [id]))?.status).toBe("running");
      // Newer deployments push the cursor past it; the run still re-reads it while it is running.
      state.deploy(REPO, { sha: state.head(REPO), environment: "staging", at: "2026-01-20T10:00:00Z" });
      state.deploy(REPO, { sha: state.head(REPO), environment: "staging", at: "2026-01-25T10:00:00Z" });
      await runGithub(w, config);
      state.addStatus(REPO, pending.id, "success", "2026-01-26T09:00:00Z");
      await runGithub(w, config);
      const rows = await w.all<{ status: string; finished_at: Date }>("SELECT status, finished_at FROM core.deployments WHERE deployment_id = ?", [id]);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.status).toBe("success");
      expect(rows[0]!.finished_at.toISOString()).toBe("2026-01-26T09:00:00.000Z");
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))?.n).toBe(8);
    });
  });
});
