import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Config } from "../../../schemas/config.ts";
import { withTransformWarehouse } from "./helpers.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const sql = (path: string) => readFileSync(path, "utf8").trim().replace(/;\s*$/, "");
const TRANSFORMS = join(HERE, "../../../transforms");
/** int_latency_window_buckets and the relations it reads, in order. */
const CHAIN = ["int_latency_bound_days", "int_latency_daily", "int_latency_window_buckets"];
const REFERENCE = join(HERE, "reference/int_latency_window_buckets.sql");

const config = Config.parse({ timezone: "Europe/Berlin", plan: { start: "2026-03-01", months: 4 }, services: { svc: {} } });

describe("int_latency_window_buckets (days resolved in one pass per day and bound)", () => {
  it("gives the same rows as the row-by-row reference on irregular data: hours without +Inf, zero totals, repeated rows, 5-minute and off-the-hour periods, a DST change", async () => {
    await withTransformWarehouse(config, async (w) => {
      // 4 routes × 10 days of hourly rows around the March DST change, bounds 0.1 / 0.5 / +Inf; by hash:
      // some rows missing (a bound, or +Inf), some +Inf counts 0, some rows twice
      await w.run(`
        INSERT INTO core.latency_buckets (service, route, bucket_start, bucket_seconds, le, count, source, collected_at)
        SELECT 'svc', 'GET /r' || r, TIMESTAMPTZ '2026-03-24 00:00:00+00' + to_hours(h), 3600, le,
               CASE WHEN isinf(le) AND hash(r, h, 7) % 11 = 0 THEN 0 ELSE (10 + hash(r, h) % 50) * (CASE WHEN le = 0.1 THEN 1 WHEN le = 0.5 THEN 2 ELSE 3 END) END,
               'test', TIMESTAMPTZ '2026-04-10 00:00:00+00'
        FROM range(4) a(r), range(240) b(h), (SELECT unnest([0.1, 0.5, 'infinity'::DOUBLE]) AS le) c,
             range(1 + CASE WHEN r = 1 AND hash(h, le) % 37 = 0 THEN 1 ELSE 0 END) d(copy)
        WHERE NOT (r = 2 AND hash(r, h, le) % 13 = 0)`);
      // route 3: one day also in 5-minute periods collected later (supersedes those hours), and two
      // hourly periods starting at :30
      await w.run(`
        INSERT INTO core.latency_buckets (service, route, bucket_start, bucket_seconds, le, count, source, collected_at)
        SELECT 'svc', 'GET /r3', TIMESTAMPTZ '2026-03-27 00:00:00+00' + to_minutes(5 * m), 300, le, 2 + m % 3, 'test', TIMESTAMPTZ '2026-04-11 00:00:00+00'
        FROM range(288) a(m), (SELECT unnest([0.1, 0.5, 'infinity'::DOUBLE]) AS le) c
        UNION ALL
        SELECT 'svc', 'GET /r0', TIMESTAMPTZ '2026-03-30 10:30:00+00' + to_hours(k), 3600, le, 5, 'test', NULL
        FROM range(2) a(k), (SELECT unnest([0.1, 0.5, 'infinity'::DOUBLE]) AS le) c`);
      await w.run(`CREATE TABLE staging.stg_latency_buckets AS ${sql(join(TRANSFORMS, "staging/stg_latency_buckets.sql"))}`);
      await w.run(`CREATE TABLE ref AS ${sql(REFERENCE)}`);
      for (const name of CHAIN) await w.run(`CREATE TABLE intermediate.${name} AS ${sql(join(TRANSFORMS, "intermediate", `${name}.sql`))}`);
      await w.run("CREATE TABLE new AS FROM intermediate.int_latency_window_buckets");
      const diff = await w.one<{ only_new: number; only_ref: number; rows: number }>(`SELECT
          (SELECT count(*) FROM (FROM new EXCEPT ALL FROM ref))::INTEGER AS only_new,
          (SELECT count(*) FROM (FROM ref EXCEPT ALL FROM new))::INTEGER AS only_ref,
          (SELECT count(*) FROM ref)::INTEGER AS rows`);
      expect(diff).toEqual({ only_new: 0, only_ref: 0, rows: diff!.rows });
      expect(diff!.rows).toBeGreaterThan(100);
      // the data did exercise both paths: days exact from the sums and days computed row by row
      const kinds = await w.one<{ kept: number; dropped: number; zero: number }>(`SELECT
          count(*) FILTER (WHERE grain = 'day' AND kept)::INTEGER AS kept, count(*) FILTER (WHERE grain = 'day' AND NOT kept)::INTEGER AS dropped,
          count(*) FILTER (WHERE grain = 'day' AND periods_with_requests < periods)::INTEGER AS zero FROM new`);
      expect(kinds!.dropped).toBeGreaterThan(0);
      expect(kinds!.zero).toBeGreaterThan(0);
    });
  });
});
