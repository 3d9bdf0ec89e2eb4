// Reference values for the verdict statistics (issue 22). scipy/R are not available here: each value
// is worked out from the formula written beside it (checked once with a separate 40-line Python script
// of the same formulas) and, where the literature prints it, against the published figure.
import { describe, expect, it } from "vitest";
import {
  benjaminiHochberg,
  bootstrapDays,
  bootstrapKmMedianChange,
  histogramQuantile,
  kaplanMeier,
  kmMedian,
  kmMedianInterval,
  logRank,
  newcombeDifference,
  type Survival,
} from "../../../transforms/lib/stats.ts";

describe("Newcombe hybrid score interval of a difference of proportions", () => {
  it("reproduces Newcombe (1998), Table II, example (a): 56/70 − 48/80", () => {
    // Wilson 56/70 = 0.6920 … 0.8756, 48/80 = 0.4904 … 0.7003; d = 0.6 − 0.8 = −0.2;
    // low = −0.2 − √((0.6 − 0.4904)² + (0.8756 − 0.8)²) = −0.3339, high = −0.2 + √((0.7003 − 0.6)² + (0.8 − 0.6920)²) = −0.0524
    // (the paper reports p₁ − p₂: 0.0524 to 0.3339, method 10)
    const r = newcombeDifference(56, 70, 48, 80)!;
    expect(r.diff).toBeCloseTo(-0.2, 12);
    expect(r.low).toBeCloseTo(-0.3339, 4);
    expect(r.high).toBeCloseTo(-0.0524, 4);
  });

  it("reproduces example (b): 9/10 − 3/10 → 0.1705 … 0.8090", () => {
    const r = newcombeDifference(3, 10, 9, 10)!;
    expect(r.low).toBeCloseTo(0.1705, 4);
    expect(r.high).toBeCloseTo(0.809, 4);
  });

  it("12 of 48 failed deployments against 40 of 402: −15.0 points, −29.1 … −4.4", () => {
    // p₁ = 0.25, p₂ = 0.0995; Wilson 12/48 = 0.1494 … 0.3877, 40/402 = 0.0739 … 0.1326
    const r = newcombeDifference(12, 48, 40, 402)!;
    expect(r.diff).toBeCloseTo(-0.150498, 5);
    expect(r.low).toBeCloseTo(-0.290694, 5);
    expect(r.high).toBeCloseTo(-0.04439, 5);
  });

  it("has no interval for an empty window", () => {
    expect(newcombeDifference(0, 0, 3, 10)).toBeNull();
  });
});

// Freireich et al. (1963) remission times in weeks, the textbook Kaplan–Meier example (Klein &
// Moeschberger §4.2; R: survival::gehan). 6-MP arm: 12 of 21 censored.
const sixMp: Survival[] = (
  [
    [6, 1], [6, 1], [6, 1], [6, 0], [7, 1], [9, 0], [10, 1], [10, 0], [11, 0], [13, 1], [16, 1], [17, 0], [19, 0], [20, 0], [22, 1], [23, 1],
    [25, 0], [32, 0], [32, 0], [34, 0], [35, 0],
  ] as const
).map(([time, e]) => ({ time, event: e === 1 }));
const control: Survival[] = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23].map((time) => ({ time, event: true }));

