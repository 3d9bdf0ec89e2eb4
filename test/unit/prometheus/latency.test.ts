import { afterEach, describe, expect, it } from "vitest";
import { collectSource, type RunContext } from "../../../collectors/core/runner.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { createPrometheusSource } from "../../../collectors/prometheus/index.ts";
import {
  analyze,
  bucketQuery,
  chunkRanges,
  normalizeSelector,
  parseLe,
  promDuration,
  zonedMidnight,
} from "../../../collectors/prometheus/latency.ts";
import { Config } from "../../../schemas/config.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { error, histogram, matrix, startFake, stepsOf, type FakePrometheus, type Handler } from "./fake-prometheus.ts";

const H = 3600;
// Plan starts 2026-03-02 in Berlin = 2026-03-01T23:00Z; the clock stands at 2026-03-04T00:30Z.
const PLAN_START = Date.UTC(2026, 2, 1, 23) / 1000;
const NOW = new Date(Date.UTC(2026, 2, 4, 0, 30));
const LAST_END = Date.UTC(2026, 2, 4, 0) / 1000; // the last whole hour: 49 hourly steps from 00:00Z on 03-02
const FIRST_END = PLAN_START + H;
const STEPS = (LAST_END - FIRST_END) / H + 1;

let fake: FakePrometheus | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function configFor(url: string, prometheus: Record<string, unknown> = {}, latency: unknown[] = [{ route: "GET /a", metric: "http_request_duration_seconds", selector: '{service="api"}' }]) {
  return Config.parse({
    timezone: "Europe/Berlin",
    plan: { start: "2026-03-02", months: 12 },
    services: { api: { latency } },
    sources: { prometheus: { base_url: url, ...prometheus } },
  });
}

interface Run {
  w: Warehouse;
  lines: string[];
  collect: (config?: Config) => ReturnType<typeof collectSource>;
}

async function withSource(handler: Handler, fn: (run: Run) => Promise<void>, prometheus: Record<string, unknown> = {}, latency?: unknown[]) {
  fake = await startFake(handler);
  const config = configFor(fake.url, prometheus, latency);
  const source = createPrometheusSource({ now: () => NOW, sleep: async () => undefined });
  await withMemoryWarehouse(async (w) => {
    const lines: string[] = [];
    const ctx = (c: Config): RunContext => ({
      config: c,
      log: createLogger({ level: "info", write: (l) => lines.push(l) }),
      runId: "test",
      requests: { count: 0 },
      warehouse: w,
    });
    await fn({ w, lines, collect: (c = config) => collectSource(source, ctx(c)) });
  });
}

const steady = (req: { params: Record<string, string> }) =>
  req.params.query!.includes("_bucket") ? histogram(req.params, () => ({ "0.1": 8, "0.5": 9, "+Inf": 10 })) : undefined;

async function stored(w: Warehouse) {
  return w.all<{ bucket_start: Date; le: number; count: number; bucket_seconds: number; source: string }>(
    "SELECT bucket_start, le, count, bucket_seconds, source FROM core.latency_buckets ORDER BY bucket_start, le",
  );
}

