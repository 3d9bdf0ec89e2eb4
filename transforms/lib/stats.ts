/**
 * Statistics for the before/after comparison: pure functions, no I/O, deterministic given a seed.
 *
 * References: Wilson (1927) score interval; Mann & Whitney (1947) with the normal approximation,
 * tie and continuity corrections (as scipy.stats.mannwhitneyu, method="asymptotic"); Efron's
 * percentile bootstrap; the conditional binomial test and log-normal interval for a Poisson rate ratio.
 */

/** Two-sided 95 % normal quantile. */
export const Z95 = 1.959963984540054;

/** A small, fast, seedable PRNG (mulberry32): same seed, same stream, on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from a string (FNV-1a), so each metric × service gets its own stable stream. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Ascending copy without NaN. */
export function sorted(values: readonly number[]): number[] {
  return Array.from(sortedTyped(values));
}

/**
 * Ascending, NaN left out. A typed array sorts numbers natively (no comparator call per pair, NaN
 * last), which the million-value samples of a large warehouse need.
 */
function sortedTyped(values: readonly number[]): Float64Array {
  const asc = Float64Array.from(values).sort();
  let n = asc.length;
  while (n > 0 && Number.isNaN(asc[n - 1]!)) n--;
  return n === asc.length ? asc : asc.subarray(0, n);
}

