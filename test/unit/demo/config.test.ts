import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { demoConfig, demoServiceNames } from "../../../collectors/demo/config.ts";
import { Config, resolvePlan } from "../../../schemas/config.ts";
import { parseConfig } from "../../../schemas/load-config.ts";

describe("demoConfig", () => {
  it("describes the default organisation: Berlin, a 12-month plan from 2025-12-01, six named services", () => {
    const config = demoConfig();
    expect(config.timezone).toBe("Europe/Berlin");
    expect(config.plan.start).toBe("2025-12-01");
    expect(config.plan.months).toBe(12);
    expect(config.plan.baseline).toBeUndefined(); // the defaults: first two and last two months
    expect(resolvePlan(config.plan)).toMatchObject({ baseline: { from: "2025-12-01", to: "2026-01-31" }, final: { from: "2026-10-01", to: "2026-11-30" } });
    expect(Object.keys(config.services)).toEqual(["payments-api", "checkout-web", "identity", "search", "notifications", "ledger"]);
    expect(config.sources.demo).toEqual({ seed: 42, services: 6, months_before: 2 });
  });

  it("gives every service three key paths with a route, metric, selector and SLO", () => {
    const config = demoConfig();
    for (const [name, service] of Object.entries(config.services)) {
      expect(service.latency).toHaveLength(3);
      for (const k of service.latency) {
        expect(k.route).toMatch(/^(GET|POST) \//);
        expect(k.metric).toBe("http_request_duration_seconds");
        expect(k.selector).toContain(`service="${name}"`);
        expect(k.slo!.threshold_seconds).toBeGreaterThan(0);
        expect(k.slo!.target).toBeGreaterThan(0.9);
      }
    }
    expect(config.services["payments-api"]!.latency[0]).toMatchObject({ route: "POST /payments", slo: { threshold_seconds: 0.3, target: 0.99 } });
  });

  it("lays out 5–6 consecutive phases and 5–7 milestones inside the plan, canaries in month 5", () => {
    const config = demoConfig();
    const { phases, milestones } = config.plan;
    expect(phases.length).toBeGreaterThanOrEqual(5);
    expect(phases.length).toBeLessThanOrEqual(6);
    expect(phases[0]).toEqual({ name: "Foundations & baseline", from: "2025-12-01", to: "2026-01-31" });
    expect(phases.at(-1)!.to).toBe("2026-11-30");
    for (let i = 1; i < phases.length; i++) expect(phases[i]!.from).toBe(nextDay(phases[i - 1]!.to));
    expect(milestones.length).toBeGreaterThanOrEqual(5);
    expect(milestones.length).toBeLessThanOrEqual(7);
    expect(milestones).toContainEqual({ date: "2026-04-15", label: "Canary releases in production" });
    const playbooks = milestones.find((m) => m.label === "Incident playbooks adopted")!;
    expect(playbooks.date >= "2026-06-01" && playbooks.date <= "2026-07-31").toBe(true); // months 7–8
  });

  it.each([2, 6, 18, 36])("scales phases and milestones into a %i-month plan", (months) => {
    const config = demoConfig({ months });
    const plan = resolvePlan(config.plan);
    expect(config.plan.phases.length).toBeGreaterThan(0);
    for (const p of config.plan.phases) {
      expect(p.from >= plan.start && p.to <= plan.end && p.from <= p.to).toBe(true);
    }
    for (const m of config.plan.milestones) expect(m.date >= plan.start && m.date <= plan.end).toBe(true);
  });

  it("is a fixed point of the config schema and survives the YAML file `dora demo` writes", () => {
    const config = demoConfig({ seed: 7, services: 9 });
    expect(Config.parse(config)).toEqual(config);
    expect(parseConfig(stringify(config), "demo/dora.config.yaml")).toEqual(config);
  });

  it("never reads the clock: the same options give the same config", () => {
    expect(demoConfig({ seed: 3, services: 12, months: 9, monthsBefore: 1 })).toEqual(demoConfig({ seed: 3, services: 12, months: 9, monthsBefore: 1 }));
  });

  it("names up to 500 services, all distinct and valid", () => {
    const names = demoServiceNames(500);
    expect(new Set(names).size).toBe(500);
    expect(names.slice(0, 6)).toEqual(["payments-api", "checkout-web", "identity", "search", "notifications", "ledger"]);
    for (const n of names) expect(n).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
    expect(Object.keys(demoConfig({ services: 500 }).services)).toHaveLength(500);
  });

  it.each([0, 501, 2.5])("rejects services = %s with a message naming the range", (services) => {
    expect(() => demoConfig({ services })).toThrow(/services must be an integer from 1 to 500/);
  });
});

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
