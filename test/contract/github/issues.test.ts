import { afterEach, describe, expect, it } from "vitest";
import { severityOf } from "../../../collectors/github/issues.ts";
import { runTransforms } from "../../../transforms/run.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { startGithubSim, SimState, type GithubSim } from "../../sim/github/server.ts";
import { githubConfig, runGithub, snapshot, TOKEN } from "./harness.ts";

const REPO = "acme/payments-api";
const INCIDENTS = { incidents: { labels: ["incident"] } };
let sim: GithubSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

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

const incidents = (w: Parameters<Parameters<typeof withMemoryWarehouse>[0]>[0]) =>
  w.all<IncidentRow>("SELECT * EXCLUDE (collected_at) FROM core.incidents ORDER BY incident_id");

/** A deployment, a labelled PR, and issues: two incidents (one closed), one ordinary bug. */
function seed(state: SimState) {
  state.commit(REPO, { message: "Initial commit", date: "2026-01-05T09:00:00Z" });
  const deployed = state.head(REPO);
  state.deploy(REPO, { sha: deployed, at: "2026-01-05T10:00:00Z" });
  // #1: a PR labelled "incident" (a fix): the issues endpoint lists it, but it is not an incident.
  state.mergePull(REPO, {
    how: "squash",
    title: "Fix the refund crash",
    labels: ["incident", "hotfix"],
    commits: [{ message: "fix refund", authoredAt: "2026-01-06T08:00:00Z" }],
    openedAt: "2026-01-06T09:00:00Z",
    mergedAt: "2026-01-06T10:00:00Z",
  });
  const closed = state.issue(REPO, {
    title: "Refunds fail with 500",
    body: `Started after ${deployed.slice(0, 10)} went out.`,
    labels: ["incident", "sev1"],
    created_at: "2026-01-08T10:00:00Z",
    closed_at: "2026-01-08T12:30:00Z",
  });
  const open = state.issue(REPO, { title: "Checkout slow", body: null, labels: ["incident"], created_at: "2026-01-09T08:00:00Z" });
  const bug = state.issue(REPO, { title: "Typo on the receipt", labels: ["bug"], created_at: "2026-01-09T09:00:00Z" });
  return { deployed, closed, open, bug };
}