/** Quantile of ascending values with linear interpolation (type 7, as DuckDB quantile_cont and R's default). */
export function quantileSorted(asc: readonly number[], p: number): number | null {
  if (asc.length === 0) return null;
  const h = (asc.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return asc[lo]! + (h - lo) * (asc[hi]! - asc[lo]!);
}

export function median(values: readonly number[]): number | null {
  return quantileSorted(sorted(values), 0.5);
}

/** Wilson score interval for k successes in n trials; null when n = 0. */
export function wilson(k: number, n: number, z = Z95): { low: number; high: number } | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Complementary error function, fractional error < 1.2e-7 everywhere (Numerical Recipes' erfcc).
 * Enough for p-values read to two digits and ranked for q-values, and faster than the libraries
 * compared in bench/RESULTS.md: @stdlib's erfc is exact to 2e-16, jstat's (1 − erf) loses the tail.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided p-value of a standard normal statistic. */
export function normalTwoSided(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/**
 * Mann-Whitney U test, two-sided, normal approximation with tie and continuity corrections
 * (scipy.stats.mannwhitneyu(a, b, method="asymptotic")). U is the statistic of `a`.
 */
export function mannWhitney(a: readonly number[], b: readonly number[]): { u: number; z: number; p: number } | null {
  // NaN (no value) cannot be ranked: left out, as sorted() leaves it out of medians
  const sa = sortedTyped(a);
  const sb = sortedTyped(b);
  const n1 = sa.length;
  const n2 = sb.length;
  if (n1 === 0 || n2 === 0) return null;
  // Both samples sorted apart and walked together, tie group by tie group (a group's members share
  // the average of its ranks), instead of sorting one array of tagged values.
  const n = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0;
  let i = 0;
  let j = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && sa[i]! <= sb[j]!) ? sa[i]! : sb[j]!;
    let inA = 0;
    while (i + inA < n1 && sa[i + inA] === v) inA++;
    let inB = 0;
    while (j + inB < n2 && sb[j + inB] === v) inB++;
    const t = inA + inB;
    const rank = (i + j + 1 + (i + j + t)) / 2; // average of ranks i+j+1 … i+j+t
    for (let k = 0; k < inA; k++) rankSumA += rank;
    tieTerm += t * t * t - t;
    i += inA;
    j += inB;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, p: 1 };
  const z = Math.max(0, Math.abs(u - mu) - 0.5) / Math.sqrt(variance);
  return { u, z, p: normalTwoSided(z) };
}

/** Standard normal deviate (Box-Muller). */
function normal(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Gamma(shape ≥ 1, 1) deviate (Marsaglia & Tsang 2000). */
function gamma(shape: number, rand: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Shapes from which a Beta is drawn from its normal approximation. */
const BETA_NORMAL_FROM = 30;

/**
 * Beta(a ≥ 1, b ≥ 1) deviate. Exact (two gamma draws) for small shapes; from both shapes ≥ 30 on, its
 * normal approximation: near the median a ≈ b, the skewness is ~0 and the error is far below the
 * resolution of the n indices the draw is mapped to, at a twentieth of the cost.
 */
function beta(a: number, b: number, rand: () => number): number {
  if (a >= BETA_NORMAL_FROM && b >= BETA_NORMAL_FROM) {
    const s = a + b;
    const x = a / s + Math.sqrt((a * b) / (s * s * (s + 1))) * normal(rand);
    return Math.min(1 - Number.EPSILON, Math.max(0, x));
  }
  const x = gamma(a, rand);
  return x / (x + gamma(b, rand));
}

/**
 * One draw from the bootstrap distribution of the median of `asc` (ascending).
 *
 * Resampling n values with replacement and taking the median costs O(n) per draw; for a million
 * lead times and thousands of draws that is too slow. Drawing indices as floor(n·W) with W uniform,
 * the k-th smallest resampled value is asc[floor(n·W₍ₖ₎)], and the k-th order statistic of n
 * uniforms is Beta(k, n − k + 1): so one Beta draw (two for an even n: the next order statistic is
 * the minimum of the n − k uniforms above it) gives the same distribution in O(1).
 */
export function bootstrapMedianDraw(asc: readonly number[], rand: () => number): number {
  const n = asc.length;
  const at = (u: number) => asc[Math.min(n - 1, Math.floor(n * u))]!;
  if (n === 1) return asc[0]!;
  if (n % 2 === 1) {
    const k = (n + 1) / 2;
    return at(beta(k, n - k + 1, rand));
  }
  const k = n / 2;
  const u1 = beta(k, n - k + 1, rand);
  const u2 = u1 + (1 - u1) * (1 - Math.pow(1 - rand(), 1 / (n - k)));
  return (at(u1) + at(u2)) / 2;
}

export interface BootstrapOptions {
  seed: number;
  resamples?: number;
  level?: number;
}

/**
 * Percentile bootstrap interval of the relative change of the median, in %:
 * 100 · (median(final*) / median(baseline*) − 1) over independent resamples of each window.
 * Null when either sample is empty or when more than 1 % of resampled baseline medians are 0.
 */
export function bootstrapMedianChange(
  baseline: readonly number[],
  final: readonly number[],
  { seed, resamples = 2000, level = 0.95 }: BootstrapOptions,
): { low: number; high: number } | null {
  const b = sorted(baseline);
  const f = sorted(final);
  if (b.length === 0 || f.length === 0) return null;
  const rand = mulberry32(seed);
  const changes: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const mb = bootstrapMedianDraw(b, rand);
    const mf = bootstrapMedianDraw(f, rand);
    if (mb !== 0) changes.push(100 * (mf / mb - 1));
  }
  if (changes.length < resamples * 0.99) return null;
  changes.sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  return { low: quantileSorted(changes, alpha)!, high: quantileSorted(changes, 1 - alpha)! };
}

/** Two-sided two-proportion z-test (pooled variance); null when undefined. */
export function twoProportionP(k1: number, n1: number, k2: number, n2: number): number | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const pooled = (k1 + k2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  return normalTwoSided((k2 / n2 - k1 / n1) / se);
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9), accurate to ~15 digits. */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xm = x - 1;
  let a = c[0]!;
  const t = xm + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (xm + i);
  return 0.5 * Math.log(2 * Math.PI) + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Exact two-sided binomial test of k successes in n trials with probability p (as R's binom.test). */
export function binomialTwoSidedP(k: number, n: number, p: number): number {
  if (n === 0) return 1;
  // beyond this the exact sum costs more than it buys: the normal approximation is as good
  if (n > 100_000) return normalTwoSided((k - n * p) / Math.sqrt(n * p * (1 - p)));
  const logPmf = (i: number) =>
    logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + (i === 0 ? 0 : i * Math.log(p)) + (i === n ? 0 : (n - i) * Math.log(1 - p));
  const observed = logPmf(k);
  // relative tolerance as in R, so outcomes exactly as likely as the observed one count in full
  const limit = observed + Math.log1p(1e-7);
  let total = 0;
  for (let i = 0; i <= n; i++) {
    const l = logPmf(i);
    if (l <= limit) total += Math.exp(l);
  }
  return Math.min(1, total);
}

/**
 * Ratio of two Poisson rates (events k per exposure t): final ÷ baseline, with the log-normal 95 %
 * interval (null when a count is 0) and the p-value of the conditional binomial test.
 */
export function poissonRateRatio(
  k1: number,
  t1: number,
  k2: number,
  t2: number,
): { ratio: number | null; low: number | null; high: number | null; p: number | null } {
  if (t1 <= 0 || t2 <= 0) return { ratio: null, low: null, high: null, p: null };
  const ratio = k1 > 0 ? k2 / t2 / (k1 / t1) : null;
  let low: number | null = null;
  let high: number | null = null;
  if (k1 > 0 && k2 > 0) {
    const se = Math.sqrt(1 / k1 + 1 / k2);
    low = ratio! * Math.exp(-Z95 * se);
    high = ratio! * Math.exp(Z95 * se);
  }
  const p = k1 + k2 > 0 ? binomialTwoSidedP(k2, k1 + k2, t2 / (t1 + t2)) : null;
  return { ratio, low, high, p };
}

/**
 * One draw from the bootstrap distribution of the type-7 quantile p of `asc` (ascending), in O(1):
 * the generalization of `bootstrapMedianDraw`. The quantile interpolates between the order statistics
 * k = floor((n − 1)p) + 1 and k + 1; U₍ₖ₎ is Beta(k, n − k + 1) and U₍ₖ₊₁₎ is the minimum of the
 * n − k uniforms above it.
 */
export function bootstrapQuantileDraw(asc: readonly number[], p: number, rand: () => number): number {
  const n = asc.length;
  const at = (u: number) => asc[Math.min(n - 1, Math.floor(n * u))]!;
  if (n === 1) return asc[0]!;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const k = lo + 1;
  const u1 = beta(k, n - k + 1, rand);
  if (h === lo || k >= n) return at(u1);
  const u2 = u1 + (1 - u1) * (1 - Math.pow(1 - rand(), 1 / (n - k)));
  const a = at(u1);
  return a + (h - lo) * (at(u2) - a);
}

/**
 * Percentile bootstrap interval of the relative change of quantile p, in %, and a two-sided bootstrap
 * p-value (twice the smaller share of resampled changes on either side of 0). Null as for the median.
 */
export function bootstrapQuantileChange(
  baseline: readonly number[],
  final: readonly number[],
  p: number,
  { seed, resamples = 2000, level = 0.95 }: BootstrapOptions,
): { low: number; high: number; p: number } | null {
  const b = sorted(baseline);
  const f = sorted(final);
  if (b.length === 0 || f.length === 0) return null;
  const rand = mulberry32(seed);
  const changes: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const qb = bootstrapQuantileDraw(b, p, rand);
    const qf = bootstrapQuantileDraw(f, p, rand);
    if (qb !== 0) changes.push(100 * (qf / qb - 1));
  }
  if (changes.length < resamples * 0.99) return null;
  changes.sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  const below = changes.filter((c) => c <= 0).length / changes.length;
  const above = changes.filter((c) => c >= 0).length / changes.length;
  return { low: quantileSorted(changes, alpha)!, high: quantileSorted(changes, 1 - alpha)!, p: Math.min(1, 2 * Math.min(below, above)) };
}

/** Percentile interval and two-sided bootstrap p-value (twice the smaller share on either side of 0) of resampled changes. */
function percentileSummary(changes: number[], level: number): { low: number; high: number; p: number } {
  changes.sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  const below = changes.filter((c) => c <= 0).length / changes.length;
  const above = changes.filter((c) => c >= 0).length / changes.length;
  return { low: quantileSorted(changes, alpha)!, high: quantileSorted(changes, 1 - alpha)!, p: Math.min(1, 2 * Math.min(below, above)) };
}

/**
 * Newcombe's hybrid score interval (1998, method 10) of the difference of two proportions
 * p₂ − p₁ (final − baseline), built from the two Wilson intervals:
 *   low  = d − √((p₂ − l₂)² + (u₁ − p₁)²),  high = d + √((u₂ − p₂)² + (p₁ − l₁)²).
 * Unlike the Wald interval it stays inside [−1, 1] and keeps its coverage near 0 and 1.
 */
export function newcombeDifference(k1: number, n1: number, k2: number, n2: number, z = Z95): { diff: number; low: number; high: number } | null {
  const w1 = wilson(k1, n1, z);
  const w2 = wilson(k2, n2, z);
  if (!w1 || !w2) return null;
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const diff = p2 - p1;
  return {
    diff,
    low: diff - Math.sqrt((p2 - w2.low) ** 2 + (w1.high - p1) ** 2),
    high: diff + Math.sqrt((w2.high - p2) ** 2 + (p1 - w1.low) ** 2),
  };
}

/** A duration that ended (`event`) or was still running when last seen (censored at `time`). */
export interface Survival {
  time: number;
  event: boolean;
}

/** Kaplan–Meier step: at each distinct event time, the number at risk, the events, and S(t) after it. */
export interface KmStep {
  time: number;
  atRisk: number;
  events: number;
  survival: number;
  /** Greenwood's Σ d / (n (n − d)) up to this time: the variance of log S(t). */
  greenwood: number;
}

/**
 * Kaplan–Meier estimate with optional weights (a bootstrap resample is a weight per distinct item).
 * Events at a time are counted before censorings at the same time (censored items were at risk then).
 */
export function kaplanMeier(items: readonly Survival[], weights?: readonly number[]): KmStep[] {
  const order = items.map((_, i) => i).sort((a, b) => items[a]!.time - items[b]!.time || Number(items[b]!.event) - Number(items[a]!.event));
  let atRisk = 0;
  for (let i = 0; i < items.length; i++) atRisk += weights ? weights[i]! : 1;
  const steps: KmStep[] = [];
  let s = 1;
  let g = 0;
  for (let i = 0; i < order.length; ) {
    const t = items[order[i]!]!.time;
    let events = 0;
    let leaving = 0;
    for (; i < order.length && items[order[i]!]!.time === t; i++) {
      const w = weights ? weights[order[i]!]! : 1;
      if (items[order[i]!]!.event) events += w;
      leaving += w;
    }
    if (events > 0) {
      s *= 1 - events / atRisk;
      g += atRisk > events ? events / (atRisk * (atRisk - events)) : 0;
      steps.push({ time: t, atRisk, events, survival: s, greenwood: g });
    }
    atRisk -= leaving;
  }
  return steps;
}

const HALF_TOLERANCE = 1e-12;

/**
 * The Kaplan–Meier median: the first event time where S(t) ≤ ½; where S is exactly ½ over an interval,
 * the midpoint to the next event time (R's survfit rule). Null when S never reaches ½ ("not reached":
 * more than half of the durations are still running, the median is longer than anything observed).
 */
export function kmMedian(steps: readonly KmStep[]): number | null {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!.survival;
    if (Math.abs(s - 0.5) < HALF_TOLERANCE) return i + 1 < steps.length ? (steps[i]!.time + steps[i + 1]!.time) / 2 : steps[i]!.time;
    if (s < 0.5) return steps[i]!.time;
  }
  return null;
}

/**
 * 95 % interval of the Kaplan–Meier median (Brookmeyer & Crowley), with Greenwood's variance on the
 * log scale (R's survfit default conf.type = "log"): the band S(t)·exp(±z·√Σd/(n(n−d))); the low end is
 * the first time the band's lower curve is ≤ ½, the high end the first time its upper curve is ≤ ½.
 * A null end means the band never gets there (open-ended).
 */
export function kmMedianInterval(steps: readonly KmStep[], z = Z95): { low: number | null; high: number | null } {
  let low: number | null = null;
  let high: number | null = null;
  for (const st of steps) {
    const se = Math.sqrt(st.greenwood);
    const upper = st.survival === 0 ? 0 : Math.min(1, st.survival * Math.exp(z * se));
    const lower = st.survival * Math.exp(-z * se);
    if (low === null && lower <= 0.5 + HALF_TOLERANCE) low = st.time;
    if (high === null && upper <= 0.5 + HALF_TOLERANCE) high = st.time;
  }
  return { low, high };
}

/**
 * Two-sided log-rank test of two samples of censored durations (Mantel–Cox): at each distinct event time
 * O₁ − E₁ with E₁ = d·n₁/n and hypergeometric variance d·(n₁/n)(1 − n₁/n)(n − d)/(n − 1); χ² = (O₁ − E₁)²/V
 * with one degree of freedom. Null when either sample is empty or nothing ended.
 */
export function logRank(a: readonly Survival[], b: readonly Survival[]): { chi2: number; p: number } | null {
  if (a.length === 0 || b.length === 0) return null;
  const all = [...a.map((x) => ({ ...x, g: 0 })), ...b.map((x) => ({ ...x, g: 1 }))].sort((x, y) => x.time - y.time);
  let n1 = a.length;
  let n = all.length;
  let oMinusE = 0;
  let v = 0;
  for (let i = 0; i < all.length; ) {
    const t = all[i]!.time;
    let d = 0;
    let d1 = 0;
    let leave = 0;
    let leave1 = 0;
    for (; i < all.length && all[i]!.time === t; i++) {
      const x = all[i]!;
      if (x.event) {
        d++;
        if (x.g === 0) d1++;
      }
      leave++;
      if (x.g === 0) leave1++;
    }
    if (d > 0) {
      oMinusE += d1 - (d * n1) / n;
      if (n > 1) v += (d * (n1 / n) * (1 - n1 / n) * (n - d)) / (n - 1);
    }
    n -= leave;
    n1 -= leave1;
  }
  if (!(v > 0)) return { chi2: 0, p: 1 };
  const chi2 = (oMinusE * oMinusE) / v;
  return { chi2, p: normalTwoSided(Math.sqrt(chi2)) };
}

/** Multinomial resample weights: how often each of n items is drawn in n draws with replacement. */
function resampleWeights(n: number, rand: () => number, into: number[]): number[] {
  into.fill(0);
  for (let i = 0; i < n; i++) into[Math.floor(rand() * n)]!++;
  return into;
}

/**
 * Percentile bootstrap interval (and bootstrap p-value) of the relative change of the Kaplan–Meier
 * median, in %: items resampled with replacement within each window, censored ones included, so the
 * interval carries the uncertainty of what the open items would have taken. Null when a sample is
 * empty or more than 1 % of resampled baseline or final medians are not reached or 0.
 */
export function bootstrapKmMedianChange(
  baseline: readonly Survival[],
  final: readonly Survival[],
  options: BootstrapOptions,
): { low: number; high: number; p: number } | null {
  // resampling draws positions, so the items go in a fixed order (by time, events before censored)
  // whatever order the query returned them in: the same data gives the same interval on every run
  const byTime = (items: readonly Survival[]) => [...items].sort((a, b) => a.time - b.time || Number(b.event) - Number(a.event));
  return bootstrapDays(
    byTime(baseline),
    byTime(final),
    (items, weights) => kmMedian(kaplanMeier(items, weights)),
    (mf, mb) => (mb === 0 ? null : 100 * (mf / mb - 1)),
    options,
  );
}

/**
 * Benjamini–Hochberg adjusted p-values (q-values) of one family of tests: with the m p-values ranked
 * ascending, q₍ᵢ₎ = min over j ≥ i of p₍ⱼ₎·m/j, capped at 1. Null p-values are not tests: they stay null
 * and do not count in m. Rows with q < 0.05 keep the expected share of false discoveries at ≤ 5 %.
 */
export function benjaminiHochberg(p: readonly (number | null)[]): (number | null)[] {
  const idx = p.map((v, i) => ({ v, i })).filter((x): x is { v: number; i: number } => x.v !== null && Number.isFinite(x.v));
  idx.sort((a, b) => a.v - b.v);
  const m = idx.length;
  const q: (number | null)[] = p.map(() => null);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    running = Math.min(running, (idx[r]!.v * m) / (r + 1));
    q[idx[r]!.i] = Math.min(1, running);
  }
  return q;
}

