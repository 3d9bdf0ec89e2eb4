import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../collectors/core/log.ts";
import { AttemptFailed, RateLimitGate, numberHeader, retryAfterMs, withRetries, type RetryPolicy } from "../../collectors/core/retry.ts";

/** One scripted answer per request, in order; the last one repeats. */
interface Answer {
  status: number;
  headers?: Record<string, string>;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(answers: Answer[]): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((_req, res) => {
    const answer = answers[Math.min(hits, answers.length - 1)]!;
    hits++;
    res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
    res.end(answer.status < 300 ? "ok" : `status ${answer.status}`);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, hits: () => hits };
}

const POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250, maxServerWaitMs: 60_000 };
const RETRY = new Set([429, 500, 502, 503, 504]);

/** A client as the collectors write one: fetch, then hand every non-2xx to the policy. */
function client(policy: RetryPolicy = POLICY) {
  const sleeps: number[] = [];
  const lines: string[] = [];
  const run = { label: "GET /", log: createLogger({ write: (l) => lines.push(l) }), sleep: async (ms: number) => void sleeps.push(ms) };
  const get = (url: string) =>
    withRetries(policy, run, async () => {
      const response = await fetch(url);
      const body = await response.text();
      if (response.ok) return body;
      const wait = retryAfterMs(response.headers);
      return new AttemptFailed(
        `HTTP ${response.status}`,
        RETRY.has(response.status),
        ({ attempts, tooLong }) => new Error(tooLong ? `asked to wait ${tooLong.ms} ms` : `HTTP ${response.status} after ${attempts} attempts`),
        wait === undefined ? undefined : { ms: wait, from: "Retry-After" },
      );
    });
  return { get, sleeps, lines };
}

describe("retry policy against a local HTTP server", () => {
  it("waits the seconds Retry-After names, then succeeds", async () => {
    const s = await serve([{ status: 429, headers: { "retry-after": "7" } }, { status: 200 }]);
    const c = client();
    expect(await c.get(s.url)).toBe("ok");
    expect(c.sleeps).toEqual([7000]);
    expect(s.hits()).toBe(2);
    expect(c.lines.join("\n")).toMatch(/GET \/: HTTP 429; retrying in 7000 ms, attempt 2 of 4 \(Retry-After\)/);
  });

  it("waits until the HTTP date Retry-After names", async () => {
    // HTTP dates are whole seconds: the wait is the 30 s asked for, less the part of a second cut off.
    const at = new Date(Date.now() + 30_000).toUTCString();
    const s = await serve([{ status: 503, headers: { "retry-after": at } }, { status: 200 }]);
    const c = client();
    expect(await c.get(s.url)).toBe("ok");
    expect(c.sleeps).toHaveLength(1);
    expect(c.sleeps[0]).toBeGreaterThan(25_000);
    expect(c.sleeps[0]).toBeLessThanOrEqual(30_000);
  });

  it("backs off base × 2^(n−1), capped, and stops after the last attempt with that failure's error", async () => {
    const s = await serve([{ status: 503 }]);
    const c = client();
    await expect(c.get(s.url)).rejects.toThrow("HTTP 503 after 4 attempts");
    expect(s.hits()).toBe(4);
    expect(c.sleeps).toEqual([100, 200, 250]);
  });

  it.each([400, 401, 403, 404, 422])("does not retry HTTP %i", async (status) => {
    const s = await serve([{ status }]);
    const c = client();
    await expect(c.get(s.url)).rejects.toThrow(`HTTP ${status} after 1 attempts`);
    expect(s.hits()).toBe(1);
    expect(c.sleeps).toEqual([]);
  });

  it("a server wait beyond maxServerWaitMs fails at once, naming the wait, instead of sleeping", async () => {
    const s = await serve([{ status: 429, headers: { "retry-after": "3600" } }, { status: 200 }]);
    const c = client();
    await expect(c.get(s.url)).rejects.toThrow("asked to wait 3600000 ms");
    expect(s.hits()).toBe(1);
    expect(c.sleeps).toEqual([]);
  });

  it("one attempt in all means no retry", async () => {
    const s = await serve([{ status: 500 }, { status: 200 }]);
    const c = client({ ...POLICY, attempts: 1 });
    await expect(c.get(s.url)).rejects.toThrow("HTTP 500 after 1 attempts");
    expect(s.hits()).toBe(1);
  });
});

describe("header readers", () => {
  const NOW = Date.parse("2026-03-01T12:00:00Z");
  it.each([
    ["120", 120_000],
    [" 0 ", 0],
    ["Sun, 01 Mar 2026 12:00:10 GMT", 10_000],
    ["Sun, 01 Mar 2026 11:59:00 GMT", 0],
    ["soon", undefined],
    ["", undefined],
  ])("Retry-After %j → %s ms", (value, ms) => {
    expect(retryAfterMs(new Headers({ "retry-after": value }), NOW)).toBe(ms);
  });

  it("numberHeader reads non-negative numbers only", () => {
    const h = new Headers({ a: "12", b: "-1", c: "x", d: " " });
    expect(["a", "b", "c", "d", "e"].map((n) => numberHeader(h, n))).toEqual([12, undefined, undefined, undefined, undefined]);
  });
});

describe("RateLimitGate", () => {
  it("holds the next request until a spent window resets, and not after", async () => {
    const sleeps: number[] = [];
    const gate = new RateLimitGate("Test", undefined, async (ms) => void sleeps.push(ms));
    await gate.pass();
    gate.closeUntil(Date.now() + 60_000);
    await gate.pass();
    await gate.pass();
    gate.closeUntil(Date.now() - 1);
    await gate.pass();
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(50_000);
    expect(sleeps[0]).toBeLessThanOrEqual(60_000);
  });
});
