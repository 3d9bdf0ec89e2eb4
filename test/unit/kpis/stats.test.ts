import { describe, expect, it } from "vitest";
import { bootstrapQuantileChange, bootstrapQuantileDraw, mulberry32, quantileSorted } from "../../../transforms/lib/stats.ts";

describe("bootstrap of a quantile (pipeline_time_p90)", () => {
  it.each([
    [20, 0.9],
    [21, 0.9],
    [15, 0.5],
  ])("draws p90s distributed as naive resampling (n = %i, p = %f)", (n, p) => {
    const asc = Array.from({ length: n }, (_, i) => (i + 1) ** 1.5);
    const draws = 20_000;
    const fast = mulberry32(1);
    const slow = mulberry32(2);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < draws; r++) {
      a.push(bootstrapQuantileDraw(asc, p, fast));
      const resample = Array.from({ length: n }, () => asc[Math.floor(slow() * n)]!).sort((x, y) => x - y);
      b.push(quantileSorted(resample, p)!);
    }
    a.sort((x, y) => x - y);
    b.sort((x, y) => x - y);
    // the two distributions agree at their quartiles to within 3 % of the data's range
    const range = asc[n - 1]! - asc[0]!;
    for (const q of [0.1, 0.25, 0.5, 0.75, 0.9]) expect(Math.abs(quantileSorted(a, q)! - quantileSorted(b, q)!)).toBeLessThan(0.03 * range);
  });

  it("gives an interval below 0 and a small p for clearly separated samples, and p = 1 side-balanced for equal ones", () => {
    const base = [30, 32, 34, 36, 38, 40, 42, 44, 46, 48];
    const fin = base.map((v) => v / 2);
    const r = bootstrapQuantileChange(base, fin, 0.9, { seed: 7 })!;
    // every resampled p90 of fin is half of some base value ≤ 24 and of base ≥ 30: the change is below −20 %
    expect(r.high).toBeLessThan(-20);
    expect(r.p).toBe(0);
    const same = bootstrapQuantileChange(base, base, 0.9, { seed: 7 })!;
    expect(same.low).toBeLessThan(0);
    expect(same.high).toBeGreaterThan(0);
    expect(same.p).toBeGreaterThan(0.5);
  });
});
