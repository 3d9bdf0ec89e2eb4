/**
 * A small Prometheus HTTP API simulator (/api/v1/query_range, /api/v1/query, /api/v1/status/buildinfo)
 * for the scale simulator and its tests. It answers exactly the PromQL our collector sends
 * (collectors/prometheus):
 *
 *   sum by (le) (increase(<metric>_bucket{<matchers>}[<d>]))
 *   sum(increase(<metric>_count{<matchers>}[<d>]))      (also any counter: the availability queries)
 *   count(last_over_time(<selector>[<d>]))               (the `dora check` probe; instant query)
 *   vector(1)
 *
 * and refuses anything else with Prometheus' own `bad_data` parse error envelope. Series are counters
 * given as increases per fixed slot (e.g. an hour); `increase(x[d])` evaluated at t sums the slots inside
 * (t − d, t] (a slot partly inside counts pro rata), i.e. the ideal, unextrapolated increase, and a step
 * whose window holds no slot has no sample, as a stale series has none. Responses follow
 * Prometheus' api.md and OpenAPI golden file (test/fixtures/contracts/prometheus): the matrix envelope, sample values as
 * strings, series sorted by their labels, the 11,000-points check and the bad_data messages of api.go.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A label matcher of a selector: `name="v"`, `!=`, `=~` or `!~` (regexes fully anchored, as in PromQL). */
