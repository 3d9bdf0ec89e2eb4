// The four keys in plain JS, straight from generated rows, following the definitions of docs/architecture.md — independent
// of the SQL transforms, so the demo's story is checked on its own.
import type { DemoRows, DeploymentRow, IncidentRow } from "../../../collectors/demo/generate.ts";
import { LATENCY_BOUNDS } from "../../../collectors/demo/latency.ts";

export interface Window {
  from: Date;
  to: Date; // exclusive
}

export interface WindowMetrics {
  deploys: number;
  deploysPerWeek: number;
  leadTimeMedianHours: number;
  changeFailureRate: number;
  restoreMedianHours: number;
  ackMedianMinutes: number;
  reworkRate: number;
  incidents: number;
}

const HOUR = 3_600_000;

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const inWindow = (t: Date | null, w: Window) => t !== null && t >= w.from && t < w.to;

export function isProductionDeploy(d: DeploymentRow): boolean {
  return d.is_production && d.status === "success";
}

/**
 * Failed production deployments: linked by an incident (explicit id, else the service's last
 * production deployment within `windowHours` before it), or followed by a rollback or rework deploy.
 */
export function failedDeployments(rows: DemoRows, windowHours = 24): Set<string> {
  const failed = new Set<string>();
  const byService = new Map<string, DeploymentRow[]>();
  for (const d of rows["core.deployments"].filter(isProductionDeploy)) {
    const list = byService.get(d.service) ?? [];
    list.push(d);
    byService.set(d.service, list);
  }
  for (const list of byService.values()) {
    list.sort((a, b) => a.finished_at.getTime() - b.finished_at.getTime());
    for (let i = 1; i < list.length; i++) if (list[i]!.is_rollback || list[i]!.is_rework) failed.add(list[i - 1]!.deployment_id);
  }
  for (const inc of rows["core.incidents"]) {
    const linked = linkIncident(inc, byService.get(inc.service) ?? [], windowHours);
    if (linked) failed.add(linked);
  }
  return failed;
}

export function linkIncident(inc: IncidentRow, deploys: DeploymentRow[], windowHours: number): string | undefined {
  if (inc.caused_by_deployment_id) return inc.caused_by_deployment_id;
  let last: DeploymentRow | undefined;
  for (const d of deploys) if (d.finished_at <= inc.created_at) last = d;
  if (last && inc.created_at.getTime() - last.finished_at.getTime() <= windowHours * HOUR) return last.deployment_id;
  return undefined;
}

export function windowMetrics(rows: DemoRows, w: Window, failed = failedDeployments(rows)): WindowMetrics {
  const deploys = rows["core.deployments"].filter((d) => isProductionDeploy(d) && inWindow(d.finished_at, w));
  const finishedAt = new Map(rows["core.deployments"].map((d) => [d.deployment_id, d.finished_at]));
  // one observation per change unit: a PR (all its commits) or a commit without one, at its first deployment
  const units = new Map<string, { end: number; start: number }>();
  for (const c of rows["core.changes"]) {
    if (!c.deployment_id) continue;
    const end = finishedAt.get(c.deployment_id)!.getTime();
    const start = (c.pr_first_commit_at ?? c.committed_at).getTime();
    const key = c.pr_id ?? c.change_id;
    const u = units.get(key);
    units.set(key, u ? { end: Math.min(u.end, end), start: Math.min(u.start, start) } : { end, start });
  }
  const leadTimes = [...units.values()].filter((u) => inWindow(new Date(u.end), w)).map((u) => (u.end - u.start) / HOUR);
  const incidents = rows["core.incidents"].filter((i) => inWindow(i.created_at, w));
  const resolved = incidents.filter((i) => i.resolved_at);
  const weeks = (w.to.getTime() - w.from.getTime()) / (7 * 24 * HOUR);
  return {
    deploys: deploys.length,
    deploysPerWeek: deploys.length / weeks,
    leadTimeMedianHours: median(leadTimes),
    changeFailureRate: deploys.filter((d) => failed.has(d.deployment_id)).length / deploys.length,
    restoreMedianHours: median(resolved.map((i) => (i.resolved_at!.getTime() - i.created_at.getTime()) / HOUR)),
    ackMedianMinutes: median(incidents.filter((i) => i.acknowledged_at).map((i) => (i.acknowledged_at!.getTime() - i.created_at.getTime()) / 60_000)),
    reworkRate: deploys.filter((d) => d.is_rework).length / deploys.length,
    incidents: incidents.length,
  };
}

/** histogram_quantile semantics: linear interpolation inside the bucket holding the rank. */
export function p99(rows: DemoRows, service: string, route: string, w: Window, q = 0.99): number {
  const sums = new Map<number, number>(LATENCY_BOUNDS.map((le) => [le, 0]));
  for (const r of rows["core.latency_buckets"]) {
    if (r.service === service && r.route === route && inWindow(r.bucket_start, w)) sums.set(r.le, sums.get(r.le)! + r.count);
  }
  const total = sums.get(Infinity)!;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of LATENCY_BOUNDS) {
    const count = sums.get(le)!;
    if (count >= rank) {
      if (le === Infinity) return lower;
      return lower + ((le - lower) * (rank - below)) / (count - below);
    }
    lower = le;
    below = count;
  }
  return NaN;
}
