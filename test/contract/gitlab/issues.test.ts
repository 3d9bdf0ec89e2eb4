import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectSource } from "../../../collectors/core/runner.ts";
import { runTransforms } from "../../../transforms/run.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { paymentsProject, sha } from "../../sim/gitlab/fixtures.ts";
import { SIM_TOKEN, startGitlabSim, type GitlabSim, type SimIssue, type SimProject } from "../../sim/gitlab/server.ts";
import { TOKEN_ENV, gitlabSource, makeContext, type TestContext } from "./helpers.ts";

let sim: GitlabSim | undefined;
beforeEach(() => {
  process.env[TOKEN_ENV] = SIM_TOKEN;
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  delete process.env[TOKEN_ENV];
});

const P = "acme/payments";

/** Two incidents (one closed, naming deployment 101's commit; one open, naming !2), a bug, and a GitLab-severity incident. */
function issues(): SimIssue[] {
  return [
    {
      id: 5001,
      iid: 1,
      title: "Payments down",
      description: `Broke after ${sha("c0")} was deployed.`,
      state: "closed",
      labels: ["incident", "severity::1"],
      created_at: "2026-01-20T10:00:00.000Z",
      updated_at: "2026-01-20T11:00:00.000Z",
      closed_at: "2026-01-20T11:00:00.000Z",
    },
    {
      id: 5002,
      iid: 2,
      title: "Rounding errors again",
      description: "Maybe !2?",
      state: "opened",
      labels: ["incident"],
      severity: "MEDIUM",
      created_at: "2026-01-21T08:00:00.000Z",
      updated_at: "2026-01-21T08:30:00.000Z",
    },
    { id: 5003, iid: 3, title: "Button colour", state: "opened", labels: ["bug"], created_at: "2026-01-21T09:00:00.000Z", updated_at: "2026-01-21T09:00:00.000Z" },
  ];
}

function project(): SimProject {
  return { ...paymentsProject(), issues: issues() };
}

function context(w: Warehouse, url: string, labels = ["incident"]): TestContext {
  const ctx = makeContext(w, url);
  ctx.config.sources.gitlab!.incidents = { labels };
  return ctx;
}

interface IncidentRow {
  incident_id: string;
  source: string;
  service: string;
  title: string;
  body: string | null;
  urgency: string | null;
  priority: string | null;
  created_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  status: string;
  refs: string[] | null;
  url: string | null;
}

const incidentRows = (w: Warehouse) => w.all<IncidentRow>("SELECT * EXCLUDE (collected_at) FROM core.incidents ORDER BY incident_id");
const issueRequests = (s: GitlabSim) => s.requests.filter((r) => r.path === `/api/v4/projects/${P}/issues`);

