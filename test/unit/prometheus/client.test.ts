import { afterEach, describe, expect, it } from "vitest";
import { PrometheusClient, PrometheusError } from "../../../collectors/prometheus/client.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { redact } from "../../../collectors/core/secrets.ts";
import { error, freeClosedPort, matrix, startFake, type FakePrometheus, type Handler } from "./fake-prometheus.ts";

let fake: FakePrometheus | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const QUERY = 'sum by (le) (increase(http_request_duration_seconds_bucket{service="api"}[1h]))';
const RANGE = { query: QUERY, start: 1767225600, end: 1767236400, step: 3600 };
const sleeps: number[] = [];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};

async function client(handler: Handler, options: Partial<ConstructorParameters<typeof PrometheusClient>[0]> = {}) {
  fake = await startFake(handler);
  sleeps.length = 0;
  return new PrometheusClient({ baseUrl: fake.url, sleep, backoffMs: 10, ...options });
}

describe("PrometheusClient", () => {
  it("sends the range as GET parameters with the bearer token and extra headers, and counts requests", async () => {
    const requests = { count: 0 };
    const c = await client(() => matrix([{ metric: { le: "+Inf" }, values: [[1767225600, "3"]] }]), {
      auth: { type: "bearer", token_env: "PROM_TOKEN" },
      headers: { "X-Scope-OrgID": "tenant-1" },
      env: { PROM_TOKEN: "s3cr3t-token-value" },
      requests,
    });
    const result = await c.queryRange(RANGE);
    expect(result.response.data.result[0]!.values).toEqual([[1767225600, "3"]]);
    expect(requests.count).toBe(1);
    const req = fake!.requests[0]!;
    expect(req.path).toBe("/api/v1/query_range");
    expect(req.params).toEqual({ query: QUERY, start: "1767225600", end: "1767236400", step: "3600" });
    expect(req.headers.authorization).toBe("Bearer s3cr3t-token-value");
    expect(req.headers["x-scope-orgid"]).toBe("tenant-1");
    // The token is known to the redactor: it can never reach a log line or a stored error.
    expect(redact("token s3cr3t-token-value")).toBe("token [redacted]");
  });

  it("sends basic auth from two environment variables", async () => {
    const c = await client(() => matrix([]), { auth: { type: "basic", username_env: "PROM_USER", password_env: "PROM_PASSWORD" }, env: { PROM_USER: "dora", PROM_PASSWORD: "hunter2-long" } });
    await c.queryRange(RANGE);
    expect(fake!.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from("dora:hunter2-long").toString("base64")}`);
  });

  it("names the missing environment variable of a secret", async () => {
    await expect(client(() => matrix([]), { auth: { type: "bearer", token_env: "PROM_TOKEN_UNSET" }, env: {} })).rejects.toThrow(/PROM_TOKEN_UNSET is not set/);
  });

  it("takes a base URL with a path prefix or a trailing /api/v1", async () => {
    const c = await client((req) => (req.path === "/prometheus/api/v1/query_range" ? matrix([]) : undefined));
    const prefixed = new PrometheusClient({ baseUrl: `${fake!.url}/prometheus/api/v1/`, sleep });
    await prefixed.queryRange(RANGE);
    expect(prefixed.url("query_range")).toBe(`${fake!.url}/prometheus/api/v1/query_range`);
    expect(c.url("query")).toBe(`${fake!.url}/api/v1/query`);
  });

  it.each([
    [
      "bad_data (400)",
      () => error(400, "bad_data", '1:60: parse error: unexpected "}" in label matching'),
      "bad_data",
      /rejected the query as bad_data: 1:60: parse error[^\n]*\n {2}query: sum by \(le\)/,
    ],
    ["execution (422)", () => error(422, "execution", "many-to-many matching not allowed"), "execution", /cannot be executed: many-to-many matching not allowed\n {2}query: /],
    ["a sample limit (422)", () => error(422, "execution", "query processing would load too many samples into memory in query execution"), "too_large", /refuses a range this large/],
    ["Mimir's query length limit (400)", () => error(400, "bad_data", "the query time range exceeds the limit (query length: 9000h, limit: 768h)"), "too_large", /refuses a range this large/],
    ["timeout (503)", () => error(503, "timeout", "query timed out in expression evaluation"), "timeout", /timed out on the server \(HTTP 503, timeout/],
    ["a gateway timeout (504) without an envelope", () => ({ status: 504, body: "upstream timed out" }), "timeout", /timed out on the server \(HTTP 504: upstream timed out\)/],
    ["unauthorized (401)", () => ({ status: 401, body: "Unauthorized" }), "auth", /HTTP 401 unauthorized; check sources\.prometheus\.auth/],
    ["a wrong base URL (404)", () => undefined, "not_found", /HTTP 404; is sources\.prometheus\.base_url the API root/],
    ["an HTML page with 200", () => ({ body: "<html>login</html>" }), "invalid_response", /not a Prometheus API response/],
  ])("classifies %s and names the URL and the query", async (_name, answer, kind, message) => {
    const c = await client(answer as Handler, { retries: 1 });
    const failure = await c.queryRange(RANGE).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PrometheusError);
    expect((failure as PrometheusError).kind).toBe(kind);
    expect((failure as PrometheusError).message).toMatch(message);
    expect((failure as PrometheusError).message).toContain(`${fake!.url}/api/v1/query_range`);
  });

  it("does not retry a timeout at the same size (the caller shrinks the range)", async () => {
    const requests = { count: 0 };
    const c = await client(() => error(503, "timeout", "query timed out"), { requests });
    await expect(c.queryRange(RANGE)).rejects.toMatchObject({ kind: "timeout", status: 503 });
    expect(requests.count).toBe(1);
  });

  it("retries a 502 and a 500 internal error with back-off, then succeeds", async () => {
    const lines: string[] = [];
    let n = 0;
    const c = await client(
      () => {
        n++;
        if (n === 1) return { status: 502, body: "bad gateway" };
        if (n === 2) return { status: 500, body: { status: "error", errorType: "internal", error: "TSDB not ready" } };
        return matrix([]);
      },
      { log: createLogger({ write: (l) => lines.push(l) }) },
    );
    await c.queryRange(RANGE);
    expect(fake!.requests).toHaveLength(3);
    expect(sleeps).toEqual([10, 20]);
    expect(lines.join("\n")).toMatch(/TSDB not ready; retrying/);
  });

  it("waits for Retry-After on 429", async () => {
    let n = 0;
    const c = await client(() => (++n === 1 ? { status: 429, body: "slow down", headers: { "Retry-After": "3" } } : matrix([])));
    await c.queryRange(RANGE);
    expect(sleeps).toEqual([3000]);
  });

  it("gives up after the configured retries with a message about the base URL when nothing listens", async () => {
    const requests = { count: 0 };
    const port = await freeClosedPort();
    const c = new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 2, backoffMs: 1, sleep, requests });
    await expect(c.queryRange(RANGE)).rejects.toThrow(/cannot connect \(ECONNREFUSED\); is sources\.prometheus\.base_url right/);
    expect(requests.count).toBe(3);
  });

  it("rejects a success answer that is not a matrix", async () => {
    const c = await client(() => ({ body: { status: "success", data: { resultType: "vector", result: [] } } }));
    await expect(c.queryRange(RANGE)).rejects.toThrow(/expected a matrix result/);
  });

  it("reads build info for `dora doctor`", async () => {
    const c = await client((req) => (req.path === "/api/v1/status/buildinfo" ? { body: { status: "success", data: { version: "2.42.0", revision: "abc" } } } : undefined));
    expect(await c.buildInfo()).toMatchObject({ version: "2.42.0" });
  });
});
