import { describe, expect, it } from "vitest";
import {
  binomialTwoSidedP,
  bootstrapMedianChange,
  bootstrapMedianDraw,
  mannWhitney,
  median,
  mulberry32,
  poissonRateRatio,
  quantileSorted,
  twoProportionP,
  wilson,
} from "../../../transforms/lib/stats.ts";

describe("wilson", () => {
  it("gives the textbook interval for 3 successes in 10", () => {
    // p = 0.3, z² = 3.8415: centre = (0.3 + 0.19207) / 1.38415 = 0.35551,
    // half = 1.96 · √(0.021 + 0.0096037) / 1.38415 = 0.24772 → 0.1078 … 0.6032
    const ci = wilson(3, 10)!;
    expect(ci.low).toBeCloseTo(0.1078, 4);
    expect(ci.high).toBeCloseTo(0.6032, 4);
  });

  it.each([
    // 0/10: the interval starts at 0 and still has width (z²/n / (1 + z²/n) = 0.2775)
    [0, 10, 0, 0.2775],
    // 10/10 mirrors it
    [10, 10, 0.7225, 1],
  ])("stays inside [0, 1] for %i/%i", (k, n, low, high) => {
    const ci = wilson(k, n)!;
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
  });

  it("has no interval without trials (no division by zero)", () => {
    expect(wilson(0, 0)).toBeNull();
  });
});

describe("mannWhitney", () => {
  it("matches scipy on a small example without ties", () => {
    // a ranks in the pooled sample (11,12,16,17,19,20,22,24,29): 19→5, 22→7, 16→3, 29→9, 24→8 = 32;
    // U = 32 − 5·6/2 = 17; μ = 10, σ² = 5·4·10/12 = 16.667; z = (7 − 0.5)/4.0825 = 1.5922;
    // p = 0.11135 (scipy.stats.mannwhitneyu(a, b, method="asymptotic"))
    const r = mannWhitney([19, 22, 16, 29, 24], [20, 11, 17, 12])!;
    expect(r.u).toBe(17);
    expect(r.p).toBeCloseTo(0.111347, 5);
  });

  it("applies the tie correction (scipy: U = 7, p = 0.051162)", () => {
    const r = mannWhitney([1.1, 2.2, 2.2, 3.5, 4.0, 4.0, 5.1], [2.2, 4.0, 6.3, 7.7, 8.0, 9.1])!;
    expect(r.u).toBe(7);
    expect(r.p).toBeCloseTo(0.051162, 5);
  });

  it("gives p = 1 when every value is tied, and nothing for an empty sample", () => {
    expect(mannWhitney([2, 2, 2], [2, 2])!.p).toBe(1);
    expect(mannWhitney([], [1, 2])).toBeNull();
  });

  it("ranks as the pooled definition does: the rank sum of `a` over ties, interleavings and repeated values", () => {
    // reference: rank the pooled, tagged sample (average ranks for ties) and sum the ranks of `a`
    const pooledU = (a: number[], b: number[]) => {
      const all = [...a.map((v) => ({ v, a: true })), ...b.map((v) => ({ v, a: false }))].sort((x, y) => x.v - y.v);
      let sum = 0;
      for (let i = 0; i < all.length; ) {
        let j = i;
        while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
        for (let k = i; k <= j; k++) if (all[k]!.a) sum += (i + j + 2) / 2;
        i = j + 1;
      }
      return sum - (a.length * (a.length + 1)) / 2;
    };
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 50; trial++) {
      const a = Array.from({ length: 1 + Math.floor(next() * 40) }, () => Math.floor(next() * 12) / 2);
      const b = Array.from({ length: 1 + Math.floor(next() * 40) }, () => Math.floor(next() * 12) / 2 - (trial % 3));
      expect(mannWhitney(a, b)!.u).toBe(pooledU(a, b));
    }
    // a value that is no number (NaN) is left out of both samples, as it is of medians
    expect(mannWhitney([1, Number.NaN, 3], [2])!.u).toBe(mannWhitney([1, 3], [2])!.u);
  });
});

