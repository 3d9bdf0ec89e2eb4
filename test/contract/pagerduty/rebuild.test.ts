import { describe, expect, it } from "vitest";
import { createLogger } from "../../../collectors/core/log.ts";
import { rebuildFromRaw } from "../../../collectors/core/rebuild.ts";
import { pagerdutySource } from "../../../collectors/pagerduty/index.ts";
import { withMemoryWarehouse } from "../../helpers/db.ts";
import type { SimIncident } from "../../sim/pagerduty/server.ts";
import { SERVICE_ID, collect, daysAgo, withSim } from "./helpers.ts";

describe("pagerduty: dora rebuild reproduces core.* from the stored pages", () => {
  it("collect (two runs: an incident resolved and one added in between) → rebuild --clean → core.incidents identical, with no request", async () => {
    const incidents: SimIncident[] = [
      { id: "PRES01", serviceId: SERVICE_ID, title: "Checkout 500s after deploy 4711", createdAt: daysAgo(5), urgency: "high", acknowledgedAt: [daysAgo(5, 0.2), daysAgo(5, 0.7)], resolvedAt: daysAgo(5, 2) },
      { id: "POPEN1", serviceId: SERVICE_ID, title: "Disk filling", createdAt: daysAgo(3), urgency: "low", acknowledgedAt: [daysAgo(3, 0.25)] },
      { id: "PTRIG1", serviceId: SERVICE_ID, title: "Latency alert", createdAt: daysAgo(2) },
    ];
    await withSim({ incidents }, async (sim) =>
      withMemoryWarehouse(async (w) => {
        expect((await collect(w, sim)).result.status).toBe("success");
        sim.state.update("POPEN1", { resolvedAt: daysAgo(3, 1) });
        sim.state.add({ id: "PNEW01", serviceId: SERVICE_ID, title: "Queue backlog", createdAt: daysAgo(1), acknowledgedAt: [daysAgo(1, 0.1)], resolvedAt: daysAgo(1, 0.5) });
        const { result, ctx } = await collect(w, sim);
        expect(result.status).toBe("success");
        const snapshot = () => w.all("SELECT * EXCLUDE (collected_at) FROM core.incidents ORDER BY ALL");
        const before = await snapshot();
        expect(before).toHaveLength(4);
        const requests = sim.requests.length;
        await rebuildFromRaw(w, ctx.config, [pagerdutySource], createLogger({ write: () => undefined }), { clean: true });
        expect(sim.requests.length).toBe(requests);
        expect(await snapshot()).toEqual(before);
      }),
    );
  });
});