describe("Kaplan–Meier", () => {
  it("steps the 6-MP arm as the textbook table", () => {
    // t=6: 21 at risk, 3 events → S = 18/21 = 0.8571 (the censored 6 is still at risk at 6)
    // t=7: 17 at risk → 0.8571·16/17 = 0.8067; t=10: 15 → 0.7529; 13: 12 → 0.6902; 16: 11 → 0.6275;
    // 22: 7 → 0.5378; 23: 6 → 0.4482
    const steps = kaplanMeier(sixMp);
    expect(steps.map((s) => s.time)).toEqual([6, 7, 10, 13, 16, 22, 23]);
    expect(steps.map((s) => s.atRisk)).toEqual([21, 17, 15, 12, 11, 7, 6]);
    expect(steps.map((s) => Number(s.survival.toFixed(4)))).toEqual([0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482]);
  });

  it("median 23 weeks, 95 % interval 16 to open-ended (R: survfit → median 23, 0.95LCL 16, UCL NA)", () => {
    // Greenwood Σd/(n(n−d)) at 16: 3/(21·18) + 1/(17·16) + 1/(15·14) + 1/(12·11) + 1/(11·10) = 0.033042;
    // lower curve 0.6275·e^(−1.96·0.18177) = 0.4394 ≤ ½ first at 16 (at 13: 0.5096); the upper curve
    // never falls to ½ (at 23: 0.4482·e^(1.96·0.30031) = 0.8074)
    const steps = kaplanMeier(sixMp);
    expect(kmMedian(steps)).toBe(23);
    expect(kmMedianInterval(steps)).toEqual({ low: 16, high: null });
  });

  it("control arm (no censoring): median 8, interval 4 to 12 (R: 8, 4, 12)", () => {
    // S(5) = 0.5714, S(8) = 0.3810 → median 8; lower curve at 4: 0.6667·e^(−1.96·√0.02381) = 0.4927;
    // upper curve at 12: 0.1905·e^(1.96·√0.20238) = 0.4600 (at 11: 0.5619)
    const steps = kaplanMeier(control);
    expect(kmMedian(steps)).toBe(8);
    expect(kmMedianInterval(steps)).toEqual({ low: 4, high: 12 });
  });

  it("takes the midpoint where S is exactly ½ over an interval, and says 'not reached' below half events", () => {
    // 1, 2, 3, 4 all ended: S(2) = 0.5 exactly until 3 → median 2.5 (R's rule)
    expect(kmMedian(kaplanMeier([1, 2, 3, 4].map((time) => ({ time, event: true }))))).toBe(2.5);
    // 3 of 5 still open: S never reaches ½
    expect(kmMedian(kaplanMeier([{ time: 1, event: true }, { time: 2, event: true }, ...[3, 4, 5].map((time) => ({ time, event: false }))]))).toBeNull();
  });

  it("censoring lengthens the median against dropping the open items", () => {
    // dropping the three open (longest) items gives median 2 of [1, 2, 3]; censored at 10 they keep
    // the risk set: S = 5/6, 4/6, 3/6 → exactly ½ from 3 on with no later event → 3
    const items: Survival[] = [1, 2, 3].map((time) => ({ time, event: true })).concat([10, 10, 10].map((time) => ({ time, event: false })));
    expect(kmMedian(kaplanMeier(items))).toBe(3);
  });

  it("weights act as repeated items (the bootstrap's resample)", () => {
    const a = kaplanMeier([{ time: 1, event: true }, { time: 2, event: false }, { time: 3, event: true }], [2, 1, 3]);
    const b = kaplanMeier([1, 1, 2, 3, 3, 3].map((time) => ({ time, event: time !== 2 })));
    expect(a).toEqual(b);
  });
});

describe("log-rank test", () => {
  it("6-MP against control: χ² = 16.79, p = 4.17e-5 (R survdiff: Chisq = 16.8 on 1 df, p = 4e-05)", () => {
    const r = logRank(sixMp, control)!;
    expect(r.chi2).toBeCloseTo(16.7929, 3);
    expect(r.p).toBeCloseTo(4.1688e-5, 7);
  });

  it("gives p = 1 for identical samples and null for an empty one", () => {
    expect(logRank(control, control)!.p).toBeCloseTo(1, 10);
    expect(logRank([], control)).toBeNull();
  });
});

describe("bootstrap of the Kaplan–Meier median change", () => {
  it("is deterministic and brackets the observed change (23 → 8 weeks: −65 %)", () => {
    const a = bootstrapKmMedianChange(sixMp, control, { seed: 3 });
    expect(bootstrapKmMedianChange(sixMp, control, { seed: 3 })).toEqual(a);
    // a sixth of 6-MP resamples never reach ½: more than 1 % undefined → no interval
    expect(a).toBeNull();
    // every control time tripled: median 8 → 24, +200 %; the interval holds +200 % and excludes 0
    const b = bootstrapKmMedianChange(control, control.map((x) => ({ ...x, time: x.time * 3 })), { seed: 3 })!;
    expect(b.low).toBeLessThan(200);
    expect(b.high).toBeGreaterThan(200);
    expect(b.low).toBeGreaterThan(0);
    expect(b.p).toBeLessThan(0.05);
  });

  it("does not depend on the order the items come in (SQL gives rows in no fixed order)", () => {
    const tripled = control.map((x) => ({ ...x, time: x.time * 3 }));
    const a = bootstrapKmMedianChange(control, tripled, { seed: 5 });
    const b = bootstrapKmMedianChange([...control].reverse(), [...tripled.slice(7), ...tripled.slice(0, 7)], { seed: 5 });
    expect(a).not.toBeNull();
    expect(b).toEqual(a);
  });
});

