// The demo must tell its story whatever the seed: computed here in plain JS from the generated rows
// (story-metrics.ts follows the definitions of docs/architecture.md), not from the SQL transforms, so neither can hide the other.
import { beforeAll, describe, expect, it } from "vitest";
import { demoConfig } from "../../../collectors/demo/config.ts";
import { generateDemo, type DemoRows } from "../../../collectors/demo/generate.ts";
import { specialPaths } from "../../../collectors/demo/latency.ts";
import { failedDeployments, p99, windowMetrics, type Window } from "./story-metrics.ts";

// Europe/Berlin local midnights as instants.
const BASELINE: Window = { from: new Date("2025-11-30T23:00:00Z"), to: new Date("2026-01-31T23:00:00Z") };
const FINAL: Window = { from: new Date("2026-09-30T22:00:00Z"), to: new Date("2026-11-30T23:00:00Z") };
const MONTH_5: Window = { from: new Date("2026-03-31T22:00:00Z"), to: new Date("2026-04-30T22:00:00Z") };
const MONTH_6: Window = { from: new Date("2026-04-30T22:00:00Z"), to: new Date("2026-05-31T22:00:00Z") };
const MONTH_7: Window = { from: new Date("2026-05-31T22:00:00Z"), to: new Date("2026-06-30T22:00:00Z") };
const REGRESSION: Window = { from: new Date("2026-05-20T22:00:00Z"), to: new Date("2026-06-18T22:00:00Z") };

describe.each([42, 7, 2024])("the demo story, seed %i", (seed) => {
  let rows: DemoRows;
  let baseline: ReturnType<typeof windowMetrics>;
  let final: ReturnType<typeof windowMetrics>;
  beforeAll(() => {
    rows = generateDemo(demoConfig({ seed }));
    const failed = failedDeployments(rows);
    baseline = windowMetrics(rows, BASELINE, failed);
    final = windowMetrics(rows, FINAL, failed);
  });

  it("deploys more often in the final window, in smaller batches", () => {
    expect(baseline.deploys).toBeGreaterThan(60);
    expect(final.deploysPerWeek).toBeGreaterThan(2 * baseline.deploysPerWeek);
    const perDeploy = (w: Window) => {
      const finished = new Map(rows["core.deployments"].map((d) => [d.deployment_id, d.finished_at]));
      const changes = rows["core.changes"].filter((c) => c.deployment_id && finished.get(c.deployment_id)! >= w.from && finished.get(c.deployment_id)! < w.to);
      return changes.length / new Set(changes.map((c) => c.deployment_id)).size;
    };
    expect(perDeploy(FINAL)).toBeLessThan(perDeploy(BASELINE) * 0.7);
  });

  it("cuts the median lead time from 3–5 days to under one", () => {
    expect(baseline.leadTimeMedianHours).toBeGreaterThan(60);
    expect(baseline.leadTimeMedianHours).toBeLessThan(130);
    expect(final.leadTimeMedianHours).toBeLessThan(24);
  });

  it("lowers the change failure rate from ~25–30 % to ~8–12 % after canary releases", () => {
    expect(baseline.changeFailureRate).toBeGreaterThan(0.2);
    expect(baseline.changeFailureRate).toBeLessThan(0.36);
    expect(final.changeFailureRate).toBeGreaterThan(0.05);
    expect(final.changeFailureRate).toBeLessThan(0.14);
  });

  it("restores in about an hour instead of several, and acknowledges faster, after the playbooks", () => {
    expect(baseline.restoreMedianHours).toBeGreaterThan(3);
    expect(final.restoreMedianHours).toBeLessThan(1.6);
    expect(final.ackMedianMinutes).toBeLessThan(baseline.ackMedianMinutes / 2);
  });

  it("has one bad month: month 6 pages more and fails more than the months around it", () => {
    const failed = failedDeployments(rows);
    const [m5, m6, m7] = [MONTH_5, MONTH_6, MONTH_7].map((w) => windowMetrics(rows, w, failed));
    expect(m6!.incidents).toBeGreaterThan(Math.max(m5!.incidents, m7!.incidents));
    expect(m6!.changeFailureRate).toBeGreaterThan(m7!.changeFailureRate);
  });

  it("improves p99 on most key paths, keeps one flat and regresses one for a few weeks", () => {
    const config = demoConfig({ seed });
    const { regressing, flat } = specialPaths(config);
    const paths = Object.entries(config.services).flatMap(([service, s]) => s.latency.map((k) => ({ service, route: k.route, key: `${service} ${k.route}` })));
    const improved = paths.filter((p) => p99(rows, p.service, p.route, FINAL) < 0.8 * p99(rows, p.service, p.route, BASELINE));
    expect(improved.length).toBeGreaterThanOrEqual(paths.length - 2);
    expect(improved.map((p) => p.key)).not.toContain(flat);
    const r = paths.find((p) => p.key === regressing)!;
    expect(p99(rows, r.service, r.route, REGRESSION)).toBeGreaterThan(1.5 * p99(rows, r.service, r.route, BASELINE));
  });
});