describe("github.incidents: labelled issues as incidents (Octokit against the simulator)", () => {
  it("labelled issues become incidents, open and closed; unlabelled issues and pull requests do not", async () => {
    const state = new SimState();
    const { deployed, closed, open } = seed(state);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { payments: { github: [REPO] } }, INCIDENTS));
      expect(run.result.status, run.lines.join("\n")).toBe("success");

      const rows = await incidents(w);
      expect(rows.map((r) => r.incident_id)).toEqual([`github:incident:${REPO}:${closed.number}`, `github:incident:${REPO}:${open.number}`]);
      const [c, o] = rows as [IncidentRow, IncidentRow];
      expect(c).toMatchObject({
        source: "github",
        service: "payments",
        title: "Refunds fail with 500",
        urgency: "high",
        priority: "sev1",
        status: "resolved",
        acknowledged_at: null,
        url: `https://github.com/${REPO}/issues/${closed.number}`,
      });
      expect(c.created_at.toISOString()).toBe("2026-01-08T10:00:00.000Z");
      expect(c.resolved_at?.toISOString()).toBe("2026-01-08T12:30:00.000Z");
      expect(c.refs).toEqual([deployed.slice(0, 10)]);
      expect(o).toMatchObject({ status: "triggered", resolved_at: null, urgency: null, priority: null, body: null });

      // The documented query: the label, every state, oldest update first.
      const listed = sim!.requests.filter((r) => r.path === `/repos/${REPO}/issues`);
      expect(listed).toHaveLength(1);
      expect(listed[0]!.query).toMatchObject({ labels: "incident", state: "all", sort: "updated", direction: "asc" });
      expect(listed[0]!.query.since).toBeUndefined();
    });
  });

  it("is off without labels: no issues request, no incidents", async () => {
    const state = new SimState();
    seed(state);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const run = await runGithub(w, githubConfig(sim!.url, { payments: { github: [REPO] } }, { incidents: { labels: [] } }));
      expect(run.result.status, run.lines.join("\n")).toBe("success");
      expect(sim!.requests.some((r) => r.path.endsWith("/issues"))).toBe(false);
      expect(await incidents(w)).toEqual([]);
    });
  });

  it("a second run with nothing new changes no row and asks only from the cursor (minus the overlap)", async () => {
    const state = new SimState();
    seed(state);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { payments: { github: [REPO] } }, INCIDENTS);
      expect((await runGithub(w, config)).result.status).toBe("success");
      const before = await snapshot(w, "core.incidents", "incident_id");
      const cursor = await w.one<{ cursor: string }>("SELECT cursor FROM sync.cursors WHERE stream = 'github.incidents'");
      // the newest update among the listed items (the open incident's creation)
      expect(cursor?.cursor).toBe("2026-01-09T08:00:00.000Z");

      const second = await runGithub(w, config);
      expect(second.result.status).toBe("success");
      expect(await snapshot(w, "core.incidents", "incident_id")).toEqual(before);
      const listed = sim!.requests.filter((r) => r.path === `/repos/${REPO}/issues`);
      expect(listed.at(-1)!.query.since).toBe("2026-01-09T07:55:00.000Z");
    });
  });

  it("an issue closed after the first run is updated in place, not duplicated", async () => {
    const state = new SimState();
    const { open } = seed(state);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { payments: { github: [REPO] } }, INCIDENTS);
      expect((await runGithub(w, config)).result.status).toBe("success");
      state.closeIssue(REPO, open.number, "2026-01-10T15:00:00Z");
      expect((await runGithub(w, config)).result.status).toBe("success");

      const rows = await incidents(w);
      expect(rows).toHaveLength(2);
      const row = rows.find((r) => r.incident_id === `github:incident:${REPO}:${open.number}`)!;
      expect(row.status).toBe("resolved");
      expect(row.resolved_at?.toISOString()).toBe("2026-01-10T15:00:00.000Z");
    });
  });

  it("the linking transform links an incident naming a deployment's sha explicitly", async () => {
    const state = new SimState();
    const { deployed, closed, open } = seed(state);
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, { payments: { github: [REPO] } }, INCIDENTS);
      expect((await runGithub(w, config)).result.status).toBe("success");
      await runTransforms(w, config);

      const deployment = await w.one<{ deployment_id: string }>("SELECT deployment_id FROM core.deployments WHERE commit_sha = ?", [deployed]);
      const links = await w.all<{ incident_id: string; caused_by_deployment_id: string | null; link_kind: string }>(
        "SELECT incident_id, caused_by_deployment_id, link_kind FROM metrics.incident_links ORDER BY incident_id",
      );
      // The closed incident names the sha (three days after that deployment: beyond the 24 h window,
      // so only the explicit reference can link it); the open one names nothing.
      expect(links).toEqual([
        { incident_id: `github:incident:${REPO}:${closed.number}`, caused_by_deployment_id: deployment!.deployment_id, link_kind: "explicit" },
        { incident_id: `github:incident:${REPO}:${open.number}`, caused_by_deployment_id: null, link_kind: "none" },
      ]);
    });
  });
});

describe("severity labels → urgency and priority", () => {
  it.each([
    [["incident", "sev1"], { urgency: "high", priority: "sev1" }],
    [["severity::2"], { urgency: "high", priority: "severity::2" }],
    [["Sev-3", "P1"], { urgency: "high", priority: "P1" }],
    [["priority::4"], { urgency: "low", priority: "priority::4" }],
    [["severity::critical"], { urgency: "high", priority: "severity::critical" }],
    [["incident", "high"], undefined],
    [["incident"], undefined],
  ] as const)("%j → %j", (labels, expected) => {
    expect(severityOf([...labels])).toEqual(expected);
  });

  it("GitLab's own severity counts when no label says anything", () => {
    expect(severityOf(["incident"], "CRITICAL")).toEqual({ urgency: "high", priority: "CRITICAL" });
    expect(severityOf(["incident"], "UNKNOWN")).toBeUndefined();
    expect(severityOf(["sev4"], "CRITICAL")).toEqual({ urgency: "low", priority: "sev4" });
  });
});
