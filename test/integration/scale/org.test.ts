import { describe, expect, it } from "vitest";
import { generateDemo } from "../../../collectors/demo/index.ts";
import { buildScaleOrg, scaleConfig } from "../../sim/scale/org.ts";
import { BUCKET_SECONDS, scaleSeriesSource } from "../../sim/scale/prometheus.ts";

// The scale organisation's wiring: which forge serves which service, what the incidents name, and that
// the Prometheus series a large organisation builds one service at a time equal the full generator's.

describe("scale organisation", () => {
  const org = buildScaleOrg({ repos: 4, months: 2, seed: 3, forge: "mixed" });

  it("mixed: every second service is a GitLab project, the config points each at its forge", () => {
    expect([...org.forgeOf.entries()]).toEqual([
      ["payments-api", "github"],
      ["checkout-web", "gitlab"],
      ["identity", "github"],
      ["search", "gitlab"],
    ]);
    expect(org.gitlab.map((p) => p.path)).toEqual(["acme/checkout-web", "acme/search"]);
    const config = scaleConfig(org, { github: "http://127.0.0.1:1", gitlab: "http://127.0.0.1:2", pagerduty: "http://127.0.0.1:3" }, { github: "A", gitlab: "B", pagerduty: "C" });
    expect(config.services["checkout-web"]!.gitlab).toEqual(["acme/checkout-web"]);
    expect(config.services["checkout-web"]!.github).toEqual([]);
    expect(config.services["identity"]!.github).toEqual(["acme/identity"]);
    expect(config.sources.gitlab?.base_url).toBe("http://127.0.0.1:2");
    expect(config.sources.prometheus).toBeUndefined();
  });

  it("incidents name deployments the way the service's forge ids them", () => {
    const service = new Map(org.pagerduty.services.map((s) => [s.id, s.name]));
    const refs = org.pagerduty.incidents.flatMap((i) => [...`${i.title} ${i.description ?? ""}`.matchAll(/\b(github|gitlab):deployment:acme\/([a-z-]+):\d+/g)].map((m) => [m[1], m[2], service.get(i.serviceId)]));
    expect(refs.length).toBeGreaterThan(3);
    for (const [forge, repo, svc] of refs) {
      expect(repo).toBe(svc);
      expect(forge).toBe(org.forgeOf.get(svc!));
    }
  });

  it("GitLab projects: linear history, every deployed sha on it, the GitHub simulator's deployment ids", () => {
    for (const p of org.gitlab) {
      const shas = new Set(p.history.map((c) => c.id));
      p.history.forEach((c, i) => expect(c.parent_ids).toEqual(i === 0 ? [] : [p.history[i - 1]!.id]));
      for (const d of p.deployments) expect(shas.has(d.sha), `${p.path} deployment ${d.id}`).toBe(true);
      const github = org.github.repo(p.path).deployments.map((d) => d.id).sort((a, b) => a - b);
      expect(p.deployments.map((d) => d.id).sort((a, b) => a - b)).toEqual(github);
      expect(p.mergeRequests.length).toBeGreaterThan(10);
    }
  });

  it("Prometheus series built one service at a time equal the full generator's hourly buckets", () => {
    // 7 services: the regressing and flat key paths are search's and ledger's, generated alongside.
    const big = buildScaleOrg({ repos: 7, months: 2, seed: 5 });
    const want = generateDemo(big.demo, { seed: 5, bucketSeconds: BUCKET_SECONDS })["core.latency_buckets"].filter((r) => r.service === "orders-api" || r.service === "search");
    const source = scaleSeriesSource(big, 5);
    for (const service of ["orders-api", "search"]) {
      const series = [...source("http_request_duration_seconds_bucket", [{ name: "service", op: "=", value: service }])].filter((s) => s.labels.__name__ === "http_request_duration_seconds_bucket");
      expect(series.length).toBe(3 * 12);
      let compared = 0;
      for (const row of want.filter((r) => r.service === service && r.bucket_seconds === BUCKET_SECONDS)) {
        const route = row.route.slice(row.route.indexOf(" ") + 1);
        const s = series.find((x) => x.labels.route === route && x.labels.method === row.route.split(" ")[0] && x.labels.le === (row.le === Infinity ? "+Inf" : String(row.le)))!;
        const k = (row.bucket_start.getTime() / 1000 - s.start) / s.slotSeconds;
        expect(s.increases[k], `${service} ${row.route} ${row.bucket_start.toISOString()} le ${row.le}`).toBe(row.count);
        compared++;
      }
      expect(compared).toBeGreaterThan(3 * 12 * 2000);
    }
  });
});