/**
 * Day-level bootstrap: the days of each window are resampled with replacement (a day keeps all its
 * requests together, since requests of one day share its deploys, traffic and incidents and are not
 * independent), `statistic` is recomputed from the summed counters of the resampled days, and the
 * percentile interval and bootstrap p-value of `change(final*, baseline*)` are returned. Null when a
 * window has no day or more than 1 % of the resampled changes are undefined.
 */
export function bootstrapDays<D>(
  baseline: readonly D[],
  final: readonly D[],
  statistic: (days: readonly D[], weights: readonly number[]) => number | null,
  change: (final: number, baseline: number) => number | null,
  { seed, resamples = 2000, level = 0.95 }: BootstrapOptions,
): { low: number; high: number; p: number } | null {
  if (baseline.length === 0 || final.length === 0) return null;
  const rand = mulberry32(seed);
  const wb = new Array<number>(baseline.length).fill(0);
  const wf = new Array<number>(final.length).fill(0);
  const changes: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const sb = statistic(baseline, resampleWeights(baseline.length, rand, wb));
    const sf = statistic(final, resampleWeights(final.length, rand, wf));
    const c = sb === null || sf === null ? null : change(sf, sb);
    if (c !== null && Number.isFinite(c)) changes.push(c);
  }
  if (changes.length < resamples * 0.99) return null;
  return percentileSummary(changes, level);
}

