import { describe, expect, it } from "vitest";
import { serverWaitMs } from "../../../collectors/gitlab/client.ts";
import { finishedAt, isProduction, mapDeploymentStatus } from "../../../collectors/gitlab/deployments.ts";
import { normalizePath } from "../../../collectors/gitlab/context.ts";
import { GitlabDeployment } from "../../../schemas/gitlab.ts";

const NOW = Date.parse("2026-03-01T12:00:00.000Z");

describe("serverWaitMs", () => {
  it.each([
    ["Retry-After seconds", 429, { "retry-after": "30" }, { ms: 30_000, from: "Retry-After" }],
    ["Retry-After as an HTTP date", 429, { "retry-after": "Sun, 01 Mar 2026 12:00:10 GMT" }, { ms: 10_000, from: "Retry-After" }],
    ["Retry-After wins over RateLimit-Reset", 429, { "retry-after": "2", "ratelimit-reset": String(NOW / 1000 + 50) }, { ms: 2000, from: "Retry-After" }],
    ["RateLimit-Reset (Unix seconds) on a 429", 429, { "ratelimit-reset": String(NOW / 1000 + 45) }, { ms: 45_000, from: "RateLimit-Reset" }],
    ["RateLimit-Reset when the quota is spent", 200, { "ratelimit-remaining": "0", "ratelimit-reset": String(NOW / 1000 + 5) }, { ms: 5000, from: "RateLimit-Reset" }],
    ["a reset in the past waits nothing", 429, { "ratelimit-reset": String(NOW / 1000 - 5) }, { ms: 0, from: "RateLimit-Reset" }],
    // GitLab sends RateLimit-Reset on every response: on a 5xx with quota left it is no wait.
    ["RateLimit-Reset on a 502 with quota left", 502, { "ratelimit-remaining": "1999", "ratelimit-reset": String(NOW / 1000 + 50) }, undefined],
    ["no headers", 503, {}, undefined],
  ])("%s", (_name, status, headers, expected) => {
    expect(serverWaitMs(new Headers(headers), status, NOW)).toEqual(expected);
  });
});

describe("mapDeploymentStatus", () => {
  it.each([
    ["success", "success"],
    ["failed", "failure"],
    ["canceled", "cancelled"],
    ["skipped", "cancelled"],
    ["created", "running"],
    ["running", "running"],
    ["blocked", "running"],
    ["something-new", "error"],
  ])("%s → %s", (gitlab, core) => expect(mapDeploymentStatus(gitlab)).toBe(core));
});

describe("isProduction", () => {
  it.each([
    ["production", "live", true],
    ["staging", "staging", false],
    [undefined, "Production", true],
    [null, "prod", true],
    ["development", "review/fix-foo", false],
    [undefined, "production-canary", false],
  ] as const)("tier %s, name %s → %s", (tier, name, expected) => expect(isProduction(tier, name, "^prod(uction)?$")).toBe(expected));
});

describe("finishedAt", () => {
  const base = {
    id: 1,
    sha: "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
    created_at: "2026-01-01T10:00:00.000Z",
    updated_at: "2026-01-01T10:05:00.000Z",
    environment: { id: 9, name: "production" },
  };
  it.each([
    ["top-level finished_at first", { status: "success", finished_at: "2026-01-01T10:04:00Z", deployable: { id: 2, finished_at: "2026-01-01T10:03:00Z" } }, "2026-01-01T10:04:00Z"],
    ["else the job's finished_at", { status: "success", deployable: { id: 2, finished_at: "2026-01-01T10:03:00Z" } }, "2026-01-01T10:03:00Z"],
    ["else updated_at for a finished API deployment", { status: "success", deployable: null }, "2026-01-01T10:05:00.000Z"],
    ["nothing for one still running", { status: "running", deployable: null }, null],
  ])("%s", (_name, extra, expected) => expect(finishedAt(GitlabDeployment.parse({ ...base, ...extra }))).toBe(expected));
});

describe("normalizePath", () => {
  it.each([
    ["acme/payments", "acme/payments"],
    ["/acme/payments/", "acme/payments"],
    ["  acme/platform/ledger ", "acme/platform/ledger"],
  ])("%s → %s", (input, expected) => expect(normalizePath(input)).toBe(expected));
});
