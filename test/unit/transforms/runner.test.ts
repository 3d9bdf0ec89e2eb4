import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { plan, runTransforms } from "../../../transforms/run.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { deployment, incident, testConfig } from "./helpers.ts";

const TRANSFORMS = join(dirname(fileURLToPath(import.meta.url)), "../../../transforms");

/** `| \`metrics.x\` | a, b (note), c |` rows of transforms/README.md → table → column names. */
function documentedTables(): Map<string, string[]> {
  const readme = readFileSync(join(TRANSFORMS, "README.md"), "utf8");
  const out = new Map<string, string[]>();
  for (const m of readme.matchAll(/^\| `(metrics\.[a-z0-9_]+)` \| (.+) \|$/gm)) {
    const columns = m[2]!
      .replace(/\([^)]*\)/g, "") // notes such as "(resolved)" or "(`baseline`/`final`/NULL)"
      .replace(/ — see `interval_of`/g, "")
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean);
    out.set(m[1]!, columns);
  }
  return out;
}

/** Latency tables come from the Prometheus engineer's files; expect them only when those exist. */
function built(table: string): boolean {
  const name = table.split(".")[1]!;
  if (["latency_p99", "slo"].includes(name)) return existsSync(join(TRANSFORMS, "metrics", `${name}.sql`));
  return true;
}

describe("runTransforms", () => {
  it("builds every table of transforms/README.md with its documented columns, over a small hand-made warehouse", async () => {
    await withMemoryWarehouse(async (w) => {
      await w.upsert("core.deployments", [
        deployment("api", "2026-01-12T10:00:00Z", { deployment_id: "d1", commit_sha: "abc1234def" }),
        deployment("api", "2026-11-10T10:00:00Z", { deployment_id: "d2" }),
      ]);
      await w.upsert("core.changes", [{ change_id: "c1", source: "demo", service: "api", deployment_id: "d1", commit_sha: "abc1234def", committed_at: "2026-01-11T10:00:00Z" }]);
      await w.upsert("core.incidents", [incident("i1", "api", "2026-01-12T12:00:00Z", { title: "errors after abc1234", resolved_at: "2026-01-12T13:00:00Z" })]);
      const result = await runTransforms(w, testConfig());

      const tables = documentedTables();
      expect(tables.size).toBeGreaterThanOrEqual(12);
      for (const [table, columns] of tables) {
        if (!built(table)) continue;
        const actual = (await w.columns(table)).map((c) => c.name);
        expect({ table, columns: actual.slice(0, columns.length) }).toEqual({ table, columns });
      }
      // every step ran once and reported its rows; the checks filled metrics.data_quality
      expect(result.steps.map((s) => s.relation)).toEqual(plan().map((s) => s.relation));
      expect(result.checks.map((c) => c.check)).toEqual([
        "changes_never_deployed",
        "deployments_without_changes",
        "duplicate_release_tags",
        "incidents_resolved_before_created",
        "incidents_without_deployment",
        "nonpositive_lead_times",
      ]);
      // the one incident names d1's commit; d2 shipped no recorded change
      expect(await w.one("SELECT caused_by_deployment_id, link_kind FROM metrics.incident_links")).toEqual({ caused_by_deployment_id: "d1", link_kind: "explicit" });
      expect(await w.one("SELECT failing_rows FROM metrics.data_quality WHERE check_name = 'deployments_without_changes'")).toEqual({ failing_rows: 1 });
    });
  });

  it("orders each file after the relations it reads, seeds first", () => {
    const order = plan().map((s) => s.relation);
    const before = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    before("seeds.dora_tiers", "metrics.pdp_comparison");
    before("intermediate.int_deployments", "intermediate.int_incident_links");
    before("intermediate.int_incident_links", "intermediate.int_deployment_failures");
    before("intermediate.int_incident_links", "metrics.incident_links");
    before("intermediate.int_deployment_failures", "metrics.change_failure_rate");
    before("metrics.restore_items", "metrics.pdp_comparison");
  });

  it("keeps layers one-way: staging and intermediate relations read no metrics.* relation", () => {
    // int_lead_time_groups is being reworked separately (issue 20 §4) and still reads metrics.lead_time_items
    const upward = plan()
      .filter((s) => /^(staging|intermediate)\./.test(s.relation) && s.relation !== "intermediate.int_lead_time_groups")
      .flatMap((s) => s.reads.filter((r) => r.startsWith("metrics.")).map((r) => `${s.relation} reads ${r}`));
    expect(upward).toEqual([]);
  });

  it("names the failing file when a transform fails", async () => {
    await withMemoryWarehouse(async (w) => {
      await w.run("DROP TABLE core.incidents");
      await expect(runTransforms(w, testConfig())).rejects.toThrow(/transform staging\.stg_incidents \(.*stg_incidents\.sql\): .*incidents/);
    });
  });
});
