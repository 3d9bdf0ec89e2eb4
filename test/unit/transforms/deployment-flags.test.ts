import { describe, expect, it } from "vitest";
import type { Row } from "../../../warehouse/warehouse.ts";
import { deployment, materialize, testConfig, withTransformWarehouse } from "./helpers.ts";

/**
 * intermediate.int_deployment_flags derives rollback and rework from stored rows (deployments, the
 * changes each shipped, their PRs), so a rebuild of core.* from raw pages gives the same flags.
 */
type Flags = Record<string, [rollback: boolean, rework: boolean]>;

const hour = (h: number) => new Date(Date.UTC(2026, 1, 2, h)).toISOString();

/** A GitHub deployment of `sha` finishing at hour `h` (ids sort like their order). */
const d = (id: string, h: number, sha: string, extra: Row = {}): Row =>
  deployment((extra.service as string | undefined) ?? "api", hour(h), { deployment_id: id, source: "github", repo: "acme/api", commit_sha: sha, ref: "main", ...extra });
const c = (deploymentId: string, sha: string, extra: Row = {}): Row => ({
  change_id: `change:${deploymentId}:${sha}`,
  source: "github",
  service: "api",
  deployment_id: deploymentId,
  commit_sha: sha,
  title: "change",
  ...extra,
});
const pr = (id: string, extra: Row): Row => ({ pr_id: id, source: "github", service: "api", number: 1, ...extra });

async function flagsOf(deployments: Row[], changes: Row[] = [], pulls: Row[] = []): Promise<Flags> {
  return withTransformWarehouse(testConfig(), async (w) => {
    await w.upsert("core.deployments", deployments);
    if (changes.length) await w.upsert("core.changes", changes);
    if (pulls.length) await w.upsert("core.pull_requests", pulls);
    await materialize(w, "intermediate.int_deployment_flags");
    const rows = await w.all<{ deployment_id: string; is_rollback: boolean; is_rework: boolean }>(
      "SELECT deployment_id, is_rollback, is_rework FROM intermediate.int_deployment_flags ORDER BY deployment_id",
    );
    return Object.fromEntries(rows.map((r) => [r.deployment_id, [r.is_rollback, r.is_rework]]));
  });
}

describe("intermediate.int_deployment_flags", () => {
  it("back to an older commit is a rollback; forward again is not", async () => {
    // d1 ships a; d2 ships b; d3 goes back to a; d4 forward to b again
    const flags = await flagsOf([d("d1", 1, "a"), d("d2", 2, "b"), d("d3", 3, "a"), d("d4", 4, "b")], [c("d2", "b")]);
    expect(flags).toMatchObject({ d2: [false, false], d3: [true, false], d4: [false, false] });
  });

  it("the same commit twice in a row is a re-run, not a rollback", async () => {
    expect(await flagsOf([d("d1", 1, "a"), d("d2", 2, "a")])).toEqual({ d1: [false, false], d2: [false, false] });
  });

  it("back to an ancestor that went live with the running deployment (never deployed itself) is a rollback", async () => {
    // d2 ships p and q (q on top of p); d3 deploys p, behind q
    const flags = await flagsOf([d("d1", 1, "a"), d("d2", 2, "q"), d("d3", 3, "p")], [c("d2", "p"), c("d2", "q")]);
    expect(flags).toMatchObject({ d2: [false, false], d3: [true, false] });
  });

  it("a revert commit (GitHub's revert_pattern on its title) or a revert PR shipped is a rollback", async () => {
    const flags = await flagsOf(
      [d("d1", 1, "a"), d("d2", 2, "r"), d("d3", 3, "s")],
      [c("d2", "r", { title: 'Revert "add x"' }), c("d3", "s", { pr_id: "pr-s" })],
      [pr("pr-s", { is_revert: true })],
    );
    expect(flags).toMatchObject({ d2: [true, false], d3: [true, false] });
  });

  it("a hotfix PR shipped, or a deployment marked rework by its source (a hotfix branch), is rework", async () => {
    const flags = await flagsOf([d("d1", 1, "a"), d("d2", 2, "h"), d("d3", 3, "i", { ref: "hotfix/crash", is_rework: true })], [c("d2", "h", { pr_id: "pr-h" })], [
      pr("pr-h", { is_hotfix: true }),
    ]);
    expect(flags).toMatchObject({ d2: [false, true], d3: [false, true] });
  });

  it("services are separate sequences; GitLab compares each production environment with itself", async () => {
    const flags = await flagsOf([
      d("w1", 1, "a", { service: "web" }),
      d("p1", 2, "b"),
      d("w2", 3, "b", { service: "web" }),
      d("g1", 1, "x", { source: "gitlab", environment: "production-eu" }),
      d("g2", 2, "y", { source: "gitlab", environment: "production-eu" }),
      d("g3", 3, "x", { source: "gitlab", environment: "production-us" }),
      d("g4", 4, "x", { source: "gitlab", environment: "production-eu" }),
    ]);
    expect(flags).toMatchObject({ w2: [false, false], g3: [false, false], g4: [true, false] });
  });

  it("sources that mark their own deployments (local git, events, demo) keep their flags", async () => {
    const flags = await flagsOf([
      deployment("api", hour(1), { deployment_id: "e1", source: "events", commit_sha: "a" }),
      deployment("api", hour(2), { deployment_id: "e2", source: "events", commit_sha: "b", is_rollback: true }),
      deployment("api", hour(3), { deployment_id: "e3", source: "events", commit_sha: "a", is_rework: true }),
    ]);
    expect(flags).toEqual({ e1: [false, false], e2: [true, false], e3: [false, true] });
  });
});
