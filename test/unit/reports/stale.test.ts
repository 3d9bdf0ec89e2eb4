import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildReport } from "../../../reports/render.ts";
import { createReportFixture } from "../../fixtures/report/fixture.ts";
import { withMemoryWarehouse, withTempDir } from "../../helpers/db.ts";

const NOW = new Date("2026-12-01T08:00:00Z");

/** The report of the fixture, after `more` changed the warehouse. */
const build = (more: (w: Parameters<Parameters<typeof withMemoryWarehouse>[0]>[0]) => Promise<unknown>) =>
  withTempDir((dir) =>
    withMemoryWarehouse(async (w) => {
      await createReportFixture(w);
      await more(w);
      const result = await buildReport(w, { out: dir, pdf: false, now: NOW, toolVersion: "9.9.9-test" });
      return { warnings: result.warnings, index: readFileSync(join(dir, "index.html"), "utf8") };
    }),
  );

describe("report on metrics older than the data", () => {
  it("warns, in the report and to the caller, when a collection succeeded after the transforms ran", async () => {
    const r = await build((w) =>
      w.append("sync.runs", [{ run_id: "later", source: "github", started_at: new Date("2026-12-01T07:00:00Z"), finished_at: new Date("2026-12-01T07:05:00Z"), status: "success", rows: 5, requests: 1 }]),
    );
    expect(r.index).toContain('<p class="stale" role="alert">Metrics are older than the data: built 2026-12-01 06:01 UTC, before the collection of 2026-12-01 07:05 UTC.');
    expect(r.warnings.join("\n")).toMatch(/built before the latest successful collection: run dora transform/);
  });

  it("says nothing when the later run failed (no new data) or the metrics are newer", async () => {
    const r = await build((w) =>
      w.append("sync.runs", [{ run_id: "failed", source: "github", started_at: new Date("2026-12-01T07:00:00Z"), finished_at: new Date("2026-12-01T07:05:00Z"), status: "failure", rows: 0, requests: 1 }]),
    );
    expect(r.index).not.toContain('class="stale"');
    expect(r.warnings).toEqual([]);
  });
});
