import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectSource } from "../../../collectors/core/runner.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { deploymentFlags } from "../../helpers/flags.ts";
import { manyDeployments, paymentsProject, sha } from "../../sim/gitlab/fixtures.ts";
import { SIM_TOKEN, startGitlabSim, type GitlabSim, type GitlabSimOptions } from "../../sim/gitlab/server.ts";
import { TOKEN_ENV, gitlabSource, gitlabWith, makeContext, snapshot } from "./helpers.ts";

let sim: GitlabSim | undefined;
const start = async (options: GitlabSimOptions) => (sim = await startGitlabSim(options));

beforeEach(() => {
  process.env[TOKEN_ENV] = SIM_TOKEN;
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  delete process.env[TOKEN_ENV];
});

const dep = (path: string, id: number) => `gitlab:deployment:${path}:${id}`;

describe("gitlab collector against the simulator (gitbeaker over HTTP)", () => {
  it("collects deployments, merged MRs and the commits each production deployment shipped", async () => {
    const s = await start({ state: { projects: [paymentsProject()] } });
    await withMemoryWarehouse(async (w) => {
      const ctx = makeContext(w, s.url);
      const result = await collectSource(gitlabSource, ctx);
      expect(result.status, result.error).toBe("success");

      const deployments = await w.all<Record<string, unknown>>(
        "SELECT deployment_id, environment, is_production, status, original_status, is_rollback, is_rework, finished_at, pipeline_started_at, service FROM core.deployments ORDER BY deployment_id",
      );
      expect(deployments).toHaveLength(10);
      const byId = new Map(deployments.map((d) => [d.deployment_id, d]));
      const p = "acme/payments";
      expect(byId.get(dep(p, 102))).toMatchObject({ environment: "staging", is_production: false });
      expect(byId.get(dep(p, 103))).toMatchObject({ is_production: true, status: "success", is_rollback: false, service: "payments" });
      expect(byId.get(dep(p, 104))).toMatchObject({ status: "failure", original_status: "failed" });
      expect(byId.get(dep(p, 107))).toMatchObject({ status: "cancelled", original_status: "canceled" });
      // 103: the deploy job's finished_at; 105: the top-level finished_at; 110 (no job): updated_at.
      expect((byId.get(dep(p, 103))!.finished_at as Date).toISOString()).toBe("2026-01-06T10:00:00.000Z");
      expect((byId.get(dep(p, 105))!.finished_at as Date).toISOString()).toBe("2026-01-07T12:00:30.000Z");
      expect((byId.get(dep(p, 110))!.finished_at as Date).toISOString()).toBe("2026-01-09T09:01:00.000Z");
      // The pipeline was created 20 minutes before the job finished.
      expect((byId.get(dep(p, 103))!.pipeline_started_at as Date).toISOString()).toBe("2026-01-06T09:40:00.000Z");
      // Flags are derived from the stored rows by the transforms, not written by the collector.
      expect(deployments.filter((d) => d.is_rollback || d.is_rework)).toEqual([]);
      const flags = [...(await deploymentFlags(w, ctx.config))];
      // 106 goes back to m1 (ran before); 109 to c2, an ancestor never deployed.
      expect(flags.filter(([, f]) => f.is_rollback).map(([id]) => id)).toEqual([dep(p, 106), dep(p, 109)]);
      // 105 shipped !2, labelled hotfix.
      expect(flags.filter(([, f]) => f.is_rework).map(([id]) => id)).toEqual([dep(p, 105)]);

      const changes = await w.all<Record<string, unknown>>(
        "SELECT commit_sha, deployment_id, pr_id, pr_first_commit_at, first_review_at, merged_at FROM core.changes ORDER BY deployment_id, commit_sha",
      );
      expect(changes.map((c) => [c.commit_sha, c.deployment_id, c.pr_id])).toEqual([
        [sha("c1"), dep(p, 103), "gitlab:mr:acme/payments:1"],
        [sha("c2"), dep(p, 103), "gitlab:mr:acme/payments:1"],
        [sha("m1"), dep(p, 103), "gitlab:mr:acme/payments:1"],
        [sha("c3"), dep(p, 105), null],
        [sha("s2"), dep(p, 105), "gitlab:mr:acme/payments:2"],
      ]);
      // !1: first commit authored 2026-01-01T08:00+01:00 = 07:00Z; bob's comment is the first review.
      expect((changes[0]!.pr_first_commit_at as Date).toISOString()).toBe("2026-01-01T07:00:00.000Z");
      expect((changes[0]!.first_review_at as Date).toISOString()).toBe("2026-01-03T10:00:00.000Z");

      const mrs = await w.all<Record<string, unknown>>("SELECT pr_id, first_commit_at, first_review_at, approved_at, is_hotfix, commits FROM core.pull_requests ORDER BY pr_id");
      expect(mrs).toHaveLength(2); // the open MR is not collected
      expect(mrs[1]).toMatchObject({ is_hotfix: true, commits: 1 });
      expect((mrs[0]!.approved_at as Date).toISOString()).toBe("2026-01-04T11:00:00.000Z");
      expect(ctx.requests.count).toBe(s.requests.length);
    });
  });

  it("a second run changes nothing and asks only for what was updated after the cursor", async () => {
    const s = await start({ state: { projects: [paymentsProject()] } });
    await withMemoryWarehouse(async (w) => {
      expect((await collectSource(gitlabSource, makeContext(w, s.url))).status).toBe("success");
      const before = await snapshot(w);
      const firstRun = s.requests.length;
      const second = await collectSource(gitlabSource, makeContext(w, s.url));
      expect(second.status, second.error).toBe("success");
      expect(await snapshot(w)).toEqual(before);
      const deploymentLists = s.requests.slice(firstRun).filter((r) => r.path.endsWith("/deployments"));
      // Cursor 2026-01-09T09:01Z (deployment 110's updated_at) minus the 5-minute overlap.
      expect(deploymentLists.map((r) => r.query.updated_after)).toEqual(["2026-01-09T08:56:00.000Z"]);
      expect(deploymentLists[0]!.query.order_by).toBe("updated_at");
    });
  });

  it("a new deployment on a later run ships the commits since the last one", async () => {
    const project = paymentsProject();
    const s = await start({ state: { projects: [project] } });
    await withMemoryWarehouse(async (w) => {
      await collectSource(gitlabSource, makeContext(w, s.url));
      const c4 = { id: sha("c4"), title: "Add metrics", authored_date: "2026-01-10T08:00:00.000Z", committed_date: "2026-01-10T08:00:00.000Z" };
      project.history.push(c4);
      project.deployments.push({
        id: 111, iid: 11, sha: c4.id, status: "success", environment: "production",
        created_at: "2026-01-10T09:00:00.000Z", updated_at: "2026-01-10T09:10:00.000Z",
        deployable: { id: 1111, finished_at: "2026-01-10T09:09:00.000Z" },
      });
      expect((await collectSource(gitlabSource, makeContext(w, s.url))).status).toBe("success");
      const rows = await w.all<{ commit_sha: string; deployment_id: string }>("SELECT commit_sha, deployment_id FROM core.changes WHERE deployment_id = ?", [dep("acme/payments", 111)]);
      // Compared with 110 (c3): only c4 is new.
      expect(rows.map((r) => r.commit_sha)).toEqual([c4.id]);
    });
  });

  it.each([
    ["with totals", 10_000],
    ["past the totals limit (no x-total, no rel=last)", 10],
  ])("pages to the end %s", async (_name, totalsLimit) => {
    const s = await start({ state: { projects: [manyDeployments(30)] }, totalsLimit });
    await withMemoryWarehouse(async (w) => {
      const ctx = makeContext(w, s.url, { services: { big: ["acme/big"] }, pageSize: 7 });
      const result = await collectSource(gitlabSource, ctx);
      expect(result.status, result.error).toBe("success");
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(30);
      const pages = s.requests.filter((r) => r.path.endsWith("/deployments")).map((r) => r.query.page);
      expect(pages).toEqual(["1", "2", "3", "4", "5"]);
      const cursor = await w.one<{ cursor: string }>("SELECT cursor FROM sync.cursors WHERE stream = 'gitlab.deployments'");
      expect(cursor!.cursor).toBe("2026-02-01T00:30:00.000Z"); // the 30th deployment's updated_at
    });
  });

  it.each([
    ["Retry-After", () => ({ "retry-after": "1" })],
    ["RateLimit-Reset", () => ({ "ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 1), "ratelimit-remaining": "0" })],
  ])("a 429 with %s waits as told, then goes on (one retry, not gitbeaker's ten)", async (header, headers) => {
    const s = await start({ state: { projects: [paymentsProject()] }, faults: [{ path: /\/deployments$/, status: 429, headers }] });
    await withMemoryWarehouse(async (w) => {
      const ctx = makeContext(w, s.url);
      const result = await collectSource(gitlabSource, ctx);
      expect(result.status, result.error).toBe("success");
      expect(s.requests.filter((r) => r.path.endsWith("/deployments")).map((r) => r.status)).toEqual([429, 200]);
      const wait = ctx.logs.find((l) => l.includes("HTTP 429"));
      expect(wait).toContain(`(${header})`);
      const ms = Number(/in (\d+) ms/.exec(wait!)![1]);
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(2000);
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(10);
    });
  });

  it("a 429 asking for longer than the wait limit fails clearly instead of hanging", async () => {
    const s = await start({ state: { projects: [paymentsProject()] }, faults: [{ path: /\/merge_requests$/, status: 429, headers: () => ({ "retry-after": "7200" }) }] });
    await withMemoryWarehouse(async (w) => {
      const result = await collectSource(gitlabSource, makeContext(w, s.url));
      expect(result.status).toBe("failure");
      expect(result.error).toMatch(/gitlab\.merge_requests: \[acme\/payments\] GitLab GET .*merge_requests.* → 429: GitLab asks to wait 7200 s \(Retry-After\)/);
    });
  });

  it("5xx answers are retried with backoff", async () => {
    const faults = [
      { path: /\/deployments$/, status: 502, times: 2 },
      { path: /\/merge_requests$/, status: 500 },
      { path: /\/repository\/compare$/, status: 503 },
    ];
    const s = await start({ state: { projects: [paymentsProject()] }, faults });
    await withMemoryWarehouse(async (w) => {
      const result = await collectSource(gitlabSource, makeContext(w, s.url));
      expect(result.status, result.error).toBe("success");
      expect(s.requests.filter((r) => r.status >= 500)).toHaveLength(4);
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.changes"))!.n).toBe(5);
    });
  });

  it("5xx that never ends fails the stream with the URL and the attempts", async () => {
    const s = await start({ state: { projects: [paymentsProject()] }, faults: [{ path: /\/deployments$/, status: 503, times: 100 }] });
    await withMemoryWarehouse(async (w) => {
      const result = await collectSource(gitlabWith({ attempts: 3 }), makeContext(w, s.url));
      expect(result.error).toMatch(/gitlab\.deployments: \[acme\/payments\] GitLab GET \/api\/v4\/projects\/acme%2Fpayments\/deployments\?.* → 503: 503 simulated \(after 3 attempts\)/);
      // The merge-request stream is unaffected.
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.pull_requests"))!.n).toBe(2);
    });
  });

  it("a malformed item stops the stream with a clear message; earlier pages and the raw page are kept; a fixed re-run completes", async () => {
    const project = manyDeployments(12);
    project.deployments[9]!.raw = { environment: null };
    const s = await start({ state: { projects: [project] } });
    await withMemoryWarehouse(async (w) => {
      const ctx = makeContext(w, s.url, { services: { big: ["acme/big"] }, pageSize: 5 });
      const result = await collectSource(gitlabSource, ctx);
      expect(result.status).toBe("failure");
      expect(result.error).toContain("gitlab.deployments [acme/big] item 110: environment:");
      expect(result.error).toContain("raw page is kept");
      // Page 1 (5 items) is stored with its cursor; page 2 failed on its 5th item, nothing of it upserted.
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(5);
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM raw.pages WHERE stream = 'gitlab.deployments'"))!.n).toBe(2);
      const cursor = await w.one<{ cursor: string }>("SELECT cursor FROM sync.cursors WHERE stream = 'gitlab.deployments'");
      expect(cursor!.cursor).toBe("2026-02-01T00:05:00.000Z");

      delete project.deployments[9]!.raw;
      const again = await collectSource(gitlabSource, makeContext(w, s.url, { services: { big: ["acme/big"] }, pageSize: 5 }));
      expect(again.status, again.error).toBe("success");
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(12);
    });
  });

  it("a project that does not exist is a failed partition; the others are collected", async () => {
    const s = await start({ state: { projects: [paymentsProject()] } });
    await withMemoryWarehouse(async (w) => {
      const ctx = makeContext(w, s.url, { services: { payments: ["acme/payments"], ghost: ["acme/ghost"] } });
      const result = await collectSource(gitlabSource, ctx);
      expect(result.status, result.error).toBe("failure");
      expect(result.error).toMatch(/\[acme\/ghost\] not found/);
      // gitlab.incidents is off here (no labels), so it has no partitions (issues.test.ts covers it);
      // gitlab.changes asks only about the stored deployments of a project (none for the ghost).
      for (const stream of result.streams.filter((st) => st.stream !== "gitlab.incidents" && st.stream !== "gitlab.changes")) {
        expect(stream.failedPartitions).toEqual([{ partition: "acme/ghost", reason: expect.stringMatching(/^not found: .*404 Project Not Found/) }]);
      }
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments"))!.n).toBe(10);
    });
  });

  it("the token never reaches raw pages, cursors, run rows, errors or logs; a wrong token is reported as unauthorized", async () => {
    const s = await start({ state: { projects: [paymentsProject()] }, faults: [{ path: /\/merge_requests$/, status: 503, times: 100 }] });
    await withMemoryWarehouse(async (w) => {
      const ctx = makeContext(w, s.url);
      const result = await collectSource(gitlabWith({ attempts: 2 }), ctx);
      expect(s.requests.every((r) => r.authorized || r.status === 503)).toBe(true);
      const stored = JSON.stringify(await w.all("SELECT * FROM raw.pages")) + JSON.stringify(await w.all("SELECT * FROM sync.runs")) + JSON.stringify(await w.all("SELECT * FROM sync.cursors"));
      expect(stored).toContain("acme/payments");
      for (const text of [stored, JSON.stringify(result), ctx.logs.join("\n")]) expect(text).not.toContain(SIM_TOKEN);

      s.faults.length = 0;
      process.env[TOKEN_ENV] = "wrong-token-RECOGNISABLE-0000";
      const bad = makeContext(w, s.url);
      const denied = await collectSource(gitlabSource, bad);
      expect(denied.status).toBe("failure");
      expect(denied.error).toMatch(new RegExp(`^gitlab: the API refused the credentials \\(HTTP 401 unauthorized\\); check the token in ${TOKEN_ENV} .*401 Unauthorized`));
      // Refused on the first request: the other streams are not asked.
      expect(denied.streams).toHaveLength(1);
      expect(JSON.stringify(denied) + bad.logs.join("\n")).not.toContain("wrong-token-RECOGNISABLE-0000");
    });
  });

  it("reads the token from GITLAB_TOKEN_FILE-style *_FILE variables", async () => {
    const s = await start({ state: { projects: [paymentsProject()] } });
    const { withTempDir } = await import("../../helpers/db.ts");
    const { writeFileSync } = await import("node:fs");
    await withTempDir(async (dir) => {
      delete process.env[TOKEN_ENV];
      writeFileSync(`${dir}/token`, `${SIM_TOKEN}\n`);
      process.env[`${TOKEN_ENV}_FILE`] = `${dir}/token`;
      try {
        await withMemoryWarehouse(async (w) => {
          expect(await gitlabSource.check!(makeContext(w, s.url))).toBe(`authenticated as @root on ${s.url}`);
        });
      } finally {
        delete process.env[`${TOKEN_ENV}_FILE`];
      }
    });
  });

  it("a group brings its projects and its subgroups' projects; services keep the projects they list", async () => {
    const s = await start({
      state: {
        groups: ["acme", "acme/platform"],
        projects: [paymentsProject("acme/payments", 7), manyDeployments(3, "acme/platform/ledger", 8), manyDeployments(2, "other/tool", 9)],
      },
    });
    await withMemoryWarehouse(async (w) => {
      const ctx = makeContext(w, s.url, { groups: ["acme"] });
      const result = await collectSource(gitlabSource, ctx);
      expect(result.status, result.error).toBe("success");
      const rows = await w.all<{ repo: string; service: string; n: number }>("SELECT repo, service, count(*) AS n FROM core.deployments GROUP BY ALL ORDER BY repo");
      expect(rows).toEqual([
        { repo: "acme/payments", service: "payments", n: 10 },
        { repo: "acme/platform/ledger", service: "acme/platform/ledger", n: 3 },
      ]);
      expect(s.requests.find((r) => r.path === "/api/v4/groups/acme/projects")!.query.include_subgroups).toBe("true");
    });
  });

  it("--since backfills from that instant instead of the cursor", async () => {
    const s = await start({ state: { projects: [paymentsProject()] } });
    await withMemoryWarehouse(async (w) => {
      const since = new Date("2026-01-08T00:00:00.000Z");
      const result = await collectSource(gitlabSource, makeContext(w, s.url, { since }));
      expect(result.status, result.error).toBe("success");
      expect(s.requests.find((r) => r.path.endsWith("/deployments"))!.query.updated_after).toBe(since.toISOString());
      // 106..110 were updated after the 8th; 105, the last successful production deployment before it, is their base.
      expect((await w.all<{ id: string }>("SELECT deployment_id AS id FROM core.deployments ORDER BY 1")).map((r) => r.id)).toEqual(
        [105, 106, 107, 108, 109, 110].map((n) => dep("acme/payments", n)),
      );
    });
  });

  it("a backfill fetches the last successful production deployment before --since, so the first one of the range has its commits", async () => {
    const s = await start({ state: { projects: [paymentsProject()] } });
    await withMemoryWarehouse(async (w) => {
      const since = new Date("2026-01-07T00:00:00.000Z");
      const result = await collectSource(gitlabSource, makeContext(w, s.url, { since }));
      expect(result.status, result.error).toBe("success");
      // one request for it: the documented pairing of finished_before with order_by=finished_at and status=success
      const asked = s.requests.filter((r) => r.query.finished_before);
      expect(asked.map((r) => r.query)).toEqual([
        expect.objectContaining({ environment: "production", status: "success", order_by: "finished_at", sort: "desc", finished_before: since.toISOString(), per_page: "1" }),
      ]);
      // 103 (m1) is stored as the base; 105 (c3) ships the commits between m1 and c3, not merge requests
      const changes = await w.all<{ deployment_id: string; commit_sha: string }>("SELECT deployment_id, commit_sha FROM core.changes WHERE deployment_id = ? ORDER BY commit_sha", [dep("acme/payments", 105)]);
      expect(changes.map((c) => c.commit_sha)).toEqual([sha("c3"), sha("s2")].sort());
      expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.deployments WHERE deployment_id = ?", [dep("acme/payments", 103)]))!.n).toBe(1);
      // A second backfill finds the base stored and does not ask again.
      const before = s.requests.length;
      await collectSource(gitlabSource, makeContext(w, s.url, { since }));
      expect(s.requests.slice(before).filter((r) => r.query.finished_before)).toEqual([]);
    });
  });
});
