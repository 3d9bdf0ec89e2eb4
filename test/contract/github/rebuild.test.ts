import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../collectors/core/log.ts";
import { rebuildFromRaw } from "../../../collectors/core/rebuild.ts";
import { githubSource } from "../../../collectors/github/index.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { deploymentFlags } from "../../helpers/flags.ts";
import { startGithubSim, SimState, type GithubSim } from "../../sim/github/server.ts";
import { githubConfig, runGithub, TOKEN, TOKEN_ENV } from "./harness.ts";

let sim: GithubSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const at = (day: number, hour = 12) => `2026-03-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00Z`;
const CORE = ["core.deployments", "core.changes", "core.pull_requests", "core.incidents"];

async function snapshot(w: Warehouse, config: Parameters<typeof deploymentFlags>[1]) {
  const out: Record<string, unknown> = {};
  for (const table of CORE) out[table] = await w.all(`SELECT * EXCLUDE (collected_at) FROM ${table} ORDER BY ALL`);
  out.flags = [...(await deploymentFlags(w, config))];
  return out;
}

describe("github: dora rebuild reproduces core.* from the stored pages", () => {
  it("collect (two runs) → rebuild --clean → every core.* table and the derived flags identical, with no request", async () => {
    const state = new SimState();
    const shop = "acme/shop";
    state.commit(shop, { message: "root", date: at(1) });
    state.deploy(shop, { sha: state.head(shop), at: at(1, 13) });
    const good = state.head(shop);
    const f = state.mergePull(shop, {
      how: "merge",
      title: "Feature F",
      commits: [
        { message: "f1", authoredAt: at(2, 7) },
        { message: "f2", authoredAt: at(2, 8) },
      ],
      openedAt: at(2, 9),
      mergedAt: at(2, 10),
    });
    state.deploy(shop, { sha: f.merge_commit_sha!, at: at(2, 11) });
    state.deploy(shop, { sha: good, at: at(2, 12) }); // back to the previous sha: a rollback
    const g = state.mergePull(shop, { how: "rebase", title: "Feature G", commits: [{ message: "g1", authoredAt: at(3, 7) }, { message: "g2", authoredAt: at(3, 8) }], openedAt: at(3, 8), mergedAt: at(3, 9) });
    state.deploy(shop, { sha: g.merge_commit_sha!, at: at(3, 10) });
    // a monorepo whose two services keep the commits touching their paths
    const platform = "acme/platform";
    state.commit(platform, { message: "root", date: at(1), files: ["README.md"] });
    state.deploy(platform, { sha: state.head(platform), at: at(1, 13) });
    state.commit(platform, { message: "web: header", date: at(2), files: ["services/web/header.tsx"] });
    state.commit(platform, { message: "api: route", date: at(2, 13), files: ["services/api/route.ts"] });
    state.deploy(platform, { sha: state.head(platform), at: at(3, 9) });
    sim = await startGithubSim({ token: TOKEN, state });
    await withMemoryWarehouse(async (w) => {
      const config = githubConfig(sim!.url, {
        shop: { github: [shop] },
        web: { github: [{ repo: platform, paths: ["services/web/**"] }] },
        api: { github: [{ repo: platform, paths: ["services/api"] }] },
      });
      expect((await runGithub(w, config)).result.status).toBe("success");
      // a later run: a revert, then a hotfix, each attributed from the cursor on
      const rv = state.mergePull(shop, { how: "squash", title: 'Revert "Feature G"', head_ref: "revert-2-g", commits: [{ message: "revert", authoredAt: at(4, 8) }], openedAt: at(4, 8), mergedAt: at(4, 9) });
      state.deploy(shop, { sha: rv.merge_commit_sha!, at: at(4, 10) });
      const hf = state.mergePull(shop, { how: "squash", title: "Fix crash", labels: ["hotfix"], commits: [{ message: "fix", authoredAt: at(5, 8) }], openedAt: at(5, 8), mergedAt: at(5, 9) });
      state.deploy(shop, { sha: hf.merge_commit_sha!, at: at(5, 10) });
      state.commit(platform, { message: "shared bump", date: at(5), files: ["services/web/package.json", "services/api/package.json"] });
      state.deploy(platform, { sha: state.head(platform), at: at(5, 13) });
      expect((await runGithub(w, config)).result.status).toBe("success");

      const before = await snapshot(w, config);
      const flags = before.flags as [string, { is_rollback: boolean; is_rework: boolean }][];
      expect(flags.filter(([, x]) => x.is_rollback)).toHaveLength(2);
      expect(flags.filter(([, x]) => x.is_rework)).toHaveLength(1);
      expect((before["core.changes"] as unknown[]).length).toBeGreaterThanOrEqual(9);

      const requests = sim!.requests.length;
      delete process.env[TOKEN_ENV]; // a rebuild needs no token
      const lines: string[] = [];
      await rebuildFromRaw(w, config, [githubSource], createLogger({ write: (l) => lines.push(l) }), { clean: true });
      expect(sim!.requests.length).toBe(requests);
      expect(await snapshot(w, config), lines.join("\n")).toEqual(before);
    });
  });
});
