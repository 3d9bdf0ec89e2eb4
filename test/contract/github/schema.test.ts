import { parse, validate as validateQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { startGithubSim, SimState, type GithubSim } from "../../sim/github/server.ts";
import { githubSchema } from "../../sim/github/graphql.ts";
import { associationQuery } from "../../../collectors/github/commits.ts";
import { officialExample, responseSchema, validate } from "./openapi.ts";
import { TOKEN } from "./harness.ts";

// The simulator must answer as GitHub's official description says, or the contract tests prove nothing.

let sim: GithubSim;
const REPO = "acme/payments-api";

beforeAll(async () => {
  const state = new SimState();
  state.commit(REPO, { message: "root", date: "2026-01-01T00:00:00Z" });
  const base = state.head(REPO);
  state.mergePull(REPO, { how: "merge", commits: [{ message: "a", authoredAt: "2026-01-02T00:00:00Z" }], openedAt: "2026-01-02T01:00:00Z", mergedAt: "2026-01-02T02:00:00Z" });
  state.deploy(REPO, { sha: base, at: "2026-01-01T01:00:00Z" });
  state.deploy(REPO, { sha: state.head(REPO), at: "2026-01-02T03:00:00Z", statuses: [["queued", "2026-01-02T03:00:00Z"], ["success", "2026-01-02T03:05:00Z"]] });
  state.repo(REPO).runs.push({
    id: 42, workflow_id: 7, name: "Deploy", path: ".github/workflows/deploy.yml", head_branch: "main", head_sha: state.head(REPO), event: "push",
    status: "completed", conclusion: "success", created_at: "2026-01-02T03:00:00Z", updated_at: "2026-01-02T03:09:00Z", run_started_at: "2026-01-02T03:00:00Z",
  });
  sim = await startGithubSim({ token: TOKEN, state });
});
afterAll(() => sim.close());

async function get(path: string) {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `token ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
}

describe("the GitHub simulator follows GitHub's OpenAPI description", () => {
  it.each([
    ["/rate_limit", "/rate_limit"],
    ["/repos/{owner}/{repo}/deployments", `/repos/${REPO}/deployments?per_page=1`],
    ["/repos/{owner}/{repo}/actions/runs", `/repos/${REPO}/actions/runs?per_page=100`],
    ["/repos/{owner}/{repo}/compare/{basehead}", "COMPARE"],
  ])("GET %s", async (operation, path) => {
    const state = sim.state;
    const url = path === "COMPARE" ? `/repos/${REPO}/compare/${state.repo(REPO).deployments[0]!.sha}...${state.head(REPO)}?per_page=100` : path;
    const { status, body, headers } = await get(url);
    expect(status).toBe(200);
    expect(validate(body, responseSchema(operation))).toEqual([]);
    expect(headers.get("x-ratelimit-remaining")).toMatch(/^\d+$/);
    // The check itself can fail: a required field removed is reported.
    const broken = structuredClone(body) as Record<string, unknown> | Record<string, unknown>[];
    const target = Array.isArray(broken) ? broken[0]! : broken;
    const firstRequired = Object.keys(target)[0]!;
    delete target[firstRequired];
    expect(validate(broken, responseSchema(operation)).length).toBeGreaterThan(0);
  });

  it("pages with Link headers as GitHub documents them", async () => {
    const first = await get(`/repos/${REPO}/deployments?per_page=1`);
    expect(first.headers.get("link")).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/repos\/acme\/payments-api\/deployments\?per_page=1&page=2>; rel="next", <[^>]+page=2>; rel="last"/);
    const last = await get(`/repos/${REPO}/deployments?per_page=1&page=2`);
    expect(last.headers.get("link")).toMatch(/rel="prev".*rel="first"/);
    expect(last.headers.get("link")).not.toContain('rel="next"');
  });

  it("the official example of a deployment list passes the same validator", () => {
    const items = officialExample("/repos/{owner}/{repo}/deployments") as unknown[];
    expect(items.length).toBeGreaterThan(0);
    expect(validate(items, responseSchema("/repos/{owner}/{repo}/deployments"))).toEqual([]);
  });

  it("every GraphQL query the collector sends is valid against GitHub's published schema", () => {
    const dir = new URL("../../../collectors/github/", import.meta.url);
    const queries = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) => [...readFileSync(new URL(f, dir), "utf8").matchAll(/`(query\((?:[^`$]|\$(?!\{))*)`/g)].map((m) => [f, m[1]!] as const));
    expect(queries.length).toBeGreaterThanOrEqual(4);
    for (const [file, query] of queries) expect([file, validateQuery(githubSchema(), parse(query)).map((e) => e.message)]).toEqual([file, []]);
    const built = associationQuery(["a".repeat(40), "b".repeat(40)]);
    expect(validateQuery(githubSchema(), parse(built)).map((e) => e.message)).toEqual([]);
    // A field GitHub does not have is caught.
    expect(validateQuery(githubSchema(), parse("query { repository(owner: \"a\", name: \"b\") { deployments(first: 1) { nodes { productionEnvironment } } } }"))).not.toEqual([]);
  });
});