describe("gitlab.incidents: labelled issues as incidents (gitbeaker against the simulator)", () => {
  it("labelled issues become incidents, open and closed; unlabelled issues do not", async () => {
    const s = (sim = await startGitlabSim({ state: { projects: [project()] } }));
    await withMemoryWarehouse(async (w) => {
      const result = await collectSource(gitlabSource, context(w, s.url));
      expect(result.status, result.error).toBe("success");

      const rows = await incidentRows(w);
      expect(rows.map((r) => r.incident_id)).toEqual([`gitlab:incident:${P}:1`, `gitlab:incident:${P}:2`]);
      const [closed, open] = rows as [IncidentRow, IncidentRow];
      expect(closed).toMatchObject({
        source: "gitlab",
        service: "payments",
        title: "Payments down",
        urgency: "high",
        priority: "severity::1",
        status: "resolved",
        acknowledged_at: null,
        url: `${s.url}/${P}/-/issues/1`,
      });
      expect(closed.created_at.toISOString()).toBe("2026-01-20T10:00:00.000Z");
      expect(closed.resolved_at?.toISOString()).toBe("2026-01-20T11:00:00.000Z");
      // no label says the severity: GitLab's own (MEDIUM) does
      expect(open).toMatchObject({ status: "triggered", resolved_at: null, urgency: "low", priority: "MEDIUM", body: "Maybe !2?", refs: ["!2"] });

      const listed = issueRequests(s);
      expect(listed).toHaveLength(1);
      expect(listed[0]!.query).toMatchObject({ labels: "incident", order_by: "updated_at", sort: "asc" });
      expect(listed[0]!.query.updated_after).toBeUndefined();
    });
  });

  it("is off without labels: no issues request, no incidents", async () => {
    const s = (sim = await startGitlabSim({ state: { projects: [project()] } }));
    await withMemoryWarehouse(async (w) => {
      const result = await collectSource(gitlabSource, makeContext(w, s.url));
      expect(result.status, result.error).toBe("success");
      expect(issueRequests(s)).toEqual([]);
      expect(await incidentRows(w)).toEqual([]);
    });
  });

  it("a second run with nothing new changes no row and asks only from the cursor (minus the overlap)", async () => {
    const s = (sim = await startGitlabSim({ state: { projects: [project()] } }));
    await withMemoryWarehouse(async (w) => {
      expect((await collectSource(gitlabSource, context(w, s.url))).status).toBe("success");
      const before = await incidentRows(w);
      const cursor = await w.one<{ cursor: string }>("SELECT cursor FROM sync.cursors WHERE stream = 'gitlab.incidents'");
      expect(cursor?.cursor).toBe("2026-01-21T08:30:00.000Z");

      expect((await collectSource(gitlabSource, context(w, s.url))).status).toBe("success");
      expect(await incidentRows(w)).toEqual(before);
      expect(issueRequests(s).at(-1)!.query.updated_after).toBe("2026-01-21T08:25:00.000Z");
    });
  });

  it("an issue closed after the first run is updated in place, not duplicated", async () => {
    const s = (sim = await startGitlabSim({ state: { projects: [project()] } }));
    await withMemoryWarehouse(async (w) => {
      expect((await collectSource(gitlabSource, context(w, s.url))).status).toBe("success");
      const issue = s.state.projects[0]!.issues!.find((i) => i.iid === 2)!;
      Object.assign(issue, { state: "closed", closed_at: "2026-01-22T16:00:00.000Z", updated_at: "2026-01-22T16:00:00.000Z" });
      expect((await collectSource(gitlabSource, context(w, s.url))).status).toBe("success");

      const rows = await incidentRows(w);
      expect(rows).toHaveLength(2);
      const row = rows.find((r) => r.incident_id === `gitlab:incident:${P}:2`)!;
      expect(row.status).toBe("resolved");
      expect(row.resolved_at?.toISOString()).toBe("2026-01-22T16:00:00.000Z");
    });
  });

  it("a project that does not exist is a failed partition of gitlab.incidents too; the others are collected", async () => {
    const s = (sim = await startGitlabSim({ state: { projects: [project()] } }));
    await withMemoryWarehouse(async (w) => {
      const ctx = makeContext(w, s.url, { services: { payments: [P], ghost: ["acme/ghost"] } });
      ctx.config.sources.gitlab!.incidents = { labels: ["incident"] };
      const result = await collectSource(gitlabSource, ctx);
      expect(result.status, result.error).toBe("failure");
      const stream = result.streams.find((st) => st.stream === "gitlab.incidents")!;
      expect(stream.failedPartitions).toEqual([{ partition: "acme/ghost label:incident", reason: expect.stringMatching(/^not found: .*404 Project Not Found/) }]);
      expect((await incidentRows(w)).length).toBe(2);
    });
  });

  it("the linking transform links an incident naming a deployment's sha explicitly", async () => {
    const s = (sim = await startGitlabSim({ state: { projects: [project()] } }));
    await withMemoryWarehouse(async (w) => {
      const ctx = context(w, s.url);
      expect((await collectSource(gitlabSource, ctx)).status).toBe("success");
      await runTransforms(w, ctx.config);

      const links = await w.all<{ incident_id: string; caused_by_deployment_id: string | null; link_kind: string }>(
        "SELECT incident_id, caused_by_deployment_id, link_kind FROM metrics.incident_links ORDER BY incident_id",
      );
      // #1 names c0, deployed only by 101, two weeks earlier (beyond the 24 h heuristic window); #2 names
      // !2, whose change 105 shipped: a PR reference is explicit too.
      expect(links).toEqual([
        { incident_id: `gitlab:incident:${P}:1`, caused_by_deployment_id: `gitlab:deployment:${P}:101`, link_kind: "explicit" },
        { incident_id: `gitlab:incident:${P}:2`, caused_by_deployment_id: `gitlab:deployment:${P}:105`, link_kind: "explicit" },
      ]);
    });
  });
});
