import { describe, expect, it } from "vitest";
import { defaultGraphqlUrl, nextLink } from "../../../collectors/github/client.ts";
import { deploymentState } from "../../../collectors/github/deployments.ts";
import { tagFacts } from "../../../collectors/github/tags.ts";
import { entityId, repoTargets } from "../../../collectors/github/targets.ts";
import { Config } from "../../../schemas/config.ts";
import { GithubDeployment, GithubTag } from "../../../schemas/github.ts";

const deployment = (statuses: [string, string][], latest = statuses.at(-1)) =>
  GithubDeployment.parse({
    deployment: {
      id: 1, node_id: "DE_1", sha: "a".repeat(40), ref: "main", environment: "production", created_at: "2026-01-01T10:00:00Z",
      updated_at: "2026-01-01T10:00:00Z", url: "https://api.github.com/repos/a/b/deployments/1",
    },
    statuses: {
      id: "DE_1",
      latestStatus: latest ? { state: latest[0], createdAt: latest[1] } : null,
      statuses: { nodes: [...statuses].reverse().map(([state, createdAt]) => ({ state, createdAt })) },
    },
  });

describe("deployment state from its statuses", () => {
  it.each([
    ["success", [["IN_PROGRESS", "2026-01-01T10:00:00Z"], ["SUCCESS", "2026-01-01T10:05:00Z"]], "success", "success", "2026-01-01T10:05:00Z"],
    ["failure", [["FAILURE", "2026-01-01T10:05:00Z"]], "failure", "failure", "2026-01-01T10:05:00Z"],
    ["error", [["ERROR", "2026-01-01T10:05:00Z"]], "error", "error", "2026-01-01T10:05:00Z"],
    ["still running", [["QUEUED", "2026-01-01T10:00:00Z"], ["IN_PROGRESS", "2026-01-01T10:01:00Z"]], "running", "in_progress", null],
    ["superseded after success", [["SUCCESS", "2026-01-01T10:05:00Z"], ["INACTIVE", "2026-01-03T00:00:00Z"]], "success", "inactive", "2026-01-01T10:05:00Z"],
    ["inactive, never live", [["PENDING", "2026-01-01T10:00:00Z"], ["INACTIVE", "2026-01-03T00:00:00Z"]], "cancelled", "inactive", "2026-01-03T00:00:00Z"],
    ["no status at all", [], "running", "none", null],
  ] as const)("%s", (_name, statuses, status, original, at) => {
    const s = deploymentState(deployment(statuses as unknown as [string, string][]));
    expect(s).toEqual({ status, original, at });
  });
});

describe("tag facts", () => {
  const sha = "b".repeat(40);
  it("lightweight: the commit's date", () => {
    expect(tagFacts(GithubTag.parse({ name: "v1", target: { __typename: "Commit", oid: sha, committedDate: "2026-01-02T00:00:00Z" } }))).toEqual({ sha, at: "2026-01-02T00:00:00Z" });
  });
  it("annotated: the tagger's date, pointing at the commit", () => {
    const tag = GithubTag.parse({
      name: "v1",
      target: { __typename: "Tag", oid: "c".repeat(40), tagger: { date: "2026-01-05T00:00:00Z" }, target: { __typename: "Commit", oid: sha, committedDate: "2026-01-02T00:00:00Z" } },
    });
    expect(tagFacts(tag)).toEqual({ sha, at: "2026-01-05T00:00:00Z" });
  });
  it("a tag of a tree is no deployment", () => {
    expect(tagFacts(GithubTag.parse({ name: "t", target: { __typename: "Tree" } }))).toBeUndefined();
  });
});

describe("client helpers", () => {
  it.each([
    ["https://api.github.com", "https://api.github.com/graphql"],
    ["https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"],
    ["https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"],
  ])("GraphQL URL of %s", (base, url) => expect(defaultGraphqlUrl(base)).toBe(url));

  it("finds rel=next in a Link header (any order), and nothing on the last page", () => {
    expect(nextLink('<https://x/a?page=3>; rel="last", <https://x/a?page=2>; rel="next"')).toBe("https://x/a?page=2");
    expect(nextLink('<https://x/a?page=1>; rel="prev", <https://x/a?page=1>; rel="first"')).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });
});

describe("repository targets from the config", () => {
  const config = Config.parse({
    plan: { start: "2026-01-01" },
    services: {
      web: { github: [{ repo: "acme/mono", deployments: { from: "workflow_runs", workflow: "web" } }] },
      api: { github: [{ repo: "acme/mono", deployments: { from: "workflow_runs", workflow: "api" } }, "acme/api"] },
    },
    sources: { github: { deployments: { from: "deployments", environment: "^live$" } } },
  });
  const targets = repoTargets(config);

  it("lists each repository once with every service that claims it; per-repo rules override only what they name", () => {
    expect(targets.map((t) => [t.repo, t.services.map((s) => `${s.service}:${s.rule.from}:${s.rule.workflow}`)])).toEqual([
      ["acme/mono", ["web:workflow_runs:web", "api:workflow_runs:api"]],
      ["acme/api", ["api:deployments:deploy"]],
    ]);
    expect(targets[1]!.services[0]!.rule.environment).toBe("^live$");
  });

  it("ids carry the service only where several services share a repository", () => {
    expect(entityId("workflow_run", targets[0]!, 7, "web")).toBe("github:workflow_run:acme/mono:7:web");
    expect(entityId("deployment", targets[1]!, 7, "api")).toBe("github:deployment:acme/api:7");
  });
});

describe("monorepo paths for history(path:)", () => {
  it.each([
    ["services/web/**", "services/web"],
    ["./services/api/", "services/api"],
    ["libs/shared/*.ts", "libs/shared"],
    ["Dockerfile", "Dockerfile"],
  ])("%s → %s", async (path, prefix) => {
    const { pathPrefix } = await import("../../../collectors/github/commits.ts");
    expect(pathPrefix(path)).toBe(prefix);
  });
});

