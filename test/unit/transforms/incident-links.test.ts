import { describe, expect, it } from "vitest";
import type { Row } from "../../../warehouse/warehouse.ts";
import { deployment, incident, materialize, testConfig, withTransformWarehouse } from "./helpers.ts";

// Two api deployments 8 h apart, one web deployment; the window is 24 h (the default).
const DEPLOYMENTS = [
  deployment("api", "2026-02-03T01:00:00Z", { deployment_id: "demo:deployment:api:4711", commit_sha: "1234567abcdef0000" }),
  deployment("api", "2026-02-03T09:00:00Z", { deployment_id: "demo:deployment:api:4712", commit_sha: "89abcdef12345678" }),
  deployment("web", "2026-02-03T09:30:00Z", { deployment_id: "demo:deployment:web:1" }),
];
const CHANGES = [{ change_id: "c42", source: "demo", service: "api", deployment_id: "demo:deployment:api:4711", commit_sha: "fedcba9876543210", pr_id: "demo:pr:42", committed_at: "2026-02-02T10:00:00Z" }];
const PULLS = [{ pr_id: "demo:pr:42", source: "demo", service: "api", repo: "acme/api", number: 42 }];

describe("metrics.incident_links", () => {
  it.each<[string, Row, string | null, string]>([
    // heuristic: both deployments are within 24 h before 12:00; the later one (09:00) is blamed
    ["two deployments in the window → the later", incident("i", "api", "2026-02-03T12:00:00Z"), "demo:deployment:api:4712", "heuristic"],
    // explicit: the title names the first deployment's commit by a 8-char prefix; the heuristic would say 4712
    ["a commit sha prefix beats the heuristic", incident("i", "api", "2026-02-03T12:00:00Z", { title: "500s since 1234567A went out" }), "demo:deployment:api:4711", "explicit"],
    ["the source's own link", incident("i", "api", "2026-02-03T12:00:00Z", { caused_by_deployment_id: "demo:deployment:api:4711", link_kind: "explicit" }), "demo:deployment:api:4711", "explicit"],
    ["a PR number of a shipped change", incident("i", "api", "2026-02-03T12:00:00Z", { body: "Regression from #42, reverting" }), "demo:deployment:api:4711", "explicit"],
    ["a PR URL of a shipped change", incident("i", "api", "2026-02-03T12:00:00Z", { refs: ["https://github.com/acme/api/pull/42"] }), "demo:deployment:api:4711", "explicit"],
    ["a deployment id in the refs", incident("i", "web", "2026-02-03T12:00:00Z", { refs: ["demo:deployment:api:4711"] }), "demo:deployment:api:4711", "explicit"],
    ["a configured pattern naming a deployment", incident("i", "api", "2026-02-03T12:00:00Z", { title: "Roll back Deploy 4711 now" }), "demo:deployment:api:4711", "explicit"],
    // created before any deployment of the service
    ["an incident before any deployment", incident("i", "api", "2026-02-02T23:00:00Z"), null, "none"],
    // 12:00 on 02-04 is 27 h after the last api deployment
    ["the last deployment is outside the window", incident("i", "api", "2026-02-04T12:00:00Z"), null, "none"],
    // the api deployment is not web's: the heuristic stays within the service
    ["another service's deployment", incident("i", "db", "2026-02-03T12:00:00Z"), null, "none"],
    // a sha that matches nothing falls back to the heuristic
    ["an unknown sha falls back to the heuristic", incident("i", "api", "2026-02-03T12:00:00Z", { title: "see deadbeefcafe" }), "demo:deployment:api:4712", "heuristic"],
  ])("%s", async (_name, inc, expectedDeployment, expectedKind) => {
    await withTransformWarehouse(testConfig({ failures: { explicit_patterns: ["deploy (\\d+)"] } }), async (w) => {
      await w.upsert("core.deployments", DEPLOYMENTS);
      await w.upsert("core.changes", CHANGES);
      await w.upsert("core.pull_requests", PULLS);
      await w.upsert("core.incidents", [inc]);
      await materialize(w, "metrics.incident_links");
      const rows = await w.all("SELECT incident_id, caused_by_deployment_id, link_kind FROM metrics.incident_links");
      expect(rows).toEqual([{ incident_id: "i", caused_by_deployment_id: expectedDeployment, link_kind: expectedKind }]);
    });
  });

  it("honours incident_window_hours", async () => {
    // 02-04 12:00 is 27 h after 02-03 09:00: linked with a 30 h window
    await withTransformWarehouse(testConfig({ failures: { incident_window_hours: 30 } }), async (w) => {
      await w.upsert("core.deployments", DEPLOYMENTS);
      await w.upsert("core.incidents", [incident("i", "api", "2026-02-04T12:00:00Z")]);
      await materialize(w, "metrics.incident_links");
      expect(await w.one("SELECT caused_by_deployment_id, link_kind FROM metrics.incident_links")).toEqual({
        caused_by_deployment_id: "demo:deployment:api:4712",
        link_kind: "heuristic",
      });
    });
  });
});
