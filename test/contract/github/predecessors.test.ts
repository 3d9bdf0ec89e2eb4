import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../collectors/core/log.ts";
import { rebuildFromRaw } from "../../../collectors/core/rebuild.ts";
import { githubSource } from "../../../collectors/github/index.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { startGithubSim, SimState, type GithubSim } from "../../sim/github/server.ts";
import type { SimRepo } from "../../sim/github/state.ts";
import { githubConfig, runGithub, TOKEN, TOKEN_ENV } from "./harness.ts";

// A backfill (--since, a cursor) that starts mid-history in the releases, tags and workflow-runs
// modes: the first deployment of the range is compared with the newest one before the start that
// counts for its service, fetched once and stored as an ordinary page.

let sim: GithubSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Day `n` of 2026 (1 = 2 January) at `hour` UTC: histories long enough to outlast the tags' 30-day overlap. */
const day = (n: number, hour = 12) => new Date(Date.UTC(2026, 0, 1 + n, hour)).toISOString();

/** The shas each deployment shipped, by the deployment's ref and service. */
async function shipped(w: Warehouse): Promise<Record<string, string[]>> {
  const rows = await w.all<{ key: string; sha: string }>(
    `SELECT d.ref || ' ' || d.service AS key, c.commit_sha AS sha FROM core.changes c JOIN core.deployments d USING (deployment_id) ORDER BY 1, 2`,
  );
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.key] ??= []).push(r.sha);
  return out;
}

async function deployedRefs(w: Warehouse): Promise<string[]> {
  return (await w.all<{ key: string }>("SELECT ref || ' ' || service AS key FROM core.deployments ORDER BY started_at, service")).map((r) => r.key);
}

async function core(w: Warehouse): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const table of ["core.deployments", "core.changes"]) out.push(await w.all(`SELECT * EXCLUDE (collected_at) FROM ${table} ORDER BY ALL`));
  return out;
}

/** Collect → `dora rebuild --clean` with no request → core.* as before (the predecessor pages included). */
async function expectRebuildIdentical(w: Warehouse, config: Parameters<typeof runGithub>[1]): Promise<void> {
  const before = await core(w);
  const requests = sim!.requests.length;
  delete process.env[TOKEN_ENV];
  const lines: string[] = [];
  await rebuildFromRaw(w, config, [githubSource], createLogger({ write: (l) => lines.push(l) }), { clean: true });
  expect(sim!.requests.length).toBe(requests);
  expect(await core(w), lines.join("\n")).toEqual(before);
}

/** Commits on main, one per day given, named by their day. */
function commits(state: SimState, repo: string, days: number[]): Record<number, string> {
  return Object.fromEntries(days.map((d) => [d, state.commit(repo, { message: `c${d}`, date: day(d, 9) })]));
}

function release(repo: SimRepo, id: number, tag: string, sha: string, d: number, kind: "published" | "draft" | "prerelease" = "published") {
  repo.releases.push({
    id, tag_name: tag, name: tag, draft: kind === "draft", prerelease: kind === "prerelease",
    created_at: day(d, 10), published_at: kind === "draft" ? null : day(d, 11), sha,
  });
}

function run(repo: SimRepo, id: number, path: string, sha: string, d: number, conclusion: string | null, branch = "main") {
  repo.runs.push({
    id, workflow_id: path.length, name: path.split("/").pop()!, path, head_branch: branch, head_sha: sha, event: "push",
    status: conclusion ? "completed" : "in_progress", conclusion, created_at: day(d, 10), updated_at: day(d, 11), run_started_at: day(d, 10),
  });
}