describe("Benjamini–Hochberg", () => {
  it("matches R p.adjust(c(.01, .04, .03, .005, .5), 'BH') = .025 .05 .05 .025 .5, nulls untouched", () => {
    // ranked: .005·5/1 = .025, .01·5/2 = .025, .03·5/3 = .05, .04·5/4 = .05, .5·5/5 = .5; running minimum from the top
    const q = benjaminiHochberg([0.01, 0.04, null, 0.03, 0.005, 0.5]);
    expect(q[2]).toBeNull();
    [0.025, 0.05, 0.05, 0.025, 0.5].forEach((v, i) => expect(q[[0, 1, 3, 4, 5][i]!]).toBeCloseTo(v, 12));
  });

  it("caps at 1 and keeps monotone order", () => {
    expect(benjaminiHochberg([0.9, 0.8])).toEqual([0.9, 0.9]);
    expect(benjaminiHochberg([])).toEqual([]);
  });
});

describe("histogram quantile", () => {
  const le = [0.1, 0.25, 0.5, 1, Infinity];
  const c = [50, 90, 97, 99, 100];
  it("interpolates inside the bucket holding the rank", () => {
    // q = .99: rank 99 → bucket (0.5, 1] with 97 → 99: 0.5 + 0.5·(99 − 97)/2 = 1.0
    expect(histogramQuantile(0.99, le, c)).toBeCloseTo(1, 12);
    // q = .95: rank 95 → (0.25, 0.5] with 90 → 97: 0.25 + 0.25·5/7 = 0.428571
    expect(histogramQuantile(0.95, le, c)).toBeCloseTo(0.428571, 6);
    // q = .5: rank 50 → first bucket, from 0: 0.1·50/50 = 0.1
    expect(histogramQuantile(0.5, le, c)).toBeCloseTo(0.1, 12);
  });
  it("returns the highest finite bound for a rank in +Inf, and null without +Inf or requests", () => {
    expect(histogramQuantile(0.995, le, c)).toBe(1);
    expect(histogramQuantile(0.99, [0.1, 0.5], [1, 2])).toBeNull();
    expect(histogramQuantile(0.99, le, [0, 0, 0, 0, 0])).toBeNull();
  });
});

describe("day-level bootstrap", () => {
  type Day = { good: number; total: number };
  const share = (days: readonly Day[], w: readonly number[]) => {
    let g = 0;
    let t = 0;
    days.forEach((d, i) => {
      g += w[i]! * d.good;
      t += w[i]! * d.total;
    });
    return t > 0 ? g / t : null;
  };
  const diff = (f: number, b: number) => f - b;

  it("collapses to the exact difference when every day of a window is alike", () => {
    const b = Array.from({ length: 20 }, () => ({ good: 990, total: 1000 }));
    const f = Array.from({ length: 20 }, () => ({ good: 995, total: 1000 }));
    const r = bootstrapDays(b, f, share, diff, { seed: 1 })!;
    expect(r.low).toBeCloseTo(0.005, 12);
    expect(r.high).toBeCloseTo(0.005, 12);
    expect(r.p).toBe(0);
  });

  it("has the width of the day-to-day spread, not of the request count", () => {
    // baseline days alternate 99.0 % and 99.8 % of 10 000 requests (sd of a day 0.004, n = 30),
    // final days alternate 99.2 % and 100 %: difference 0.002. Days are equal-sized, so the share is the
    // mean of day shares: half-width ≈ 1.96·√(0.004²·(29/30)/30 · 2) = 0.002 (√((n−1)/n) for the
    // bootstrap's plug-in variance). Requests taken as independent would give a half-width of
    // 1.96·√(0.994·0.006/300 000 + 0.996·0.004/300 000) = 0.00036: five times narrower.
    const b = Array.from({ length: 30 }, (_, i) => ({ good: i % 2 ? 9900 : 9980, total: 10000 }));
    const f = Array.from({ length: 30 }, (_, i) => ({ good: i % 2 ? 9920 : 10000, total: 10000 }));
    const r = bootstrapDays(b, f, share, diff, { seed: 11, resamples: 4000 })!;
    const half = (r.high - r.low) / 2;
    expect(half).toBeGreaterThan(0.0017);
    expect(half).toBeLessThan(0.0023);
    // so a 0.2-point rise over 30 such days is at the edge of chance, where requests would call it certain
    expect(r.low).toBeLessThan(0.0005);
    expect(r.high).toBeGreaterThan(0.0035);
  });

  it("has no interval for an empty window", () => {
    expect(bootstrapDays([], [{ good: 1, total: 1 }], share, diff, { seed: 1 })).toBeNull();
  });
});
