// Order statistics and sums over Float64Array without sorting: the lead-time groups (int_lead_time_groups)
// need the median and p90 of millions of values in tens of thousands of groups, exactly as DuckDB's
// quantile_cont computes them, and a mean that does not depend on the order the rows arrive in.

/**
 * Rearranges a[lo, hi) so that a[k] holds the value a sorted copy would hold there, everything
 * before it is ≤ a[k] and everything after it ≥ a[k] (Hoare's selection with a median-of-three pivot;
 * expected linear time). NaN must not occur.
 */
export function select(a: Float64Array, lo: number, hi: number, k: number): void {
  let l = lo;
  let r = hi - 1;
  while (r > l) {
    if (r - l < 16) {
      // insertion sort of a short range
      for (let i = l + 1; i <= r; i++) {
        const v = a[i]!;
        let j = i - 1;
        while (j >= l && a[j]! > v) {
          a[j + 1] = a[j]!;
          j--;
        }
        a[j + 1] = v;
      }
      return;
    }
    const m = (l + r) >>> 1;
    // median of three to a[m], then use it as the pivot
    if (a[m]! < a[l]!) swap(a, m, l);
    if (a[r]! < a[l]!) swap(a, r, l);
    if (a[r]! < a[m]!) swap(a, r, m);
    const pivot = a[m]!;
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // now a[l..j] ≤ pivot ≤ a[i..r], and a[j+1..i-1] == pivot
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Groups of at least this many values find their order statistics through a histogram first. */
const HISTOGRAM_FROM = 2048;
/** Histogram buckets: the top 16 bits of a non-negative double (exponent and 4 mantissa bits) order it. */
const BUCKETS = 1 << 15;
const counts = new Int32Array(BUCKETS);
let picked = new Float64Array(0);

/**
 * quantile_cont of the first n values of `a` for the ascending quantiles qs, as DuckDB computes it
 * (its Interpolator): RN = (n − 1) × q, lo = v[floor RN], hi = v[ceil RN]; lo when floor = ceil, else
 * lo × (1 − d) + hi × d with d = RN − floor RN. Reorders a[0, n). null when n = 0. Values must not be
 * NaN; with `nonNegative` (no −0 either) a large group is first narrowed down by a histogram.
 */
export function quantilesCont(a: Float64Array, n: number, qs: readonly number[], nonNegative = false): (number | null)[] {
  if (n === 0) return qs.map(() => null);
  const at = nonNegative && n >= HISTOGRAM_FROM && qs.length <= 2 ? orderStatisticsByHistogram : orderStatisticsBySelection;
  const wanted: number[] = [];
  for (const q of qs) {
    const rn = (n - 1) * q;
    wanted.push(Math.floor(rn), Math.ceil(rn));
  }
  const values = at(a, n, wanted);
  return qs.map((q, i) => {
    const rn = (n - 1) * q;
    const f = wanted[2 * i]!;
    const lo = values[2 * i]!;
    if (f === wanted[2 * i + 1]!) return lo;
    const d = rn - f;
    return lo * (1 - d) + values[2 * i + 1]! * d;
  });
}

/** The values at the ascending sorted positions `wanted` of a[0, n), by selection (reorders a). */
function orderStatisticsBySelection(a: Float64Array, n: number, wanted: readonly number[]): number[] {
  const out: number[] = [];
  let from = 0; // a[0, from) holds values ≤ the last one found: later positions are searched after it
  let last = -1;
  for (const k of wanted) {
    if (k === last) {
      out.push(a[k]!);
      continue;
    }
    if (k === last + 1 && last >= 0) {
      // after a selection of `last`, a[last+1, n) ≥ a[last]: the next position holds their minimum
      let m = last + 1;
      for (let i = last + 2; i < n; i++) if (a[i]! < a[m]!) m = i;
      swap(a, last + 1, m);
    } else select(a, from, n, k);
    out.push(a[k]!);
    from = k;
    last = k;
  }
  return out;
}

/**
 * The values at the ascending sorted positions `wanted` of the non-negative a[0, n): one pass counts
 * the values per bucket of their top bits (whose order is the values' order), a second takes the
 * values of the buckets holding the wanted positions, and selection finishes within those.
 */
function orderStatisticsByHistogram(a: Float64Array, n: number, wanted: readonly number[]): number[] {
  const high = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const word = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0; // the high word of a double
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[high[2 * i + word]! >>> 16]!++;
  // the bucket of each wanted position, and the position within it
  const buckets: number[] = [];
  const within: number[] = [];
  let bucket = 0;
  let before = 0;
  for (const k of wanted) {
    while (before + counts[bucket]! <= k) before += counts[bucket++]!;
    buckets.push(bucket);
    within.push(k - before);
  }
  const distinct = [...new Set(buckets)];
  const sizes = distinct.map((b) => counts[b]!);
  const total = sizes.reduce((x, y) => x + y, 0);
  if (picked.length < total) picked = new Float64Array(Math.max(total, 2 * picked.length));
  const offsets: number[] = [];
  let o = 0;
  for (const size of sizes) {
    offsets.push(o);
    o += size;
  }
  const fill = [...offsets];
  const b0 = distinct[0]!;
  const b1 = distinct[1] ?? -1;
  const b2 = distinct[2] ?? -1;
  const b3 = distinct[3] ?? -1;
  for (let i = 0; i < n; i++) {
    const b = high[2 * i + word]! >>> 16;
    if (b === b0) picked[fill[0]!++] = a[i]!;
    else if (b === b1) picked[fill[1]!++] = a[i]!;
    else if (b === b2) picked[fill[2]!++] = a[i]!;
    else if (b === b3) picked[fill[3]!++] = a[i]!;
  }
  if (distinct.length > 4) throw new Error("orderStatisticsByHistogram: at most 4 positions");
  return wanted.map((_, i) => {
    const j = distinct.indexOf(buckets[i]!);
    const from = offsets[j]!;
    const to = from + sizes[j]!;
    select(picked, from, to, from + within[i]!);
    return picked[from + within[i]!]!;
  });
}

/**
 * The sum of a[0, n) rounded once (Shewchuk's exact partials, as Python's math.fsum): the same
 * result whatever order the values come in, so a mean does not change between runs.
 */
export function exactSum(a: Float64Array, n: number): number {
  // a double's partials never number more than ~40 (the exponent range over 53 bits)
  const partials = new Float64Array(64);
  let count = 0;
  for (let i = 0; i < n; i++) {
    let x = a[i]!;
    let used = 0;
    for (let j = 0; j < count; j++) {
      let y = partials[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[used++] = lo;
      x = hi;
    }
    partials[used] = x;
    count = used + 1;
  }
  // add the partials from the largest down, correcting the final rounding (fsum's half-way rule)
  let k = count;
  if (k === 0) return 0;
  let hi = partials[--k]!;
  let lo = 0;
  while (k > 0) {
    const x = hi;
    const y = partials[--k]!;
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  if (k > 0 && ((lo < 0 && partials[k - 1]! < 0) || (lo > 0 && partials[k - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
