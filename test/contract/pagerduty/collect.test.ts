import { describe, expect, it } from "vitest";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import type { SimIncident } from "../../sim/pagerduty/server.ts";
import { SERVICE_ID, collect, daysAgo, incidentRows, spread, withSim } from "./helpers.ts";

const iso = (s: string) => new Date(s).toISOString();

describe("pagerduty collector against the simulator (real pdjs over HTTP)", () => {
  it("takes the first acknowledgement and the resolve log entry, keeps open incidents open, and puts refs in the row", async () => {
    const incidents: SimIncident[] = [
      {
        id: "PACK2X",
        serviceId: SERVICE_ID,
        title: "Checkout 500s after deploy github:deployment:acme/payments-api:991",
        description: "Errors started after commit 3f9a2c1d was rolled out, see https://github.com/acme/payments-api/pull/12",
        createdAt: daysAgo(3),
        urgency: "high",
        priority: "P1",
        // acknowledged, timed out, acknowledged again: MTTA uses the first
        acknowledgedAt: [daysAgo(3, 0.1), daysAgo(3, 0.9)],
        resolvedAt: daysAgo(3, 2),
        notes: [{ at: daysAgo(3, 1.5), text: "Reverted in #345, root cause in a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" }],
      },
      { id: "POPEN1", serviceId: SERVICE_ID, title: "Disk filling", createdAt: daysAgo(2), urgency: "low", acknowledgedAt: [daysAgo(2, 0.25)] },
      { id: "PTRIG1", serviceId: SERVICE_ID, title: "Latency alert", createdAt: daysAgo(1) },
      {
        id: "PACKV2",
        serviceId: SERVICE_ID,
        title: "Queue backlog",
        createdAt: daysAgo(4),
        acknowledgedAt: [daysAgo(4, 0.5)],
        ackType: "acknowledgement_log_entry",
        resolvedAt: daysAgo(4, 3),
      },
      // another service in the same account: not ours
      { id: "POTHER", serviceId: "PSVC999", title: "Not ours", createdAt: daysAgo(2), resolvedAt: daysAgo(2, 1) },
    ];
    await withSim({ incidents }, async (sim) =>
      withMemoryWarehouse(async (w) => {
        const { result } = await collect(w, sim);
        expect(result.status, result.error).toBe("success");
        const rows = await w.all<Record<string, unknown>>("SELECT * FROM core.incidents ORDER BY incident_id");
        expect(rows.map((r) => r.incident_id)).toEqual([
          "pagerduty:incident:PACK2X",
          "pagerduty:incident:PACKV2",
          "pagerduty:incident:POPEN1",
          "pagerduty:incident:PTRIG1",
        ]);
        const byId = Object.fromEntries(rows.map((r) => [String(r.incident_id).split(":")[2], r]));
        const ack2 = byId.PACK2X!;
        expect(ack2).toMatchObject({ source: "pagerduty", service: "payments-api", status: "resolved", urgency: "high", priority: "P1" });
        expect((ack2.created_at as Date).toISOString()).toBe(iso(daysAgo(3)));
        expect((ack2.acknowledged_at as Date).toISOString()).toBe(iso(daysAgo(3, 0.1)));
        expect((ack2.resolved_at as Date).toISOString()).toBe(iso(daysAgo(3, 2)));
        expect(ack2.body).toContain("Reverted in #345");
        expect(ack2.refs).toEqual([
          "github:deployment:acme/payments-api:991",
          "3f9a2c1d",
          "https://github.com/acme/payments-api/pull/12",
          "#345",
          "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        ]);
        expect((byId.PACKV2!.acknowledged_at as Date).toISOString()).toBe(iso(daysAgo(4, 0.5)));
        expect(byId.POPEN1).toMatchObject({ status: "acknowledged", resolved_at: null });
        expect((byId.POPEN1!.acknowledged_at as Date).toISOString()).toBe(iso(daysAgo(2, 0.25)));
        expect(byId.PTRIG1).toMatchObject({ status: "triggered", resolved_at: null, acknowledged_at: null });
        // log entries were read account-wide, not per incident
        expect(sim.requests.filter((r) => /^\/incidents\/[^/]+\/log_entries$/.test(r.path))).toHaveLength(0);
        expect(sim.requests.find((r) => r.path === "/log_entries")?.query.is_overview).toBe("true");
      }),
    );
  });

  it("collects a service with more than 10,000 incidents in a year completely without reaching the offset cap", async () => {
    // 10,500 in one month (one 180-day window would hold them all) and 1,500 over the rest of the year
    const incidents = [...spread(10_500, 200, 170, "PB"), ...spread(1_500, 360, 1, "PS")];
    await withSim({ incidents }, async (sim) =>
      withMemoryWarehouse(async (w) => {
        const planStart = new Date(Date.now() - 365 * 24 * 3600_000).toISOString().slice(0, 10);
        const { configFor } = await import("./helpers.ts");
        const { result, ctx } = await collect(w, sim, { config: configFor(sim, undefined, planStart) });
        expect(result.status, result.error).toBe("success");
        const count = await w.one<{ n: number; resolved: number }>(
          "SELECT count(*) AS n, count(resolved_at) AS resolved FROM core.incidents WHERE service = 'payments-api'",
        );
        expect(count).toEqual({ n: 12_000, resolved: 12_000 });
        expect(sim.state.counts.offsetCapErrors).toBe(0);
        const paged = sim.requests.filter((r) => r.query.offset !== undefined);
        expect(Math.max(...paged.map((r) => Number(r.query.offset) + Number(r.query.limit)))).toBeLessThanOrEqual(10_000);
        expect(sim.requests.every((r) => r.status === 200)).toBe(true);
        // every request the sim saw was counted
        expect(ctx.requests.count).toBe(sim.requests.length);
      }),
    );
    // ~370 requests, each page written in its own transaction: slow on a shared 2-core machine
  }, 240_000);

  it("waits for ratelimit-reset after a 429 and loses nothing", async () => {
    const incidents = spread(450, 30, 1, "PR");
    await withSim(
      { incidents, rateLimit: { limit: 1000, windowMs: 1000 }, faults: [{ path: "/incidents", status: 429, after: 2, exhaustWindow: true }] },
      async (sim) =>
        withMemoryWarehouse(async (w) => {
          const { result, ctx } = await collect(w, sim);
          expect(result.status, result.error).toBe("success");
          expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.incidents"))?.n).toBe(450);
          expect(sim.state.counts.rateLimited).toBe(1);
          // no request came in before the window reset
          expect(sim.state.counts.earlyAfterRateLimit).toBe(0);
          expect(ctx.requests.count).toBe(sim.requests.length);
        }),
    );
  });

  it("waits when ratelimit-remaining reaches 0 instead of running into a 429", async () => {
    const incidents = spread(250, 20, 1, "PW");
    await withSim({ incidents, rateLimit: { limit: 3, windowMs: 1000 } }, async (sim) =>
      withMemoryWarehouse(async (w) => {
        const { result } = await collect(w, sim);
        expect(result.status, result.error).toBe("success");
        expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.incidents"))?.n).toBe(250);
        expect(sim.requests.length).toBeGreaterThan(3);
        expect(sim.state.counts.rateLimited).toBe(0);
      }),
    );
  });

  it("retries 5xx answers (JSON and HTML bodies) and counts every request", async () => {
    const incidents = spread(230, 20, 1, "PX");
    await withSim(
      {
        incidents,
        faults: [
          { path: "/incidents", status: 500, times: 2, after: 1 },
          { path: "/log_entries", status: 502, body: "<html>Bad Gateway</html>", headers: { "content-type": "text/html" } },
        ],
      },
      async (sim) =>
        withMemoryWarehouse(async (w) => {
          const { result, ctx } = await collect(w, sim);
          expect(result.status, result.error).toBe("success");
          expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.incidents"))?.n).toBe(230);
          expect(sim.requests.filter((r) => r.status >= 500)).toHaveLength(3);
          expect(ctx.requests.count).toBe(sim.requests.length);
          expect(result.requests).toBe(sim.requests.length);
        }),
    );
  });

  it("stops on a malformed incident with a message naming it, keeps what was stored, and completes once fixed", async () => {
    const incidents = spread(150, 20, 1, "PM");
    incidents[120]!.override = { created_at: "yesterday" };
    await withSim({ incidents }, async (sim) =>
      withMemoryWarehouse(async (w) => {
        const lines: string[] = [];
        const { result } = await collect(w, sim, { lines });
        expect(result.status).toBe("failure");
        expect(result.error).toContain("pagerduty.incidents");
        expect(result.error).toContain("PM000120");
        expect(result.error).toContain("created_at");
        expect(lines.join("\n")).toContain("PM000120");
        // the first page (100 incidents) is kept, and the bad page is stored raw for diagnosis
        expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.incidents"))?.n).toBe(100);
        const raw = await w.one<{ n: number }>("SELECT count(*) AS n FROM raw.pages WHERE stream = 'pagerduty.incidents' AND body::VARCHAR LIKE '%yesterday%'");
        expect(raw?.n).toBe(1);
        const run = await w.one<{ status: string; error: string }>("SELECT status, error FROM sync.runs WHERE source = 'pagerduty'");
        expect(run?.status).toBe("failure");

        sim.state.update("PM000120", { override: undefined });
        const second = await collect(w, sim);
        expect(second.result.status, second.result.error).toBe("success");
        expect((await w.one<{ n: number }>("SELECT count(*) AS n FROM core.incidents"))?.n).toBe(150);
      }),
    );
  });

  it("changes no row on a second run with nothing new", async () => {
    const incidents: SimIncident[] = [
      ...spread(120, 30, 2, "PN"),
      { id: "PNOPEN", serviceId: SERVICE_ID, title: "Still open", createdAt: daysAgo(1), acknowledgedAt: [daysAgo(1, 0.5)] },
    ];
    await withSim({ incidents }, async (sim) =>
      withMemoryWarehouse(async (w) => {
        expect((await collect(w, sim)).result.status).toBe("success");
        const before = await incidentRows(w);
        const cursors = await w.all("SELECT stream, partition, cursor FROM sync.cursors ORDER BY ALL");
        const firstRunRequests = sim.requests.length;
        const { result } = await collect(w, sim);
        expect(result.status, result.error).toBe("success");
        expect(await incidentRows(w)).toEqual(before);
        expect(await w.all("SELECT stream, partition, cursor FROM sync.cursors ORDER BY ALL")).toEqual(cursors);
        // the second run reads only the overlap: one log window and one incident window
        expect(sim.requests.length - firstRunRequests).toBe(2);
        expect(before.find((r) => r.incident_id === "pagerduty:incident:PNOPEN")).toMatchObject({ status: "acknowledged", resolved_at: null });
      }),
    );
  });

  it("picks up, on the next run, the resolution of an incident created long before the cursor", async () => {
    const incidents: SimIncident[] = [
      { id: "PLATE1", serviceId: SERVICE_ID, title: "Slow burn", createdAt: daysAgo(6), acknowledgedAt: [daysAgo(6, 1)] },
      ...spread(20, 5, 1, "PL"),
    ];
    await withSim({ incidents }, async (sim) =>
      withMemoryWarehouse(async (w) => {
        expect((await collect(w, sim)).result.status).toBe("success");
        const open = await w.one<Record<string, unknown>>("SELECT * FROM core.incidents WHERE incident_id = 'pagerduty:incident:PLATE1'");
        expect(open).toMatchObject({ status: "acknowledged", resolved_at: null });
        const cursor = await w.one<{ cursor: string }>("SELECT cursor FROM sync.cursors WHERE stream = 'pagerduty.incidents'");
        // created well before the cursor minus the one-day overlap: the incident list will not return it
        expect(Date.parse(cursor!.cursor) - 24 * 3600_000).toBeGreaterThan(Date.parse(daysAgo(6)));

        const resolvedAt = new Date(Date.now() - 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
        sim.state.update("PLATE1", { resolvedAt });
        const firstRun = sim.requests.length;
        const { result } = await collect(w, sim);
        expect(result.status, result.error).toBe("success");
        const row = await w.one<Record<string, unknown>>("SELECT * FROM core.incidents WHERE incident_id = 'pagerduty:incident:PLATE1'");
        expect(row?.status).toBe("resolved");
        expect((row?.resolved_at as Date).toISOString()).toBe(iso(resolvedAt));
        // and the first acknowledgement, stored by the first run, is still there
        expect((row?.acknowledged_at as Date).toISOString()).toBe(iso(daysAgo(6, 1)));
        const second = sim.requests.slice(firstRun).map((r) => r.path);
        expect(second.filter((p) => p === "/incidents/PLATE1")).toHaveLength(1);
        expect(second).toHaveLength(3);
      }),
    );
  });

  it("reads the whole log of an incident created before the collected range when it changes inside it", async () => {
    // created 50 days ago, before the plan start (40 days ago); acknowledged then, resolved 2 days ago
    const incidents: SimIncident[] = [
      { id: "POLD01", serviceId: SERVICE_ID, title: "Old one", createdAt: daysAgo(50), acknowledgedAt: [daysAgo(50, 1)], resolvedAt: daysAgo(2) },
    ];
    await withSim({ incidents }, async (sim) =>
      withMemoryWarehouse(async (w) => {
        const { result } = await collect(w, sim);
        expect(result.status, result.error).toBe("success");
        const row = await w.one<Record<string, unknown>>("SELECT * FROM core.incidents");
        expect(row?.incident_id).toBe("pagerduty:incident:POLD01");
        expect((row?.acknowledged_at as Date).toISOString()).toBe(iso(daysAgo(50, 1)));
        expect((row?.resolved_at as Date).toISOString()).toBe(iso(daysAgo(2)));
        expect(sim.requests.filter((r) => r.path === "/incidents/POLD01/log_entries")).toHaveLength(1);
      }),
    );
  });
});
