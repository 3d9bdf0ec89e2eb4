import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pagerdutySource } from "../../../collectors/pagerduty/index.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import { collect, configFor, daysAgo, SERVICE_ID } from "./helpers.ts";
import { startPagerdutySim } from "../../sim/pagerduty/server.ts";
import { createLogger } from "../../../collectors/core/log.ts";

// A token no other test uses, so finding it anywhere means it leaked.
const SECRET = "pdtok-RECOGNISABLE-5e1f0c2b9a";

describe("pagerduty token handling", () => {
  afterEach(() => {
    delete process.env.PAGERDUTY_TOKEN;
    delete process.env.PAGERDUTY_TOKEN_FILE;
  });

  it("reads PAGERDUTY_TOKEN_FILE and never stores or logs the token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dora-pd-"));
    const sim = await startPagerdutySim({
      token: SECRET,
      incidents: [{ id: "PSEC01", serviceId: SERVICE_ID, title: `token ${SECRET} pasted in a title`, createdAt: daysAgo(2), resolvedAt: daysAgo(2, 1) }],
      faults: [{ path: "/incidents", status: 500, body: { error: { message: `echo ${SECRET}`, code: 2000 } } }],
    });
    try {
      writeFileSync(join(dir, "token"), `${SECRET}\n`);
      process.env.PAGERDUTY_TOKEN_FILE = join(dir, "token");
      await withMemoryWarehouse(async (w) => {
        const lines: string[] = [];
        const { result } = await collect(w, sim, { ownClient: true, lines });
        expect(result.status, result.error).toBe("success");
        expect(await w.one("SELECT count(*) AS n FROM core.incidents")).toEqual({ n: 1 });
        const stored = await w.all<{ text: string }>(
          "SELECT concat_ws(' ', url, params::VARCHAR, body::VARCHAR) AS text FROM raw.pages UNION ALL SELECT coalesce(error, '') FROM sync.runs UNION ALL SELECT concat_ws(' ', title, body) FROM core.incidents",
        );
        expect(stored.length).toBeGreaterThan(2);
        for (const { text } of stored) expect(text).not.toContain(SECRET);
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.join("\n")).not.toContain(SECRET);
      });
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a token the API refuses fails the source naming PAGERDUTY_TOKEN, without the token", async () => {
    const sim = await startPagerdutySim({ token: "another-token" });
    try {
      process.env.PAGERDUTY_TOKEN = SECRET;
      await withMemoryWarehouse(async (w) => {
        const { result } = await collect(w, sim, { ownClient: true });
        expect(result.status).toBe("failure");
        expect(result.error).toMatch(/^pagerduty: the API refused the credentials \(HTTP 401 unauthorized\); check the token in PAGERDUTY_TOKEN/);
        expect(JSON.stringify(result)).not.toContain(SECRET);
      });
    } finally {
      await sim.close();
    }
  });

  it("check() makes one authenticated call for dora doctor", async () => {
    const sim = await startPagerdutySim({ token: SECRET });
    try {
      process.env.PAGERDUTY_TOKEN = SECRET;
      await withMemoryWarehouse(async (w) => {
        const ctx = { config: configFor(sim), log: createLogger({ write: () => undefined }), runId: "r", requests: { count: 0 }, warehouse: w };
        expect(await pagerdutySource.check!(ctx)).toMatch(/token accepted by http:\/\/127\.0\.0\.1:\d+ \(5 abilities\)/);
        expect(ctx.requests.count).toBe(1);
        expect(sim.requests.map((r) => r.path)).toEqual(["/abilities"]);
      });
    } finally {
      await sim.close();
    }
  });

  it("is enabled only with sources.pagerduty and a service listing PagerDuty ids", () => {
    const sim = { url: "http://127.0.0.1:9" };
    expect(pagerdutySource.enabled(configFor(sim))).toBe(true);
    expect(pagerdutySource.enabled(configFor(sim, { api: [] }))).toBe(false);
    expect(pagerdutySource.enabled({ ...configFor(sim), sources: {} })).toBe(false);
  });
});