/**
 * histogram_quantile over cumulative bucket counts (Prometheus promql/quantile.go, as
 * int_latency_stats.sql): bounds ascending with +Inf last, counts made monotonic; rank = q × total; the
 * first bucket whose count ≥ rank holds the quantile, linearly interpolated from the previous bound
 * (0 for the first, unless its bound is ≤ 0); a rank in the +Inf bucket gives the highest finite bound.
 * Null without a +Inf bucket, without a finite bucket or without requests.
 */
export function histogramQuantile(q: number, le: readonly number[], cumulative: readonly number[]): number | null {
  const n = le.length;
  if (n < 2 || le[n - 1] !== Infinity) return null;
  const c = [...cumulative];
  for (let i = 1; i < n; i++) c[i] = Math.max(c[i]!, c[i - 1]!);
  const total = c[n - 1]!;
  if (!(total > 0)) return null;
  const rank = q * total;
  for (let i = 0; i < n - 1; i++) {
    if (c[i]! >= rank) {
      if (i === 0 && le[0]! <= 0) return le[0]!;
      const prevLe = i === 0 ? 0 : le[i - 1]!;
      const prevC = i === 0 ? 0 : c[i - 1]!;
      const width = c[i]! - prevC;
      return width === 0 ? le[i]! : prevLe + (le[i]! - prevLe) * ((rank - prevC) / width);
    }
  }
  return le[n - 2]!;
}