describe("github backfill predecessor: releases, tags and workflow runs", () => {
  it("releases: the walk goes on past --since to the newest release that counts for each service's rule; a cursor run asks nothing more", async () => {
    const state = new SimState();
    const name = "acme/app";
    const c = commits(state, name, [1, 10, 13, 17, 19, 20, 22]);
    const repo = state.repo(name);
    release(repo, 1, "v1.0.0", c[1]!, 1);
    release(repo, 2, "v1.1.0", c[10]!, 10);
    release(repo, 3, "v1.2.0-rc1", c[13]!, 13, "prerelease");
    release(repo, 4, "v1.2.0-draft", c[13]!, 14, "draft");
    release(repo, 5, "v1.2.0", c[20]!, 20);
    release(repo, 6, "v1.3.0", c[22]!, 22);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      // `app` counts published releases only; `app-rc` counts pre-releases too.
      const config = githubConfig(
        sim!.url,
        { app: { github: [name] }, "app-rc": { github: [{ repo: name, deployments: { include_prereleases: true } }] } },
        { deployments: { from: "releases" }, page_size: 3 },
      );
      const run1 = await runGithub(w, config, { since: new Date(day(16, 0)) });
      expect(run1.result.status, run1.lines.join("\n")).toBe("success");
      // Page 1 (v1.3.0, v1.2.0, the draft) reaches past the start; page 2 brings the pre-release (app-rc's
      // base) and v1.1.0 (app's); no page after it.
      const walks = sim!.requests.filter((r) => r.graphql === "repository.releases");
      expect(walks.map((r) => r.variables!.after === null)).toEqual([true, false]);
      // v1.1.0 counts for app-rc too (an ordinary release row for each service it counts for).
      expect(await deployedRefs(w)).toEqual(["v1.1.0 app", "v1.1.0 app-rc", "v1.2.0-rc1 app-rc", "v1.2.0 app", "v1.2.0 app-rc", "v1.3.0 app", "v1.3.0 app-rc"]);
      expect(await shipped(w)).toEqual({
        "v1.2.0 app": [c[13]!, c[17]!, c[19]!, c[20]!].sort(),
        "v1.2.0 app-rc": [c[17]!, c[19]!, c[20]!].sort(),
        // app-rc's base is a deployment after v1.1.0 (stored for app, and counting for app-rc too): what it shipped is known.
        "v1.2.0-rc1 app-rc": [c[13]!],
        "v1.3.0 app": [c[22]!],
        "v1.3.0 app-rc": [c[22]!],
      });
      const pages = await w.all<{ params: string }>("SELECT params::VARCHAR AS params FROM raw.pages WHERE stream = 'github.releases' AND params::VARCHAR LIKE '%predecessor_of%'");
      expect(pages).toHaveLength(1);

      // The nightly run starts at the cursor less a week (day 15) and reads the 30 days' look-back before it
      // (here the rest of the history: two pages); both bases are stored, no page past it is asked.
      const mark = sim!.requests.length;
      const before = await core(w);
      const run2 = await runGithub(w, config);
      expect(run2.result.status, run2.lines.join("\n")).toBe("success");
      const again = sim!.requests.slice(mark).filter((r) => r.graphql === "repository.releases");
      expect(again.map((r) => r.variables!.after === null)).toEqual([true, false]);
      expect(await predecessorItems(w, "github.releases")).toEqual(["v1.2.0-rc1", "v1.1.0"]);
      expect(await core(w)).toEqual(before);

      await expectRebuildIdentical(w, config);
    });
  });

  it("tags: the first older tag matching each service's tag_pattern; stored, it is not fetched again", async () => {
    const state = new SimState();
    const name = "acme/lib";
    const c = commits(state, name, [1, 20, 40, 50, 60, 70, 80]);
    state.repo(name).tags.push(
      { name: "v1.0.0", sha: c[1]! },
      { name: "v1.1.0", sha: c[20]! },
      { name: "nightly-40", sha: c[40]! },
      { name: "v1.2.0", sha: c[60]!, tagger_date: day(60, 15) },
      { name: "nightly-70", sha: c[70]! },
      { name: "v1.3.0", sha: c[80]! },
    );
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(
        sim!.url,
        {
          lib: { github: [{ repo: name, deployments: { from: "tags", tag_pattern: "^v\\d" } }] },
          nightly: { github: [{ repo: name, deployments: { from: "tags", tag_pattern: "^nightly-" } }] },
        },
        { page_size: 2 },
      );
      const run1 = await runGithub(w, config, { since: new Date(day(55, 0)) });
      expect(run1.result.status, run1.lines.join("\n")).toBe("success");
      // (v1.3.0, nightly-70), (v1.2.0, nightly-40: past the start, nightly's base), (v1.1.0: lib's base).
      expect(sim!.requests.filter((r) => r.graphql === "repository.refs")).toHaveLength(3);
      expect(await deployedRefs(w)).toEqual(["v1.1.0 lib", "nightly-40 nightly", "v1.2.0 lib", "nightly-70 nightly", "v1.3.0 lib"]);
      expect(await shipped(w)).toEqual({
        "v1.2.0 lib": [c[40]!, c[50]!, c[60]!].sort(),
        "nightly-70 nightly": [c[50]!, c[60]!, c[70]!].sort(),
        "v1.3.0 lib": [c[70]!, c[80]!].sort(),
      });

      // The nightly run re-reads 30 days before the cursor (day 50) and the 30 days' look-back before that
      // (to day 20: v1.1.0's page); v1.0.0 ends the walk and no base is asked for again.
      const mark = sim!.requests.length;
      const before = await core(w);
      expect((await runGithub(w, config)).result.status).toBe("success");
      expect(sim!.requests.slice(mark).filter((r) => r.graphql === "repository.refs")).toHaveLength(3);
      expect(await predecessorItems(w, "github.tags")).toEqual(["nightly-40", "v1.1.0"]);
      expect(await core(w)).toEqual(before);

      await expectRebuildIdentical(w, config);
    });
  });

  it("workflow runs: a second list of runs created before the start, newest successful first, to the first run of each service's workflow and branch", async () => {
    const state = new SimState();
    const name = "acme/mono";
    const c = commits(state, name, [1, 20, 40, 45, 55, 60, 70]);
    const repo = state.repo(name);
    const web = ".github/workflows/deploy-web.yml";
    run(repo, 11, web, c[1]!, 1, "success");
    run(repo, 12, web, c[20]!, 20, "success");
    run(repo, 13, web, c[40]!, 40, "failure");
    run(repo, 14, web, c[40]!, 41, "success", "feature/x");
    run(repo, 15, ".github/workflows/ci.yml", c[40]!, 42, "success");
    // Created the evening before the start, finished after it: a deployment of the range by its time.
    run(repo, 18, web, c[45]!, 49, "success");
    Object.assign(repo.runs.at(-1)!, { created_at: day(49, 23), run_started_at: day(49, 23), updated_at: day(50, 1) });
    run(repo, 16, web, c[60]!, 60, "success");
    run(repo, 17, web, c[70]!, 70, "success");
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(
        sim!.url,
        { web: { github: [{ repo: name, deployments: { from: "workflow_runs", workflow: "deploy-web\\.yml$", branch: "main" } }] } },
        { page_size: 1 },
      );
      const run1 = await runGithub(w, config, { since: new Date(day(50, 0)) });
      expect(run1.result.status, run1.lines.join("\n")).toBe("success");
      const lists = sim!.requests.filter((r) => r.path.endsWith("/actions/runs"));
      // The range (two pages), then the successful runs created before it, one a page: run 18 (finished
      // after the start) is kept and the walk goes on, the CI run is passed over, run 12 is the base.
      const range = ">=2026-02-20T00:00:00Z";
      const older = "<=2026-02-19T23:59:59Z";
      expect(lists.map((r) => r.query.created)).toEqual([range, range, older, older, older]);
      expect(lists.slice(2).every((r) => r.query.status === "success" && r.query.branch === "main")).toBe(true);
      const ids = await w.all<{ deployment_id: string }>("SELECT deployment_id FROM core.deployments ORDER BY started_at");
      const id = (run: number) => `github:workflow_run:${name}:${run}`;
      expect(ids.map((r) => r.deployment_id)).toEqual([12, 18, 16, 17].map(id));
      const changes = await w.all<{ deployment_id: string; sha: string }>("SELECT deployment_id, commit_sha AS sha FROM core.changes ORDER BY 1, 2");
      expect(changes).toEqual([
        ...[c[55]!, c[60]!].sort().map((sha) => ({ deployment_id: id(16), sha })),
        { deployment_id: id(17), sha: c[70]! },
        ...[c[40]!, c[45]!].sort().map((sha) => ({ deployment_id: id(18), sha })),
      ]);

      // The nightly run (from the cursor less three days): run 16 is stored before it; no list before the start.
      const mark = sim!.requests.length;
      const before = await core(w);
      expect((await runGithub(w, config)).result.status).toBe("success");
      expect(sim!.requests.slice(mark).filter((r) => r.path.endsWith("/actions/runs")).map((r) => r.query.created)).toEqual([">=2026-03-09T10:00:00Z"]);
      expect(await core(w)).toEqual(before);

      await expectRebuildIdentical(w, config);
    });
  });

  it("deployments: one created before the start that succeeded after it belongs to the range; the base is the one that succeeded before", async () => {
    const state = new SimState();
    const name = "acme/api";
    const c = commits(state, name, [1, 3, 6]);
    const d1 = state.deploy(name, { sha: c[1]!, at: day(1, 13) });
    const late = state.deploy(name, { sha: c[3]!, at: day(4, 23), statuses: [["in_progress", day(4, 23)], ["success", day(5, 1)]] });
    const d6 = state.deploy(name, { sha: c[6]!, at: day(6, 13) });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { api: { github: [name] } });
      const result = await runGithub(w, config, { since: new Date(day(5, 0)) });
      expect(result.result.status, result.lines.join("\n")).toBe("success");
      const id = (d: { id: number }) => `github:deployment:${name}:${d.id}`;
      const changes = await w.all<{ deployment_id: string; sha: string }>("SELECT deployment_id, commit_sha AS sha FROM core.changes ORDER BY 1, 2");
      expect(changes).toEqual([
        { deployment_id: id(late), sha: c[3]! },
        { deployment_id: id(d6), sha: c[6]! },
      ]);
      expect((await w.all<{ deployment_id: string }>("SELECT deployment_id FROM core.deployments ORDER BY started_at")).map((r) => r.deployment_id)).toEqual([d1, late, d6].map(id));
      // The base (finished before the start) is stored: the next backfill asks nothing by environment.
      const mark = sim!.requests.length;
      expect((await runGithub(w, config, { since: new Date(day(5, 0)) })).result.status).toBe("success");
      expect(sim!.requests.slice(mark).filter((r) => r.query.environment)).toEqual([]);
    });
  });

  it("the very first production deployment of a service has no predecessor: the backfill looks once, stores nothing before the start, attributes from the second", async () => {
    const state = new SimState();
    const rel = commits(state, "acme/rel", [1, 10, 12]);
    release(state.repo("acme/rel"), 1, "v0.9.0", rel[1]!, 1, "draft");
    release(state.repo("acme/rel"), 2, "v1.0.0", rel[10]!, 10);
    release(state.repo("acme/rel"), 3, "v1.1.0", rel[12]!, 12);
    const tag = commits(state, "acme/tag", [1, 40, 42]);
    state.repo("acme/tag").tags.push({ name: "nightly-1", sha: tag[1]! }, { name: "v1.0.0", sha: tag[40]! }, { name: "v1.1.0", sha: tag[42]! });
    const wf = commits(state, "acme/wf", [1, 10, 12]);
    run(state.repo("acme/wf"), 1, ".github/workflows/deploy.yml", wf[1]!, 1, "failure");
    run(state.repo("acme/wf"), 2, ".github/workflows/deploy.yml", wf[10]!, 10, "success");
    run(state.repo("acme/wf"), 3, ".github/workflows/deploy.yml", wf[12]!, 12, "success");
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, {
        rel: { github: [{ repo: "acme/rel", deployments: { from: "releases" } }] },
        tag: { github: [{ repo: "acme/tag", deployments: { from: "tags", tag_pattern: "^v" } }] },
        wf: { github: [{ repo: "acme/wf", deployments: { from: "workflow_runs", workflow: "deploy\\.yml$" } }] },
      });
      const result = await runGithub(w, config, { since: new Date(day(5, 0)) });
      expect(result.result.status, result.lines.join("\n")).toBe("success");
      expect(await deployedRefs(w)).toEqual(["main wf", "v1.0.0 rel", "main wf", "v1.1.0 rel", "v1.0.0 tag", "v1.1.0 tag"]);
      expect(await shipped(w)).toEqual({ "v1.1.0 rel": [rel[12]!], "main wf": [wf[12]!], "v1.1.0 tag": [tag[42]!] });
      // Each mode looked before the start once: the runs list created before it, the walks to the end of history.
      expect(sim!.requests.filter((r) => r.query.created?.startsWith("<="))).toHaveLength(1);
    });
  });
});

