// Small, pure helpers the notebooks use to filter and summarise rows in the page. Days are UTC days,
// as Plot's time scale and the warehouse's DATE columns (exported as UTC midnight) are.

export const DAY_MS = 86_400_000;

export interface Filter {
  /** A service name; "*" or undefined keeps all. */
  service?: string;
  /** Inclusive bounds on the date field, as UTC days (Date at UTC midnight). */
  from?: Date | null;
  to?: Date | null;
}

/**
 * Rows of one service (or the all-services rows when `allKey` is given and service is "*") whose
 * `dateKey` falls in [from, to]. `to` covers its whole (UTC) day.
 */
export function filterRows<T extends Record<string, unknown>>(
  rows: T[],
  dateKey: keyof T & string,
  { service, from, to }: Filter,
  options: { serviceKey?: string; allKey?: string } = {},
): T[] {
  const serviceKey = options.serviceKey ?? "service";
  const end = to ? to.getTime() + DAY_MS : Infinity;
  const start = from ? from.getTime() : -Infinity;
  const wanted = service === undefined || service === "*" ? options.allKey : service;
  return rows.filter((r) => {
    if (wanted !== undefined && r[serviceKey] !== wanted) return false;
    const d = r[dateKey];
    if (!(d instanceof Date)) return false;
    const t = d.getTime();
    return t >= start && t < end;
  });
}

/** The p-quantile (0–1) with linear interpolation (type 7, as d3 and R), NaN when empty. */
export function quantile(values: Iterable<number | null | undefined>, p: number): number {
  const sorted = Array.from(values).filter((v): v is number => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function median(values: Iterable<number | null | undefined>): number {
  return quantile(values, 0.5);
}

/** Ranks 1…n, ties sharing their mean rank. */
export function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = rank;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation of paired values (NaN below 3 pairs or with no variation). */
export function spearman(x: number[], y: number[]): number {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} x values but ${y.length} y values`);
  if (x.length < 3) return NaN;
  const rx = ranks(x);
  const ry = ranks(y);
  const mean = (x.length + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = rx[i]! - mean;
    const dy = ry[i]! - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Monday 00:00 UTC of the ISO week containing d. */
export function weekStart(d: Date): Date {
  const day = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day));
}

/** The first of d's month, 00:00 UTC. */
export function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** Groups rows by key and maps each group, keeping first-seen key order. */
export function rollup<T, K, V>(rows: T[], key: (row: T) => K, reduce: (group: T[], key: K) => V): V[] {
  const groups = new Map<string, { key: K; rows: T[] }>();
  for (const row of rows) {
    const k = key(row);
    const id = k instanceof Date ? `d${k.getTime()}` : JSON.stringify(k);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key: k, rows: [] }));
    g.rows.push(row);
  }
  return Array.from(groups.values(), (g) => reduce(g.rows, g.key));
}

/** Distinct non-null values, sorted. */
export function distinct<T extends Record<string, unknown>>(rows: T[], key: keyof T & string): string[] {
  return Array.from(new Set(rows.map((r) => r[key]).filter((v) => v != null).map(String))).sort();
}

/** Hours as "3.2 h", "2.1 d" or "45 min", for captions and tables. */
export function formatHours(hours: number | null | undefined): string {
  if (hours == null || !Number.isFinite(hours)) return "–";
  if (Math.abs(hours) < 1) return `${Math.round(hours * 60)} min`;
  if (Math.abs(hours) < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} d`;
}

export function formatPercent(share: number | null | undefined, digits = 1): string {
  return share == null || !Number.isFinite(share) ? "–" : `${(share * 100).toFixed(digits)} %`;
}
