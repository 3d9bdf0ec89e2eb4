import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { demoConfig } from "../../collectors/demo/config.ts";
import { migrationComments, warehouseDocs } from "../../warehouse/docs.ts";

describe("docs/warehouse.md", () => {
  it("is what the migrations and transforms create (run `npm run docs` after changing them)", async () => {
    expect(readFileSync("docs/warehouse.md", "utf8")).toBe(await warehouseDocs(demoConfig()));
  });

  it("documents the contract's key columns from the migrations' comments", () => {
    const comments = migrationComments();
    for (const key of ["core.changes.pr_first_commit_at", "core.latency_buckets.le", "core.deployments.status", "core.incidents.resolved_at"]) {
      expect(comments.get(key), key).toBeTruthy();
    }
  });
});
