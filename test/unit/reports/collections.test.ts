/**
 * "Data last collected" is each source's last successful collection, not the newest run whatever its
 * status; a banner says when the newest run of a source failed or was abandoned.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadReportData } from "../../../reports/data.ts";
import { collectionBanner, methodsSection } from "../../../reports/pages/trust.ts";
import { Warehouse } from "../../../warehouse/warehouse.ts";
import { withTempDir } from "../../helpers/db.ts";

describe("report: data last collected", () => {
  it("shows the last successful collection per source and a banner naming a source whose newest run failed", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        await w.run(
          `INSERT INTO sync.runs (run_id, source, started_at, finished_at, status) VALUES
             ('r1', 'gitlab',    '2026-03-01 02:00:00+00', '2026-03-01 02:10:00+00', 'success'),
             ('r1', 'pagerduty', '2026-03-01 02:10:00+00', '2026-03-01 02:12:00+00', 'success'),
             ('r2', 'gitlab',    '2026-03-02 02:00:00+00', '2026-03-02 02:09:00+00', 'success'),
             ('r2', 'pagerduty', '2026-03-02 02:09:00+00', '2026-03-02 02:20:00+00', 'failure'),
             ('r3', 'gitlab',    '2026-03-03 02:00:00+00', NULL, 'abandoned')`,
        );
        const data = await loadReportData(w);
        expect(data.collections.map((c) => [c.source, c.last_success?.toISOString(), c.newest_status])).toEqual([
          ["gitlab", "2026-03-02T02:09:00.000Z", "abandoned"],
          ["pagerduty", "2026-03-01T02:12:00.000Z", "failure"],
        ]);
        // The data is as fresh as its stalest source: not the failed run of 03-02 02:20.
        expect(data.lastSync).toEqual({ finished_at: new Date("2026-03-01T02:12:00Z"), source: "pagerduty" });
        const banner = String(collectionBanner(data));
        expect(banner).toContain("The newest collection failed");
        expect(banner).toContain("gitlab (abandoned, started 2026-03-03 02:00 UTC): its figures come from its last successful collection, 2026-03-02 02:09 UTC");
        expect(banner).toContain("pagerduty (failure, started 2026-03-02 02:09 UTC): its figures come from its last successful collection, 2026-03-01 02:12 UTC");
        const methods = String(methodsSection(data, { generatedAt: new Date("2026-03-03T08:00:00Z"), toolVersion: "test" }, []));
        expect(methods).toContain("last successful collection per source: gitlab 2026-03-02 02:09 UTC; pagerduty 2026-03-01 02:12 UTC");

        // All newest runs succeeded: no banner.
        await w.run("UPDATE sync.runs SET status = 'success', finished_at = started_at WHERE status <> 'success'");
        expect(String(collectionBanner(await loadReportData(w)))).toBe("");
      } finally {
        w.close();
      }
    });
  });
});