export interface Matcher {
  name: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

/** One counter series: labels (incl. __name__) and its increase in each slot from `start`. */
export interface SimSeries {
  labels: Record<string, string>;
  /** Unix seconds of the first slot's start. */
  start: number;
  slotSeconds: number;
  /** Increase per slot. */
  increases: ArrayLike<number>;
}

/**
 * Where series come from: every series of a metric name that may match the matchers (the simulator
 * filters again), so a large organisation can build a service's series only when it is asked for.
 */
export type SeriesSource = (name: string, matchers: Matcher[]) => Iterable<SimSeries>;

export interface PrometheusSimFault {
  /** Matched against the query (the PromQL text); undefined: any query_range request. */
  query?: RegExp;
  status: number;
  errorType: string;
  error: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface PrometheusSimOptions {
  series: SeriesSource;
  /** Delay added to every request, ms. */
  latencyMs?: number;
  faults?: PrometheusSimFault[];
  /** Points per series a range query may ask for (Prometheus: (end − start) / step ≤ 11,000). */
  maxPoints?: number;
  /** Bearer token every request must carry (as a reverse proxy in front of Prometheus checks it); others get 401. */
  token?: string;
}

export interface PrometheusSimRequest {
  path: string;
  query: string | undefined;
  start?: number;
  end?: number;
  step?: number;
  status: number;
}

export interface PrometheusSim {
  url: string;
  requests: PrometheusSimRequest[];
  faults: PrometheusSimFault[];
  close(): Promise<void>;
}

export const MAX_POINTS = 11_000;

class BadData extends Error {}

export async function startPrometheusSim(options: PrometheusSimOptions): Promise<PrometheusSim> {
  const requests: PrometheusSimRequest[] = [];
  const faults = options.faults ?? [];
  const maxPoints = options.maxPoints ?? MAX_POINTS;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const run = () => {
        const url = new URL(req.url ?? "/", "http://sim");
        const params = new URLSearchParams(url.search);
        // POST with a form body is how Grafana and promtool send long queries.
        if (req.method === "POST") for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString("utf8"))) params.append(k, v);
        const record: PrometheusSimRequest = { path: url.pathname, query: params.get("query") ?? undefined, status: 200 };
        requests.push(record);
        const reply = (status: number, body: unknown) => {
          record.status = status;
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        const fail = (status: number, errorType: string, error: string) => reply(status, { status: "error", errorType, error });
        try {
          if (req.method !== "GET" && req.method !== "POST") return fail(405, "bad_data", "method not allowed");
          if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) return fail(401, "unauthorized", "unauthorized");
          if (url.pathname === "/api/v1/status/buildinfo") {
            return reply(200, { status: "success", data: { version: "2.42.0-sim", revision: "sim", branch: "HEAD", buildUser: "sim", buildDate: "20260101-00:00:00", goVersion: "go1.21" } });
          }
          if (url.pathname === "/api/v1/query_range") {
            const start = parseTime(params.get("start"), "start");
            const end = parseTime(params.get("end"), "end");
            if (end < start) throw new BadData('invalid parameter "end": end timestamp must not be before start time');
            const step = parseDuration(params.get("step"), "step");
            if (step <= 0) throw new BadData('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
            // api.go: `if end.Sub(start)/step > 11000` (integer division of durations)
            if (Math.floor((end - start) / step) > maxPoints) {
              throw new BadData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
            }
            Object.assign(record, { start, end, step });
            const query = required(params.get("query"), "query");
            const fault = faults.find((f) => (f.query ? f.query.test(query) : true) && (f.times ?? 1) > 0);
            if (fault) {
              fault.times = (fault.times ?? 1) - 1;
              return fail(fault.status, fault.errorType, fault.error);
            }
            const result = evaluateRange(parseQuery(query), options.series, start, end, step);
            return reply(200, { status: "success", data: { resultType: "matrix", result } });
          }
          if (url.pathname === "/api/v1/query") {
            const query = required(params.get("query"), "query");
            const time = params.has("time") ? parseTime(params.get("time"), "time") : Date.now() / 1000;
            return reply(200, { status: "success", data: { resultType: "vector", result: evaluateInstant(query, options.series, time) } });
          }
          return fail(404, "not_found", `unknown API endpoint ${url.pathname}`);
        } catch (error) {
          if (error instanceof BadData) return fail(400, "bad_data", error.message);
          return fail(500, "internal", (error as Error).message);
        }
      };
      if (options.latencyMs) setTimeout(run, options.latencyMs);
      else run();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function required(value: string | null, name: string): string {
  if (value === null || value === "") throw new BadData(`invalid parameter "${name}": cannot parse "" to a valid ${name === "query" ? "expression" : "timestamp"}`);
  return value;
}

/** RFC 3339 or Unix seconds (api.go parseTime). */
export function parseTime(value: string | null, name: string): number {
  const v = required(value, name);
  if (/^[-+]?\d+(\.\d+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (/^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(ms)) return ms / 1000;
  throw new BadData(`invalid parameter "${name}": cannot parse "${v}" to a valid timestamp`);
}

/** Float seconds or a Prometheus duration (1h, 5m, 1h30m, 1d …). */
export function parseDuration(value: string | null, name: string): number {
  const v = required(value, name);
  if (/^[-+]?\d+(\.\d+)?$/.test(v)) return Number(v);
  const seconds = durationSeconds(v);
  if (seconds === undefined) throw new BadData(`invalid parameter "${name}": cannot parse "${v}" to a valid duration`);
  return seconds;
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

function durationSeconds(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return total;
}

// ---- the PromQL the collector sends ----

interface ParsedQuery {
  /** `sum by (le)` keeps le; `sum` keeps nothing. */
  by: string[];
  name: string;
  matchers: Matcher[];
  window: number;
}

const IDENT = "[a-zA-Z_:][a-zA-Z0-9_:]*";
// Braces hold quoted values that may contain braces themselves (route="/payments/{id}").
const SELECTOR = `(${IDENT})\\s*(\\{(?:[^}"]|"(?:[^"\\\\]|\\\\.)*")*\\})?`;
const RANGE_QUERY = new RegExp(`^sum\\s*(?:by\\s*\\(\\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\\s*,\\s*[a-zA-Z_][a-zA-Z0-9_]*)*)?\\s*\\)\\s*)?\\(\\s*increase\\s*\\(\\s*${SELECTOR}\\s*\\[([0-9a-z]+)\\]\\s*\\)\\s*\\)$`);

export function parseQuery(query: string): ParsedQuery {
  const m = RANGE_QUERY.exec(query.trim());
  if (!m) throw new BadData(`1:1: parse error: the simulator only evaluates sum [by (…)] (increase(<selector>[<duration>])), got ${JSON.stringify(query)}`);
  const window = durationSeconds(m[4]!);
  if (window === undefined) throw new BadData(`1:1: parse error: bad duration syntax: "${m[4]}"`);
  return { by: m[1] ? m[1].split(",").map((s) => s.trim()) : [], name: m[2]!, matchers: parseMatchers(m[3] ?? ""), window };
}

export function parseMatchers(braces: string): Matcher[] {
  const inner = braces.trim().replace(/^\{|\}$/g, "").trim();
  if (inner === "") return [];
  const out: Matcher[] = [];
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let at = 0;
  while (at < inner.length) {
    re.lastIndex = at;
    const m = re.exec(inner);
    if (!m) throw new BadData(`1:1: parse error: unexpected character in label matching: ${JSON.stringify(inner.slice(at))}`);
    out.push({ name: m[1]!, op: m[2] as Matcher["op"], value: JSON.parse(`"${m[3]}"`) as string });
    at = re.lastIndex;
  }
  return out;
}

export function matches(labels: Record<string, string>, matchers: Matcher[]): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? "";
    switch (m.op) {
      case "=":
        return v === m.value;
      case "!=":
        return v !== m.value;
      case "=~":
        return new RegExp(`^(?:${m.value})$`).test(v);
      case "!~":
        return !new RegExp(`^(?:${m.value})$`).test(v);
    }
  });
}

function select(source: SeriesSource, name: string, matchers: Matcher[]): SimSeries[] {
  const all = [{ name: "__name__", op: "=" as const, value: name }, ...matchers];
  return [...source(name, matchers)].filter((s) => matches(s.labels, all));
}

/** increase(s[window]) at t: the slots inside (t − window, t], pro rata; undefined when none is. */
function increaseAt(s: SimSeries, t: number, window: number): number | undefined {
  const from = t - window;
  const first = Math.max(0, Math.floor((from - s.start) / s.slotSeconds));
  const last = Math.min(s.increases.length - 1, Math.ceil((t - s.start) / s.slotSeconds) - 1);
  if (last < first) return undefined;
  let sum = 0;
  let any = false;
  for (let k = first; k <= last; k++) {
    const a = s.start + k * s.slotSeconds;
    const overlap = Math.min(t, a + s.slotSeconds) - Math.max(from, a);
    if (overlap <= 0) continue;
    any = true;
    sum += overlap >= s.slotSeconds ? s.increases[k]! : (s.increases[k]! * overlap) / s.slotSeconds;
  }
  return any ? sum : undefined;
}

/** Prometheus sends sample values as strings (Go's strconv.FormatFloat(v, 'f', -1, 64) for plain numbers). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function evaluateRange(q: ParsedQuery, source: SeriesSource, start: number, end: number, step: number) {
  const groups = new Map<string, { metric: Record<string, string>; values: Map<number, number> }>();
  const times: number[] = [];
  for (let t = start; t <= end; t += step) times.push(t);
  for (const s of select(source, q.name, q.matchers)) {
    const metric = Object.fromEntries(q.by.filter((l) => s.labels[l] !== undefined).map((l) => [l, s.labels[l]!]));
    const key = JSON.stringify(metric);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric, values: new Map() }));
    for (const t of times) {
      const v = increaseAt(s, t, q.window);
      if (v !== undefined) g.values.set(t, (g.values.get(t) ?? 0) + v);
    }
  }
  return [...groups.values()]
    .filter((g) => g.values.size > 0)
    .sort((a, b) => compareLabels(a.metric, b.metric))
    .map((g) => ({ metric: g.metric, values: [...g.values].sort((a, b) => a[0] - b[0]).map(([t, v]) => [t, formatValue(v)] as [number, string]) }));
}

/** `count(last_over_time(<selector>[d]))` and `vector(1)`: what `dora check` asks. */
function evaluateInstant(query: string, source: SeriesSource, time: number) {
  const q = query.trim();
  if (/^vector\(\s*1\s*\)$/.test(q)) return [{ metric: {}, value: [time, "1"] }];
  const m = new RegExp(`^count\\s*\\(\\s*last_over_time\\s*\\(\\s*${SELECTOR}\\s*\\[([0-9a-z]+)\\]\\s*\\)\\s*\\)$`).exec(q);
  if (m) {
    const window = durationSeconds(m[3]!) ?? 0;
    const n = select(source, m[1]!, parseMatchers(m[2] ?? "")).filter((s) => increaseAt(s, time, window) !== undefined).length;
    return n > 0 ? [{ metric: {}, value: [time, String(n)] }] : [];
  }
  const r = parseQuery(q);
  return evaluateRange(r, source, time, time, 1).map((s) => ({ metric: s.metric, value: s.values[0]! }));
}

function compareLabels(a: Record<string, string>, b: Record<string, string>): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    const va = a[ka[i]!]!;
    const vb = b[kb[i]!]!;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return ka.length - kb.length;
}