describe("prometheus.latency stream", () => {
  it("asks for the hourly bucket increases from the plan start (Berlin midnight) to the last whole hour", async () => {
    await withSource(steady, async ({ w, collect }) => {
      const result = await collect();
      expect(result.status).toBe("success");
      const req = fake!.requests[0]!;
      expect(req.params).toEqual({
        query: 'sum by (le) (increase(http_request_duration_seconds_bucket{service="api"}[1h]))',
        start: String(FIRST_END),
        end: String(LAST_END),
        step: "3600",
      });
      const rows = await stored(w);
      expect(rows).toHaveLength(STEPS * 3);
      // The evaluation at 00:00Z on 03-02 is the increase over (23:00, 00:00]: bucket_start 23:00Z.
      expect(rows[0]).toMatchObject({ le: 0.1, count: 8, bucket_seconds: 3600, source: "prometheus" });
      expect(rows[0]!.bucket_start.toISOString()).toBe("2026-03-01T23:00:00.000Z");
      expect(rows.at(-1)).toMatchObject({ le: Infinity, count: 10 });
      expect(rows.at(-1)!.bucket_start.toISOString()).toBe("2026-03-03T23:00:00.000Z");
      const cursor = await w.one<{ cursor: string }>("SELECT cursor FROM sync.cursors WHERE stream = 'prometheus.latency'");
      expect(cursor!.cursor).toBe("2026-03-04T00:00:00.000Z");
    });
  });

  it("splits the range into chunks of at most max_points points, without gaps or overlaps", async () => {
    await withSource(
      steady,
      async ({ w, collect }) => {
        await collect();
        const ranges = fake!.requests.map((r) => [Number(r.params.start), Number(r.params.end)] as const);
        expect(ranges).toHaveLength(Math.ceil(STEPS / 20));
        for (const [start, end] of ranges) expect((end - start) / H + 1).toBeLessThanOrEqual(20);
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1] + H);
        expect(ranges[0]![0]).toBe(FIRST_END);
        expect(ranges.at(-1)![1]).toBe(LAST_END);
        expect((await stored(w)).length).toBe(STEPS * 3);
        // One raw page per chunk, cursor moved with each.
        expect((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM raw.pages"))!.n).toBe(ranges.length);
      },
      { max_points: 20 },
    );
  });

  it("retries a timed-out range in halves until the server answers", async () => {
    // The server times out on anything longer than 10 points.
    const handler: Handler = (req) => (stepsOf(req.params).length > 10 ? error(503, "timeout", "query timed out in expression evaluation") : steady(req));
    await withSource(handler, async ({ w, lines, collect }) => {
      const result = await collect();
      expect(result.status).toBe("success");
      expect((await stored(w)).length).toBe(STEPS * 3);
      expect(lines.join("\n")).toMatch(/query timed out over 49 steps; retrying as two smaller ranges/);
      const answered = fake!.requests.filter((r) => stepsOf(r.params).length <= 10);
      expect(answered.reduce((n, r) => n + stepsOf(r.params).length, 0)).toBe(STEPS);
    });
  });

  it("retries in halves when the server says the range loads too many samples (422 execution)", async () => {
    const handler: Handler = (req) =>
      stepsOf(req.params).length > 20 ? error(422, "execution", "query processing would load too many samples into memory in query execution") : steady(req);
    await withSource(handler, async ({ w, lines, collect }) => {
      expect((await collect()).status).toBe("success");
      expect((await stored(w)).length).toBe(STEPS * 3);
      expect(lines.join("\n")).toMatch(/query was too large for the server over 49 steps; retrying as two smaller ranges/);
    });
  });

  it("fails with the query and a hint when even one step times out", async () => {
    await withSource(
      () => error(503, "timeout", "query timed out"),
      async ({ w, collect }) => {
        const result = await collect();
        expect(result.status).toBe("failure");
        expect(result.error).toMatch(/failed even for a single step: raise the server's query timeout or limits, or narrow the selector/);
        expect(result.error).toContain("http_request_duration_seconds_bucket");
        expect(await stored(w)).toHaveLength(0);
      },
      { max_points: 2 },
    );
  });

  it("stops on bad_data with the query and the config key, keeping nothing and no cursor", async () => {
    await withSource(
      () => error(400, "bad_data", '1:58: parse error: unexpected character inside braces: \'"\''),
      async ({ w, collect }) => {
        const result = await collect();
        expect(result.status).toBe("failure");
        expect(result.error).toContain("rejected the query as bad_data: 1:58: parse error");
        expect(result.error).toContain("query: sum by (le) (increase(http_request_duration_seconds_bucket{service=\"api\"}[1h]))");
        expect(result.error).toContain('configured at services.api.latency[0]: metric "http_request_duration_seconds"');
        expect(await stored(w)).toHaveLength(0);
        expect(await w.all("SELECT * FROM sync.cursors")).toHaveLength(0);
      },
    );
  });

  it("logs the server's warnings and infos with the key path, and keeps the data", async () => {
    const handler: Handler = (req) => {
      const answer = steady(req)!;
      (answer.body as Record<string, unknown>).warnings = ['PromQL warning: bucket label "le" is missing or has a malformed value of "" (1:25)'];
      (answer.body as Record<string, unknown>).infos = ["PromQL info: input to histogram_quantile needed to be fixed for monotonicity"];
      return answer;
    };
    await withSource(handler, async ({ w, lines, collect }) => {
      expect((await collect()).status).toBe("success");
      const log = lines.join("\n");
      expect(log).toMatch(/warn: Prometheus warning for services\.api\.latency\[0\]: PromQL warning: bucket label "le" is missing/);
      expect(log).toMatch(/Prometheus info for services\.api\.latency\[0\]: PromQL info: input to histogram_quantile/);
      expect((await stored(w)).length).toBe(STEPS * 3);
      const raw = await w.one<{ body: string }>("SELECT body::VARCHAR AS body FROM raw.pages");
      expect(raw!.body).toContain("PromQL warning");
    });
  });

  it("takes the total from _count when the +Inf bucket is missing, and leaves out steps with neither", async () => {
    const noInfAt = FIRST_END + 3 * H; // only this step lacks +Inf; _count has it
    const nothingAt = FIRST_END + 5 * H; // lacks +Inf and _count
    const handler: Handler = (req) => {
      if (req.params.query!.includes("_bucket")) {
        return histogram(req.params, (t): Record<string, number> => (t === noInfAt || t === nothingAt ? { "0.1": 4, "0.5": 6 } : { "0.1": 8, "0.5": 9, "+Inf": 10 }));
      }
      if (req.params.query === 'sum(increase(http_request_duration_seconds_count{service="api"}[1h]))') {
        return matrix([{ metric: {}, values: stepsOf(req.params).filter((t) => t !== nothingAt).map((t): [number, string] => [t, t === noInfAt ? "7" : "10"]) }]);
      }
      return undefined;
    };
    await withSource(handler, async ({ w, lines, collect }) => {
      expect((await collect()).status).toBe("success");
      const rows = await stored(w);
      const at = (t: number) => rows.filter((r) => r.bucket_start.getTime() === (t - H) * 1000).map((r) => [r.le, r.count]);
      expect(at(noInfAt)).toEqual([
        [0.1, 4],
        [0.5, 6],
        [Infinity, 7],
      ]);
      expect(at(nothingAt)).toEqual([]);
      expect(rows).toHaveLength((STEPS - 1) * 3);
      const log = lines.join("\n");
      expect(log).toMatch(/has no \+Inf bucket at some steps; took the total from http_request_duration_seconds_count/);
      expect(log).toMatch(/1 step\(s\) have neither a \+Inf bucket nor http_request_duration_seconds_count; they are left out/);
      expect(fake!.requests.filter((r) => r.params.query!.includes("_count"))).toHaveLength(1);
    });
  });

  it("adds up series whose le labels are the same number ('1' and '1.0' after a Prometheus 3 upgrade)", async () => {
    const handler: Handler = (req) =>
      req.params.query!.includes("_bucket")
        ? matrix([
            { metric: { le: "1" }, values: stepsOf(req.params).map((t): [number, string] => [t, "3"]) },
            { metric: { le: "1.0" }, values: stepsOf(req.params).map((t): [number, string] => [t, "4"]) },
            { metric: { le: "+Inf" }, values: stepsOf(req.params).map((t): [number, string] => [t, "9"]) },
          ])
        : undefined;
    await withSource(handler, async ({ w, collect }) => {
      await collect();
      const first = (await stored(w)).slice(0, 2).map((r) => [r.le, r.count]);
      expect(first).toEqual([
        [1, 7],
        [Infinity, 9],
      ]);
    });
  });

  it("stores counts that fall with le as returned (a counter reset under sum by (le)) and says so", async () => {
    const handler: Handler = (req) => (req.params.query!.includes("_bucket") ? histogram(req.params, () => ({ "0.1": 40, "0.5": 38, "+Inf": 60 })) : undefined);
    await withSource(handler, async ({ w, lines, collect }) => {
      await collect();
      expect((await stored(w)).slice(0, 3).map((r) => r.count)).toEqual([40, 38, 60]);
      expect(lines.join("\n")).toMatch(/49 step\(s\) have bucket counts that fall as le grows .* running maximum, as histogram_quantile does/);
    });
  });

  it("resumes from the cursor minus the overlap on the next run", async () => {
    await withSource(
      steady,
      async ({ w, collect }) => {
        await collect();
        fake!.requests.length = 0;
        await w.run("UPDATE sync.cursors SET cursor = '2026-03-03T12:00:00.000Z'");
        await collect();
        // cursor 12:00Z − 2 h overlap = 10:00Z: the first bucket asked for is (10:00, 11:00].
        expect(fake!.requests.map((r) => [r.params.start, r.params.end])).toEqual([[String(Date.UTC(2026, 2, 3, 11) / 1000), String(LAST_END)]]);
      },
      { overlap_hours: 2 },
    );
  });

  it("does not move the cursor over chunks without series, so a fixed metric name still gets its history", async () => {
    let known = false;
    const handler: Handler = (req) => (known ? steady(req) : req.params.query!.includes("_bucket") ? matrix([]) : undefined);
    await withSource(handler, async ({ w, collect }) => {
      expect((await collect()).status).toBe("success");
      expect(await w.all("SELECT * FROM sync.cursors")).toHaveLength(0);
      known = true;
      fake!.requests.length = 0;
      await collect();
      expect(fake!.requests[0]!.params.start).toBe(String(FIRST_END));
      expect((await stored(w)).length).toBe(STEPS * 3);
    });
  });

  it("re-collects from the start when the key path's selector changes (a new partition)", async () => {
    await withSource(steady, async ({ w, collect }) => {
      await collect();
      fake!.requests.length = 0;
      const changed = configFor(fake!.url, {}, [{ route: "GET /a", metric: "http_request_duration_seconds", selector: '{service="api",env="prod"}' }]);
      await collect(changed);
      expect(fake!.requests[0]!.params).toMatchObject({ start: String(FIRST_END), query: expect.stringContaining('env="prod"') });
      const partitions = await w.all<{ partition: string }>("SELECT partition FROM sync.cursors ORDER BY partition");
      expect(partitions).toHaveLength(2);
      for (const p of partitions) expect(p.partition).toMatch(/^api:GET \/a#[0-9a-f]{8}$/);
    });
  });

  it("sends the configured extra query parameters (Thanos partial_response=false)", async () => {
    await withSource(
      steady,
      async ({ collect }) => {
        await collect();
        expect(fake!.requests[0]!.params.partial_response).toBe("false");
      },
      { query_params: { partial_response: "false" } },
    );
  });

  it("names the config key of a selector it cannot use, before asking the server", async () => {
    await withSource(
      steady,
      async ({ collect }) => {
        const result = await collect();
        expect(result.status).toBe("failure");
        expect(result.error).toMatch(/services\.api\.latency\[0\]\.selector: must not match on "le"/);
        expect(fake!.requests).toHaveLength(0);
      },
      {},
      [{ route: "GET /a", metric: "http_request_duration_seconds", selector: '{service="api",le="0.5"}' }],
    );
  });

  it("puts hourly steps on local midnights where the zone's offset is not whole hours (Asia/Kolkata, +5:30)", async () => {
    fake = await startFake(steady);
    const config = Config.parse({
      timezone: "Asia/Kolkata",
      plan: { start: "2026-03-02", months: 12 },
      services: { api: { latency: [{ route: "GET /a", metric: "http_request_duration_seconds" }] } },
      sources: { prometheus: { base_url: fake.url } },
    });
    await withMemoryWarehouse(async (w) => {
      const source = createPrometheusSource({ now: () => NOW, sleep: async () => undefined });
      await collectSource(source, { config, log: createLogger({ write: () => undefined }), runId: "t", requests: { count: 0 }, warehouse: w });
      // 2026-03-02 00:00 in Kolkata = 2026-03-01T18:30Z; first step ends 19:30Z; last whole step before 00:28Z is 23:30Z.
      expect(fake!.requests[0]!.params).toMatchObject({ start: String(Date.UTC(2026, 2, 1, 19, 30) / 1000), end: String(Date.UTC(2026, 2, 3, 23, 30) / 1000) });
      const first = await w.one<{ bucket_start: Date }>("SELECT min(bucket_start) AS bucket_start FROM core.latency_buckets");
      expect(first!.bucket_start.toISOString()).toBe("2026-03-01T18:30:00.000Z");
    });
  });

  it("uses 5-minute buckets when step_seconds is 300", async () => {
    await withSource(
      (req) => (req.params.query!.includes("_bucket") ? histogram(req.params, () => ({ "0.1": 1, "+Inf": 1 })) : undefined),
      async ({ w, collect }) => {
        await collect();
        expect(fake!.requests[0]!.params.query).toContain("[5m]");
        expect(fake!.requests[0]!.params.step).toBe("300");
        const rows = await stored(w);
        expect(rows[0]!.bucket_seconds).toBe(300);
      },
      { step_seconds: 300 },
    );
  });
});

describe("prometheus source", () => {
  it("is enabled only with sources.prometheus and a key path that names a metric", () => {
    const source = createPrometheusSource();
    const base = { plan: { start: "2026-03-02" } };
    expect(source.enabled(Config.parse({ ...base, services: { api: { latency: [{ route: "x", metric: "m" }] } }, sources: { prometheus: {} } }))).toBe(true);
    expect(source.enabled(Config.parse({ ...base, services: { api: { latency: [{ route: "x" }] } }, sources: { prometheus: {} } }))).toBe(false);
    expect(source.enabled(Config.parse({ ...base, services: { api: { latency: [{ route: "x", metric: "m" }] } } }))).toBe(false);
  });

  it("checks the server for `dora doctor` with buildinfo, or a trivial query where there is none, and that each key path has series", async () => {
    for (const [hasBuildInfo, hasSeries, expected] of [
      [true, true, /version 2\.42\.0; 1 key path with series/],
      [false, true, /query API answers; 1 key path with series/],
      [true, false, /but check the metric and selector of services\.api\.latency\[0\]: no http_request_duration_seconds_bucket\{service="api"\} series in the last day/],
    ] as const) {
      fake = await startFake((req) => {
        if (req.path === "/api/v1/status/buildinfo" && hasBuildInfo) return { body: { status: "success", data: { version: "2.42.0" } } };
        if (req.path === "/api/v1/query" && req.params.query === "vector(1)") return { body: { status: "success", data: { resultType: "vector", result: [] } } };
        if (req.path === "/api/v1/query" && req.params.query === 'count(last_over_time(http_request_duration_seconds_bucket{service="api"}[1d]))') {
          return { body: { status: "success", data: { resultType: "vector", result: hasSeries ? [{ metric: {}, value: [1, "12"] }] : [] } } };
        }
        return undefined;
      });
      const check = withMemoryWarehouse((w) =>
        createPrometheusSource().check!({ config: configFor(fake!.url), log: createLogger({ write: () => undefined }), runId: "doctor", requests: { count: 0 }, warehouse: w }),
      );
      if (hasSeries) expect(await check).toMatch(expected);
      else await expect(check).rejects.toThrow(expected);
      await fake.close();
      fake = undefined;
    }
  });
});

describe("latency helpers", () => {
  it("chunks a long range under the API's 11,000-point check ((end − start) / step ≤ 11,000)", () => {
    const chunks = chunkRanges(0, 19_999 * H, H, 11_000);
    expect(chunks).toEqual([
      [0, 10_999 * H],
      [11_000 * H, 19_999 * H],
    ]);
    for (const [a, b] of chunks) expect((b - a) / H).toBeLessThanOrEqual(11_000);
    expect(chunkRanges(5 * H, 4 * H, H, 100)).toEqual([]);
  });

  it.each([
    ["", ""],
    ["{}", ""],
    ['{service="api"}', '{service="api"}'],
    ['service="api", route=~"/pay.*"', '{service="api", route=~"/pay.*"}'],
  ])("normalizes the selector %j", (input, output) => {
    expect(normalizeSelector(input, "x")).toBe(output);
  });

  it("rejects a selector it cannot place in a query", () => {
    expect(() => normalizeSelector('{service="api"', "services.api.latency[0].selector")).toThrow(/services\.api\.latency\[0\]\.selector: expected label matchers in braces/);
  });

  it.each([
    ["+Inf", Infinity],
    ["Inf", Infinity],
    ["0.25", 0.25],
    ["1.0", 1],
    ["1e-3", 0.001],
    ["abc", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("parses le %j", (le, value) => {
    expect(parseLe(le)).toBe(value);
  });

  it("builds the documented queries and durations", () => {
    expect(promDuration(3600)).toBe("1h");
    expect(promDuration(900)).toBe("15m");
    expect(promDuration(90)).toBe("90s");
    expect(bucketQuery({ metric: "db_query_duration_seconds", selector: "" }, 3600)).toBe("sum by (le) (increase(db_query_duration_seconds_bucket[1h]))");
  });

  it("finds local midnight across DST (Berlin: UTC+1 in winter, UTC+2 in summer)", () => {
    expect(new Date(zonedMidnight("2026-01-15", "Europe/Berlin")).toISOString()).toBe("2026-01-14T23:00:00.000Z");
    expect(new Date(zonedMidnight("2026-07-15", "Europe/Berlin")).toISOString()).toBe("2026-07-14T22:00:00.000Z");
    expect(new Date(zonedMidnight("2026-03-29", "Europe/Berlin")).toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(new Date(zonedMidnight("2026-07-15", "America/New_York")).toISOString()).toBe("2026-07-15T04:00:00.000Z");
  });

  it("flags a step whose counts fall with le and fills +Inf from _count", () => {
    const q = (result: { metric: Record<string, string>; values: [number, string][] }[]) => ({
      query: "q",
      start: 3600,
      end: 7200,
      step: 3600,
      response: { status: "success" as const, data: { resultType: "matrix" as const, result } },
    });
    const found = analyze({
      buckets: q([
        { metric: { le: "0.1" }, values: [[3600, "5"], [7200, "NaN"]] },
        { metric: { le: "0.5" }, values: [[3600, "4"], [7200, "2"]] },
        { metric: {}, values: [[3600, "1"]] },
      ]),
      count: q([{ metric: {}, values: [[3600, "9"], [7200, "3"]] }]),
    });
    expect(found.nonMonotonic).toEqual([3600]);
    expect(found.filledFromCount).toBe(2);
    expect(found.skippedSeries).toBe(1);
    expect(found.skippedValues).toBe(1);
    expect([...found.steps.get(7200)!]).toEqual([
      [0.5, 2],
      [Infinity, 3],
    ]);
  });
});
