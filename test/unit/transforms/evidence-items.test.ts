import { describe, expect, it } from "vitest";
import type { Row } from "../../../warehouse/warehouse.ts";
import { deployment, incident, materialize, testConfig, withTransformWarehouse } from "./helpers.ts";

// The report's evidence lists read only metrics.*: each item relation carries what a person
// recognises the item by (title) and its page at the source (url), from the collectors' stored fields.
describe("metrics item relations carry title and url for the evidence lists", () => {
  it("deployments: ref with short sha and the deployment's page; without a ref, the natural key", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", [
        deployment("api", "2026-02-03T15:00:00Z", { deployment_id: "github:deployment:acme/api:41", ref: "v1.4.0", commit_sha: "ABCDEF1234567", url: "https://github.example/acme/api/deployments/41" }),
        deployment("api", "2026-02-04T15:00:00Z", { deployment_id: "git:deployment:acme/api:77", commit_sha: null, url: null }),
      ]);
      await materialize(w, "metrics.deployment_items");
      const items = await w.all<Row>("SELECT deployment_id, title, url FROM metrics.deployment_items ORDER BY finished_at");
      expect(items).toEqual([
        { deployment_id: "github:deployment:acme/api:41", title: "v1.4.0 (abcdef1)", url: "https://github.example/acme/api/deployments/41" },
        { deployment_id: "git:deployment:acme/api:77", title: "77", url: null },
      ]);
    });
  });

  it("changes: a PR by its title and page (even when squashed), a commit without a PR by its message line", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.deployments", [deployment("api", "2026-02-03T15:00:00Z", { deployment_id: "d1" })]);
      await w.upsert("core.pull_requests", [
        { pr_id: "github:pr:acme/api:7", source: "github", service: "api", repo: "acme/api", number: 7, title: "Retry card payments", url: "https://github.example/acme/api/pull/7/" },
      ]);
      const change = (sha: string, extra: Row): Row => ({ change_id: `github:change:acme/api:${sha}`, source: "github", service: "api", repo: "acme/api", deployment_id: "d1", commit_sha: sha, ...extra });
      await w.upsert("core.changes", [
        change("s0", { pr_id: "github:pr:acme/api:7", title: "Retry card payments (#7)", authored_at: "2026-02-02T09:00:00Z", committed_at: "2026-02-02T15:00:00Z" }),
        change("c1", { title: "fix typo in README", authored_at: "2026-02-03T11:00:00Z", committed_at: "2026-02-03T12:00:00Z" }),
      ]);
      await materialize(w, "metrics.lead_time_items");
      const items = await w.all<Row>("SELECT change_id, title, url FROM metrics.lead_time_items ORDER BY change_id");
      expect(items).toEqual([
        { change_id: "github:change:acme/api:c1", title: "fix typo in README", url: null },
        // the stored PR url keeps no trailing slash (staging trims it)
        { change_id: "github:pr:acme/api:7", title: "Retry card payments", url: "https://github.example/acme/api/pull/7" },
      ]);
    });
  });

  it("incidents: the source's title and page", async () => {
    await withTransformWarehouse(testConfig(), async (w) => {
      await w.upsert("core.incidents", [
        incident("pagerduty:incident:P1", "api", "2026-02-03T10:00:00Z", { resolved_at: "2026-02-03T11:30:00Z", title: "api: 5xx after deploy", url: "https://acme.pagerduty.com/incidents/P1" }),
      ]);
      await materialize(w, "metrics.restore_items");
      const items = await w.all<Row>("SELECT incident_id, title, url, restore_hours FROM metrics.restore_items");
      expect(items).toEqual([{ incident_id: "pagerduty:incident:P1", title: "api: 5xx after deploy", url: "https://acme.pagerduty.com/incidents/P1", restore_hours: 1.5 }]);
    });
  });
});
