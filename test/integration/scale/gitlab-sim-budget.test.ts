import { afterEach, describe, expect, it } from "vitest";
import { startGitlabSim, SIM_TOKEN, type GitlabSim } from "../../sim/gitlab/server.ts";

// The GitLab simulator's enforced budget (used by the scale simulator): past RateLimit-Limit requests in a
// fixed window it answers 429 "Retry later" with Retry-After, as GitLab does, until the window resets.

let sim: GitlabSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const get = (s: GitlabSim) => fetch(`${s.url}/api/v4/version`, { headers: { "private-token": SIM_TOKEN } });

describe("GitLab simulator budget", () => {
  it("spends the window's budget, then refuses with 429 and Retry-After up to the reset", async () => {
    const s = (sim = await startGitlabSim({ rateLimit: 2, rateLimitWindowSeconds: 3600, enforceRateLimit: true }));
    const a = await get(s);
    const b = await get(s);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers.get("ratelimit-remaining")).toBe("0");
    const c = await get(s);
    expect(c.status).toBe(429);
    expect(await c.text()).toBe("Retry later\n");
    const wait = Number(c.headers.get("retry-after"));
    const reset = Number(c.headers.get("ratelimit-reset"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(3600);
    expect(Math.abs(Math.floor(Date.now() / 1000) + wait - reset)).toBeLessThanOrEqual(1);
  });

  it("only sends the headers when the budget is not enforced (the contract tests' default)", async () => {
    const s = (sim = await startGitlabSim({ rateLimit: 1 }));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(s)).status);
    expect(statuses).toEqual([200, 200, 200]);
  });
});