/** Every predecessor page's items, by their tag or release name. */
async function predecessorItems(w: Warehouse, stream: string): Promise<string[]> {
  const pages = await w.all<{ body: string }>(
    `SELECT body::VARCHAR AS body FROM raw.pages WHERE stream = ? AND params::VARCHAR LIKE '%predecessor_of%' ORDER BY fetched_at, page_id`,
    [stream],
  );
  return pages.flatMap((p) => (JSON.parse(p.body) as { name?: string; tagName?: string }[]).map((i) => i.tagName ?? i.name ?? "?"));
}

describe("github ranges: an item ordered before the start that deployed inside the range", () => {
  it("releases, --since: a draft created before the start and published after it is a deployment of the range, not its base", async () => {
    const state = new SimState();
    const name = "acme/app";
    const c = commits(state, name, [1, 10, 12]);
    const repo = state.repo(name);
    release(repo, 1, "v1.0.0", c[1]!, 1);
    release(repo, 2, "v1.1.0", c[10]!, 10);
    // Drafted on day 12, published on day 20: the range's only deployment.
    release(repo, 3, "v1.2.0", c[12]!, 12, "draft");
    Object.assign(repo.releases.at(-1)!, { draft: false, published_at: day(20, 11) });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { app: { github: [name] } }, { deployments: { from: "releases" }, page_size: 1 });
      const run1 = await runGithub(w, config, { since: new Date(day(16, 0)) });
      expect(run1.result.status, run1.lines.join("\n")).toBe("success");
      expect(await deployedRefs(w)).toEqual(["v1.1.0 app", "v1.2.0 app"]);
      const finished = await w.one<{ at: Date }>("SELECT finished_at AS at FROM core.deployments WHERE ref = 'v1.2.0'");
      expect(finished!.at.toISOString()).toBe(new Date(day(20, 11)).toISOString());
      expect(await shipped(w)).toEqual({ "v1.2.0 app": [c[12]!] });
      expect(await predecessorItems(w, "github.releases")).toEqual(["v1.1.0"]);
      // The walk ends at the base: v1.0.0 (day 1) is neither read nor stored.
      expect(sim!.requests.filter((r) => r.graphql === "repository.releases")).toHaveLength(3);
      await expectRebuildIdentical(w, config);
    });
  });

  it("releases, cursor: a patch release drafted long before the last run and published after it is collected by the next run, as a full collect counts it", async () => {
    const state = new SimState();
    const name = "acme/app";
    const c = commits(state, name, [1, 10]);
    const repo = state.repo(name);
    release(repo, 1, "v1.0.0", c[1]!, 1);
    release(repo, 2, "v1.1.0", c[10]!, 10);
    // A fix on the 1.1 branch, drafted on day 12 and published on day 29, after v1.2.0 (day 21) moved the cursor.
    const fix = state.commit(name, { message: "fix", date: day(12, 9), parents: [c[10]!], branch: "release-1.1" });
    release(repo, 3, "v1.1.1", fix, 12, "draft");
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { app: { github: [name] } }, { deployments: { from: "releases" } });
      expect((await runGithub(w, config)).result.status).toBe("success");
      const c21 = state.commit(name, { message: "c21", date: day(21, 9) });
      release(repo, 4, "v1.2.0", c21, 21);
      expect((await runGithub(w, config)).result.status).toBe("success");
      Object.assign(repo.releases.find((r) => r.id === 3)!, { draft: false, published_at: day(29, 11) });
      // The cursor (v1.2.0's creation) less the week's overlap is day 14: the draft was created before it.
      const run3 = await runGithub(w, config);
      expect(run3.result.status, run3.lines.join("\n")).toBe("success");
      expect(await deployedRefs(w)).toEqual(["v1.0.0 app", "v1.1.0 app", "v1.2.0 app", "v1.1.1 app"]);
      expect(await shipped(w)).toEqual({ "v1.1.0 app": [c[10]!], "v1.2.0 app": [c21], "v1.1.1 app": [fix] });

      await withMemoryWarehouse(async (full) => {
        expect((await runGithub(full, config)).result.status).toBe("success");
        expect(await core(w)).toEqual(await core(full));
      });
      await expectRebuildIdentical(w, config);
    });
  });

  it("releases, --since: the base is the release published last before the start, not the one created last", async () => {
    const state = new SimState();
    const name = "acme/app";
    const c = commits(state, name, [1, 8]);
    const repo = state.repo(name);
    release(repo, 1, "v1.0.0", c[1]!, 1);
    // v1.1.0 is drafted on day 8 and published on day 14; the 1.0 patch is created and published on day 10.
    release(repo, 2, "v1.1.0", c[8]!, 8, "draft");
    Object.assign(repo.releases.at(-1)!, { draft: false, published_at: day(14, 11) });
    const patch = state.commit(name, { message: "patch", date: day(10, 9), parents: [c[1]!], branch: "release-1.0" });
    release(repo, 3, "v1.0.1", patch, 10);
    const c20 = state.commit(name, { message: "c20", date: day(20, 9) });
    release(repo, 4, "v1.2.0", c20, 20);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { app: { github: [name] } }, { deployments: { from: "releases" } });
      const run1 = await runGithub(w, config, { since: new Date(day(16, 0)) });
      expect(run1.result.status, run1.lines.join("\n")).toBe("success");
      expect(await predecessorItems(w, "github.releases")).toEqual(["v1.1.0"]);
      // v1.2.0 shipped c20 alone, as a full collect says (compared with v1.0.1, c8 would be counted again).
      expect(await shipped(w)).toEqual({ "v1.2.0 app": [c20] });
      await withMemoryWarehouse(async (full) => {
        expect((await runGithub(full, config)).result.status).toBe("success");
        expect((await shipped(full))["v1.2.0 app"]).toEqual([c20]);
      });
    });
  });

  it("tags, --since: an annotated tag made inside the range on a commit from before it is a deployment of the range, not its base", async () => {
    const state = new SimState();
    const name = "acme/lib";
    const c = commits(state, name, [1, 20, 40]);
    // v1.2.0 tags day 40's commit on day 60; the range (from day 55) has no other tag.
    state.repo(name).tags.push({ name: "v1.0.0", sha: c[1]! }, { name: "v1.1.0", sha: c[20]! }, { name: "v1.2.0", sha: c[40]!, tagger_date: day(60, 15) });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { lib: { github: [{ repo: name, deployments: { from: "tags", tag_pattern: "^v" } }] } }, { page_size: 1 });
      const run1 = await runGithub(w, config, { since: new Date(day(55, 0)) });
      expect(run1.result.status, run1.lines.join("\n")).toBe("success");
      expect(await deployedRefs(w)).toEqual(["v1.1.0 lib", "v1.2.0 lib"]);
      expect(await shipped(w)).toEqual({ "v1.2.0 lib": [c[40]!] });
      expect(await predecessorItems(w, "github.tags")).toEqual(["v1.1.0"]);
      await expectRebuildIdentical(w, config);
    });
  });

  it("tags, --since with a later tag in the range: the tag on the older commit is still one of the range, and the base is the tag before both", async () => {
    const state = new SimState();
    const name = "acme/lib";
    const c = commits(state, name, [1, 20, 40, 58]);
    state.repo(name).tags.push(
      { name: "v1.0.0", sha: c[1]! },
      { name: "v1.1.0", sha: c[20]! },
      { name: "v1.2.0", sha: c[40]!, tagger_date: day(56, 15) },
      { name: "v1.3.0", sha: c[58]! },
    );
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { lib: { github: [{ repo: name, deployments: { from: "tags", tag_pattern: "^v" } }] } }, { page_size: 1 });
      const run1 = await runGithub(w, config, { since: new Date(day(55, 0)) });
      expect(run1.result.status, run1.lines.join("\n")).toBe("success");
      expect(await deployedRefs(w)).toEqual(["v1.1.0 lib", "v1.2.0 lib", "v1.3.0 lib"]);
      expect(await shipped(w)).toEqual({ "v1.2.0 lib": [c[40]!], "v1.3.0 lib": [c[58]!] });
      expect(await predecessorItems(w, "github.tags")).toEqual(["v1.1.0"]);
    });
  });

  it("tags, cursor: a tag made after the last run on a commit older than the overlap is collected by the next run, as a full collect counts it", async () => {
    const state = new SimState();
    const name = "acme/lib";
    const c = commits(state, name, [1, 20, 60]);
    const fix = state.commit(name, { message: "fix", date: day(25, 9), parents: [c[20]!], branch: "release-1.1" });
    state.repo(name).tags.push({ name: "v1.0.0", sha: c[1]! }, { name: "v1.1.0", sha: c[20]! }, { name: "v1.2.0", sha: c[60]! });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { lib: { github: [{ repo: name, deployments: { from: "tags", tag_pattern: "^v" } }] } });
      expect((await runGithub(w, config)).result.status).toBe("success");
      // Tagged on day 65; the cursor (day 60's commit) less the 30-day overlap is day 30, after the fix's commit.
      state.repo(name).tags.push({ name: "v1.1.1", sha: fix, tagger_date: day(65, 15) });
      const run2 = await runGithub(w, config);
      expect(run2.result.status, run2.lines.join("\n")).toBe("success");
      expect(await deployedRefs(w)).toEqual(["v1.0.0 lib", "v1.1.0 lib", "v1.2.0 lib", "v1.1.1 lib"]);
      expect(await shipped(w)).toEqual({ "v1.1.0 lib": [c[20]!], "v1.2.0 lib": [c[60]!], "v1.1.1 lib": [fix] });

      await withMemoryWarehouse(async (full) => {
        expect((await runGithub(full, config)).result.status).toBe("success");
        expect(await core(w)).toEqual(await core(full));
      });
      await expectRebuildIdentical(w, config);
    });
  });
});

