import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { leadTimeGroups } from "../../../transforms/intermediate/int_lead_time_groups.ts";
import { exactSum, quantilesCont } from "../../../transforms/lib/order-stats.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const REFERENCE = readFileSync(join(HERE, "reference/int_lead_time_groups.sql"), "utf8").trim();

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** quantile_cont by the book: sort, then interpolate between the neighbours of (n − 1) × q. */
function sortedQuantile(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  const rn = (v.length - 1) * q;
  const f = Math.floor(rn);
  const c = Math.ceil(rn);
  return f === c ? v[f]! : v[f]! * (1 - (rn - f)) + v[c]! * (rn - f);
}

describe("order statistics without sorting (transforms/lib/order-stats.ts)", () => {
  it("finds the same quantiles as sorting, with ties, tiny and large groups", () => {
    const next = random(7);
    for (const n of [1, 2, 3, 5, 16, 17, 31, 100, 1001, 5000]) {
      for (const ties of [false, true]) {
        const values = Array.from({ length: n }, () => (ties ? Math.floor(next() * 5) : next() * 1000 - 100));
        const a = Float64Array.from(values);
        const [median, p90] = quantilesCont(a, n, [0.5, 0.9]);
        expect(median, `n=${n} ties=${ties}`).toBe(sortedQuantile(values, 0.5));
        expect(p90, `n=${n} ties=${ties}`).toBe(sortedQuantile(values, 0.9));
      }
    }
    // non-negative values through the histogram (groups of 2,048 and more), narrow and wide ranges
    for (const n of [2048, 2049, 10_000, 50_001]) {
      for (const spread of [0, 3, 1e-6, 1e9]) {
        const values = Array.from({ length: n }, () => (spread === 0 ? 7 : Math.floor(next() * 1000) * spread));
        const a = Float64Array.from(values);
        expect(quantilesCont(a, n, [0.5, 0.9], true), `n=${n} spread=${spread}`).toEqual([sortedQuantile(values, 0.5), sortedQuantile(values, 0.9)]);
        expect(quantilesCont(Float64Array.from(values), n, [0.5], true)).toEqual([sortedQuantile(values, 0.5)]);
      }
    }
    expect(quantilesCont(new Float64Array(4), 0, [0.5])).toEqual([null]);
    // only the first n values count
    expect(quantilesCont(Float64Array.from([3, 1, 2, 100, 100]), 3, [0.5, 0.9])).toEqual([2, 2 * 0.2 + 3 * 0.8]);
  });

  it("sums exactly, whatever the order", () => {
    expect(exactSum(Float64Array.from([1e16, 1, -1e16]), 3)).toBe(1); // plain summation gives 0
    expect(exactSum(Float64Array.from([0.1, 0.2, 0.3]), 3)).toBe(0.6); // plain summation gives 0.6000000000000001
    const next = random(3);
    const values = Array.from({ length: 10_000 }, () => (next() - 0.3) * 10 ** Math.floor(next() * 12));
    const forward = exactSum(Float64Array.from(values), values.length);
    const backward = exactSum(Float64Array.from(values.reverse()), values.length);
    expect(backward).toBe(forward);
    expect(exactSum(new Float64Array(0), 0)).toBe(0);
  });
});

describe("intermediate.int_lead_time_groups", () => {
  it("equals DuckDB's own quantile_cont / avg per grain, period and service (and '*'), across slices, with NULLs, ties and non-positive values", async () => {
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
      // one slice, and slices of ~150 changes (whole weeks / months each); the last with a garbage
      // collection after every slice (at 1M deployments, after slices of 100k changes and more)
      for (const [sliceChanges, threads, collectFrom] of [[1_000_000, 1, undefined], [150, 1, undefined], [150, 2, 1]] as const) {
        await leadTimeGroups(w, { sliceChanges, threads, collectFrom });
        const count = (sql: string) => w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM (${sql})`).then((r) => r!.n);
        const ref = `SELECT * FROM (${REFERENCE})`;
        const got = "SELECT * FROM intermediate.int_lead_time_groups";
        expect(await count(got)).toBe(await count(ref));
        expect(await count(got)).toBeGreaterThan(1500);
        // medians and counts exactly; the mean within rounding (DuckDB sums in its own order, the
        // transform exactly)
        const exact = "grain, period_start, service, changes, median_hours, p90_hours, coding_median_hours, pickup_median_hours, review_median_hours, deploy_median_hours, nonpositive_changes";
        const mismatches = await w.all(`SELECT ${exact} FROM (${got}) EXCEPT SELECT ${exact} FROM (${ref}) LIMIT 5`);
        expect(mismatches, `slices of ${sliceChanges}, ${threads} threads`).toEqual([]);
        const worst = await w.one<{ d: number; nulls: number }>(
          `SELECT max(abs(g.mean_hours - r.mean_hours) / abs(r.mean_hours)) AS d, count(*) FILTER (WHERE (g.mean_hours IS NULL) <> (r.mean_hours IS NULL))::INTEGER AS nulls
           FROM (${got}) g JOIN (${ref}) r ON g.grain = r.grain AND g.period_start = r.period_start AND g.service IS NOT DISTINCT FROM r.service`,
        );
        expect(worst!.nulls).toBe(0);
        expect(worst!.d).toBeLessThan(1e-12);
        // the groups really differ: weeks and '*' hold several days / services
        const star = await w.one<{ n: number }>(`SELECT max(changes)::INTEGER AS n FROM (${got}) WHERE grain = 'month' AND service = '*'`);
        expect(star!.n).toBeGreaterThan(200);
      }
    });
  });
});
