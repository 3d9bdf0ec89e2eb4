import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { leadTimeGroups } from "../../../transforms/metrics/lead_time_groups.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const REFERENCE = readFileSync(join(HERE, "reference/lead_time_groups.sql"), "utf8").trim();

describe("metrics.lead_time_groups", () => {
  it("equals one statement over all grains (quantile_cont, avg) per grain, period and service (and '*'), with NULLs, ties, zeros and negative values", async () => {
    await withMemoryWarehouse(async (w) => {
      await w.run("SET TimeZone = 'Europe/Berlin'");
      // 4,000 changes over 14 months for three services and a NULL one; lead times rounded to the
      // quarter hour (ties), 1 in 13 ≤ 0, 1 in 29 NULL; stages NULL or negative now and then
      await w.run(`
        CREATE OR REPLACE TABLE metrics.lead_time_items AS
        SELECT
          'c' || i AS change_id,
          CASE WHEN i % 41 = 0 THEN NULL ELSE 'svc-' || (hash(i, 1) % 3) END AS service,
          DATE '2025-11-20' + (hash(i, 2) % 430)::INTEGER AS local_day,
          CASE WHEN i % 29 = 0 THEN NULL WHEN i % 13 = 0 THEN -(hash(i, 3) % 5)::DOUBLE ELSE round((hash(i, 4) % 20000) / 100.0 * 4) / 4 + 0.25 END AS lead_time_hours,
          CASE WHEN i % 7 = 0 THEN NULL ELSE (hash(i, 5) % 5000) / 100.0 - 2 END AS coding_hours,
          CASE WHEN i % 11 = 0 THEN NULL ELSE (hash(i, 6) % 3000) / 100.0 END AS pickup_hours,
          (hash(i, 7) % 4000) / 100.0 - 1 AS review_hours,
          CASE WHEN i % 17 = 0 THEN -0.5 ELSE (hash(i, 8) % 900) / 10.0 END AS deploy_hours
        FROM range(4000) t(i)`);
      await leadTimeGroups(w);
      const count = (sql: string) => w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM (${sql})`).then((r) => r!.n);
      const ref = `SELECT * FROM (${REFERENCE})`;
      const got = "SELECT * FROM metrics.lead_time_groups";
      expect(await count(got)).toBe(await count(ref));
      expect(await count(got)).toBeGreaterThan(1500);
      // medians and counts exactly; the mean within rounding (avg sums in its threads' order, the
      // transform with a compensated sum); relative to the mean, absolute below an hour (a group of zero
      // lead times has a mean of 0)
      const exact = "grain, period_start, service, changes, median_hours, p90_hours, coding_median_hours, pickup_median_hours, review_median_hours, deploy_median_hours, negative_changes";
      const mismatches = await w.all(`SELECT ${exact} FROM (${got}) EXCEPT SELECT ${exact} FROM (${ref}) LIMIT 5`);
      expect(mismatches).toEqual([]);
      const worst = await w.one<{ d: number; nulls: number }>(
        `SELECT max(abs(g.mean_hours - r.mean_hours) / greatest(abs(r.mean_hours), 1)) AS d, count(*) FILTER (WHERE (g.mean_hours IS NULL) <> (r.mean_hours IS NULL))::INTEGER AS nulls
         FROM (${got}) g JOIN (${ref}) r ON g.grain = r.grain AND g.period_start = r.period_start AND g.service IS NOT DISTINCT FROM r.service`,
      );
      expect(worst!.nulls).toBe(0);
      expect(worst!.d).toBeLessThan(1e-12);
      // the groups really differ: weeks and '*' hold several days / services
      const star = await w.one<{ n: number }>(`SELECT max(changes)::INTEGER AS n FROM (${got}) WHERE grain = 'month' AND service = '*'`);
      expect(star!.n).toBeGreaterThan(200);
    });
  });
});