describe("github reruns over a short range: each change attributed once, to the deployment a single full collect gives it", () => {
  const name = "acme/app";
  const modes: Record<string, { rule: Record<string, unknown>; deploy: (state: SimState, n: number, sha: string, d: number) => void }> = {
    deployments: { rule: {}, deploy: (state, _n, sha, d) => void state.deploy(name, { sha, at: day(d, 13) }) },
    releases: { rule: { from: "releases" }, deploy: (state, n, sha, d) => release(state.repo(name), n, `v1.${n}.0`, sha, d) },
    tags: { rule: { from: "tags", tag_pattern: "^v" }, deploy: (state, n, sha, d) => void state.repo(name).tags.push({ name: `v1.${n}.0`, sha, tagger_date: day(d, 11) }) },
    workflow_runs: { rule: { from: "workflow_runs", workflow: "deploy\\.yml$" }, deploy: (state, n, sha, d) => run(state.repo(name), n, ".github/workflows/deploy.yml", sha, d, "success") },
  };

  /** Deployment `k` (on day 6k) ships a PR merged the day before (merge, squash, rebase in turn) and a direct commit. */
  function ship(state: SimState, mode: (typeof modes)[string], k: number): void {
    const d = 6 * k;
    state.mergePull(name, {
      how: (["merge", "squash", "rebase"] as const)[k % 3]!,
      commits: [{ message: `pr${k} a`, authoredAt: day(d - 3, 9) }, { message: `pr${k} b`, authoredAt: day(d - 2, 9) }],
      openedAt: day(d - 3, 8),
      mergedAt: day(d - 1, 9),
    });
    state.commit(name, { message: `direct ${k}`, date: day(d - 1, 15) });
    mode.deploy(state, k, state.head(name), d);
  }

  /** core.changes of the deployments that finished at or after `from`. */
  async function changesFrom(w: Warehouse, from: string): Promise<unknown[]> {
    return w.all(
      `SELECT c.* EXCLUDE (collected_at) FROM core.changes c JOIN core.deployments d USING (deployment_id) WHERE d.finished_at >= ?::TIMESTAMPTZ ORDER BY ALL`,
      [from],
    );
  }

  for (const [mode, m] of Object.entries(modes)) {
    it(`${mode}: a backfill, a cursor run, then --since the day before twice and a cursor run again, as one full collect`, async () => {
      const state = new SimState();
      state.commit(name, { message: "init", date: day(1, 9) });
      m.deploy(state, 0, state.head(name), 1);
      for (let k = 1; k <= 5; k++) ship(state, m, k);
      sim = await startGithubSim({ token: TOKEN, state });
      const config = githubConfig(sim.url, { app: { github: [{ repo: name, deployments: m.rule }] } }, { page_size: 2 });
      const from = day(14, 0);
      await withMemoryWarehouse(async (w) => {
        const rerun = async (since?: string) => {
          const result = await runGithub(w, config, { since: since ? new Date(since) : undefined });
          expect(result.result.status, result.lines.join("\n")).toBe("success");
        };
        // A backfill and a cursor run right after it; a new deployment; --since the day before, twice; a cursor run.
        await rerun(from);
        await rerun();
        ship(state, m, 6);
        await rerun(day(35, 0));
        await rerun(day(35, 0));
        await rerun();
        // Deployments 3 to 6 (the one on day 12 is the base), each once: a merge (two commits and the merge
        // commit), a squash, a rebase (two commits), a merge; and a direct commit each.
        const attributed = await w.all<{ n: number; shas: number }>("SELECT count(*)::INTEGER AS n, count(DISTINCT commit_sha)::INTEGER AS shas FROM core.changes");
        expect(attributed[0]).toEqual({ n: 4 + 2 + 3 + 4, shas: 4 + 2 + 3 + 4 });
        await withMemoryWarehouse(async (full) => {
          const once = await runGithub(full, config);
          expect(once.result.status, once.lines.join("\n")).toBe("success");
          expect(await changesFrom(w, from)).toEqual(await changesFrom(full, from));
        });
      });
    });
  }
});