describe("quantiles", () => {
  it("interpolates like DuckDB's quantile_cont", () => {
    // (4 − 1) · 0.9 = 2.7 → 3 + 0.7 · (4 − 3) = 3.7
    expect(quantileSorted([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 10);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe("bootstrap of the median", () => {
  const baseline = [5.0, 6.5, 4.2, 8.1, 5.9, 7.3, 6.0, 4.8, 9.4, 5.5];
  const final = [1.2, 0.9, 1.5, 1.1, 2.0, 0.8, 1.3, 1.0, 1.7];

  it("is deterministic: same data and seed, same interval", () => {
    const a = bootstrapMedianChange(baseline, final, { seed: 42 });
    const b = bootstrapMedianChange([...baseline].reverse(), [...final].reverse(), { seed: 42 });
    expect(a).not.toBeNull();
    expect(b).toEqual(a);
  });

  it("brackets the observed change and excludes 0 for a clear drop", () => {
    // sorted baseline 4.2 4.8 5.0 5.5 5.9 | 6.0 6.5 7.3 8.1 9.4 → median 5.95; final median 1.2;
    // change = 1.2 / 5.95 − 1 = −79.8 %
    const ci = bootstrapMedianChange(baseline, final, { seed: 7 })!;
    expect(ci.low).toBeLessThan(-79.8);
    expect(ci.high).toBeGreaterThan(-79.8);
    expect(ci.high).toBeLessThan(0);
  });

  it.each([10, 11, 100, 101])("draws medians distributed as naive resampling (n = %i)", (n) => {
    // the O(1) order-statistic draw (exact Beta below shapes of 30, its normal approximation above)
    // against resample-and-sort, 20 000 draws each: P(median* ≤ x) agree within sampling noise
    const asc = Array.from({ length: n }, (_, i) => i + 1);
    const rand = mulberry32(1);
    const naive = (): number => {
      const s = Array.from({ length: n }, () => asc[Math.floor(rand() * n)]!).sort((x, y) => x - y);
      return quantileSorted(s, 0.5)!;
    };
    const draws = 20000;
    const fast = Array.from({ length: draws }, () => bootstrapMedianDraw(asc, rand));
    const slow = Array.from({ length: draws }, naive);
    for (const x of [0.3, 0.45, 0.5, 0.55, 0.7].map((q) => q * n + 0.25)) {
      const pf = fast.filter((v) => v <= x).length / draws;
      const ps = slow.filter((v) => v <= x).length / draws;
      expect(Math.abs(pf - ps)).toBeLessThan(0.02);
    }
  });

  it("has no interval when a sample is empty", () => {
    expect(bootstrapMedianChange([], final, { seed: 1 })).toBeNull();
  });
});

describe("rates and counts", () => {
  it("two-proportion test: 20/100 against 10/100", () => {
    // pooled 0.15, se = √(0.15 · 0.85 · 0.02) = 0.050498; z = 0.1/0.050498 = 1.9803 → p = 0.04767
    expect(twoProportionP(20, 100, 10, 100)).toBeCloseTo(0.04767, 4);
    expect(twoProportionP(0, 0, 1, 10)).toBeNull();
  });

  it("exact binomial test matches scipy.stats.binomtest", () => {
    expect(binomialTwoSidedP(30, 40, 0.5)).toBeCloseTo(0.0022214, 6);
    expect(binomialTwoSidedP(3, 20, 0.25)).toBeCloseTo(0.4393741, 6);
  });

  it("Poisson rate ratio: 10 deploys in 8 weeks against 40 in 8 weeks", () => {
    // ratio 4; se(ln) = √(1/10 + 1/40) = 0.35355 → 4 · e^(∓0.69295) = 2.0004 … 7.9984;
    // conditional test: 40 of 50 with p = 0.5 → scipy binomtest p = 2.3861e-5
    const r = poissonRateRatio(10, 8, 40, 8);
    expect(r.ratio).toBe(4);
    expect(r.low).toBeCloseTo(2.0004, 3);
    expect(r.high).toBeCloseTo(7.9984, 3);
    expect(r.p).toBeCloseTo(2.3861e-5, 8);
  });

  it("Poisson rate ratio without baseline events has no ratio and no interval", () => {
    const r = poissonRateRatio(0, 8, 12, 8);
    expect(r).toMatchObject({ ratio: null, low: null, high: null });
  });
});
