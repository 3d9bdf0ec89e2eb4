import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishedAt, mapDeploymentStatus } from "../../../collectors/gitlab/deployments.ts";
import { GitlabCommit, GitlabDeployment, GitlabEnvironment, GitlabMergeRequest } from "../../../schemas/gitlab.ts";
import { paymentsProject } from "../../sim/gitlab/fixtures.ts";
import { SIM_TOKEN, startGitlabSim, type GitlabSim } from "../../sim/gitlab/server.ts";

// GitLab's documented example responses, vendored with source and licence in test/fixtures/contracts/README.md.
const DIR = fileURLToPath(new URL("../../fixtures/contracts/gitlab/", import.meta.url));
const example = (name: string): unknown => JSON.parse(readFileSync(`${DIR}${name}`, "utf8"));

/** Every key path of a JSON value ("deployable.pipeline.id"); array items merged. */
function keyPaths(value: unknown, prefix = ""): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(value)) {
    for (const item of value) for (const k of keyPaths(item, prefix)) out.add(k);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      out.add(path);
      for (const sub of keyPaths(v, path)) out.add(sub);
    }
  }
  return out;
}

describe("GitLab documented examples", () => {
  let sim: GitlabSim;
  beforeAll(async () => {
    sim = await startGitlabSim({ state: { projects: [paymentsProject()] } });
  });
  afterAll(() => sim.close());
  const get = async (path: string) => {
    const response = await fetch(`${sim.url}/api/v4/projects/acme%2Fpayments/${path}`, { headers: { "private-token": SIM_TOKEN } });
    expect(response.status).toBe(200);
    return (await response.json()) as unknown[];
  };

  it("our item schemas accept the documented responses", () => {
    const deployments = example("deployments.list.example.json") as unknown[];
    for (const d of deployments) expect(GitlabDeployment.safeParse(d).error).toBeUndefined();
    expect(GitlabDeployment.safeParse(example("deployments.get.example.json")).success).toBe(true);
    for (const e of example("environments.list.example.json") as unknown[]) expect(GitlabEnvironment.safeParse(e).success).toBe(true);
    const commits = example("merge_requests.commits.example.json") as unknown[];
    for (const c of commits) expect(GitlabCommit.safeParse(c).success).toBe(true);
    const [mr] = example("merge_requests.project_list.example.json") as object[];
    expect(GitlabMergeRequest.safeParse({ ...mr, _commits: commits, _review_notes: [] }).error).toBeUndefined();
  });

  it("the documented deployment (no top-level finished_at, status created) maps to its job's finish and to running", () => {
    const [first] = example("deployments.list.example.json") as unknown[];
    const d = GitlabDeployment.parse(first);
    expect(finishedAt(d)).toBe("2016-08-11T07:36:39.851Z");
    expect(mapDeploymentStatus(d.status)).toBe("running");
  });

  it.each([
    // finished_at: one fixture deployment sends it (list filters and order_by name it; examples do not).
    ["deployments", "deployments.list.example.json", ["finished_at"]],
    ["environments", "environments.list.example.json", []],
    ["merge_requests?state=merged", "merge_requests.project_list.example.json", []],
    ["merge_requests/1/commits", "merge_requests.commits.example.json", []],
  ])("the simulator's %s items have the documented fields", async (path, file, extra: string[]) => {
    const documented = keyPaths(example(file));
    const served = keyPaths(await get(path));
    // Nested objects the simulator serves as null (milestone, assignee …) have no sub-keys.
    const absent = [...documented].filter((k) => !served.has(k) && !served.has(k.split(".").slice(0, -1).join(".")));
    expect(absent).toEqual([]);
    expect([...served].filter((k) => !documented.has(k) && !extra.includes(k))).toEqual([]);
  });
});
