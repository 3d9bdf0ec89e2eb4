import { beforeAll, describe, expect, it } from "vitest";
import { demoConfig } from "../../../collectors/demo/config.ts";
import { generateDemo, type DemoRows } from "../../../collectors/demo/generate.ts";
import { LATENCY_BOUNDS } from "../../../collectors/demo/latency.ts";
import { isProductionDeploy } from "./story-metrics.ts";

// Instants of the default demo (Europe/Berlin): data from 2025-10-01 to the plan's end 2026-12-01.
const DATA_START = new Date("2025-09-30T22:00:00Z");
const DATA_END = new Date("2026-11-30T23:00:00Z");

const berlin = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", weekday: "short", hour: "numeric", hourCycle: "h23" });
function isWorkingTime(t: Date): boolean {
  const parts = Object.fromEntries(berlin.formatToParts(t).map((p) => [p.type, p.value]));
  const hour = Number(parts.hour);
  return !["Sat", "Sun"].includes(parts.weekday!) && hour >= 9 && hour < 18;
}

/** Ids of the items breaking a rule: one expect per rule, not per row (expect is slow in bulk). */
function breaking<T>(items: readonly T[], ok: (item: T) => boolean, id: (item: T) => string): string[] {
  return items.filter((item) => !ok(item)).map(id).slice(0, 5);
}

const small = () => demoConfig({ services: 3, months: 4, monthsBefore: 1 });

describe("generateDemo: determinism", () => {
  it("gives identical rows for the same seed", () => {
    const a = generateDemo(small(), { bucketSeconds: 86_400 });
    const b = generateDemo(small(), { bucketSeconds: 86_400 });
    expect(a["core.deployments"].length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it("gives different rows for a different seed, from the config or the option", () => {
    const a = generateDemo(small(), { bucketSeconds: 86_400 });
    const b = generateDemo(demoConfig({ services: 3, months: 4, monthsBefore: 1, seed: 43 }), { bucketSeconds: 86_400 });
    const c = generateDemo(small(), { seed: 43, bucketSeconds: 86_400 });
    expect(b["core.deployments"]).not.toEqual(a["core.deployments"]);
    expect(b["core.latency_buckets"]).not.toEqual(a["core.latency_buckets"]);
    expect(c).toEqual(b);
  });

  it("aligns 6-hour buckets to local midnight: 5 hours on the spring DST day", () => {
    const rows = generateDemo(small(), { bucketSeconds: 21_600 })["core.latency_buckets"];
    const starts = new Map(rows.map((r) => [r.bucket_start.toISOString(), r.bucket_seconds]));
    expect(starts.get("2026-03-28T23:00:00.000Z")).toBe(18_000); // 29 March 00:00 CET → 06:00 CEST
    expect(starts.get("2026-03-29T04:00:00.000Z")).toBe(21_600); // 06:00 CEST
    expect(starts.get("2026-01-14T23:00:00.000Z")).toBe(21_600);
    expect(starts.size).toBe(4 * 151); // November to March
  });

  it("rejects a bucket period it does not support, naming the value", () => {
    expect(() => generateDemo(small(), { bucketSeconds: 900 })).toThrow(/bucket_seconds must be 3600, 21600 or 86400, got 900/);
  });
});

describe("generateDemo: the default organisation's rows", () => {
  let rows: DemoRows;
  beforeAll(() => {
    rows = generateDemo(demoConfig());
  });

  it("uses deterministic, unique 'demo:' ids and source 'demo'", () => {
    const ids = {
      deployments: rows["core.deployments"].map((r) => r.deployment_id),
      pull_requests: rows["core.pull_requests"].map((r) => r.pr_id),
      changes: rows["core.changes"].map((r) => r.change_id),
      incidents: rows["core.incidents"].map((r) => r.incident_id),
    };
    for (const [entity, list] of Object.entries(ids)) {
      expect(list.length, entity).toBeGreaterThan(100);
      expect(new Set(list).size, entity).toBe(list.length);
      const prefix = `demo:${entity.replace(/s$/, "").replace("pull_request", "pr")}:`;
      expect(breaking(list, (id) => id.startsWith(prefix), (id) => id)).toEqual([]);
    }
    const keys = rows["core.latency_buckets"].map((r) => `${r.service}|${r.route}|${r.bucket_start.toISOString()}|${r.le}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [table, list] of Object.entries(rows)) expect(breaking(list as { source: string }[], (r) => r.source === "demo", () => table)).toEqual([]);
  });

  it("keeps every event inside the data span", () => {
    expect(breaking(rows["core.deployments"], (d) => d.started_at >= DATA_START && d.finished_at < DATA_END, (d) => d.deployment_id)).toEqual([]);
    expect(
      breaking(rows["core.pull_requests"], (p) => p.first_commit_at >= DATA_START && p.opened_at < DATA_END && p.updated_at <= DATA_END, (p) => p.pr_id),
    ).toEqual([]);
    expect(breaking(rows["core.incidents"], (i) => i.created_at >= DATA_START && i.created_at < DATA_END, (i) => i.incident_id)).toEqual([]);
    const starts = rows["core.latency_buckets"].map((r) => r.bucket_start.getTime());
    expect(starts.reduce((a, b) => Math.min(a, b))).toBe(DATA_START.getTime());
    expect(starts.reduce((a, b) => Math.max(a, b))).toBeLessThan(DATA_END.getTime());
  });

  it("orders each change's life: first commit ≤ opened ≤ first review ≤ merged ≤ committed ≤ deployed", () => {
    const deployments = new Map(rows["core.deployments"].map((d) => [d.deployment_id, d]));
    const changes = rows["core.changes"];
    expect(breaking(changes, (c) => c.authored_at <= c.committed_at, (c) => c.change_id)).toEqual([]);
    const viaPr = changes.filter((c) => c.pr_id);
    expect(viaPr.length).toBeGreaterThan(changes.length * 0.9);
    expect(
      breaking(
        viaPr,
        (c) => c.pr_first_commit_at! <= c.pr_opened_at! && c.pr_opened_at! <= c.first_review_at! && c.first_review_at! <= c.merged_at! && c.merged_at! <= c.committed_at,
        (c) => c.change_id,
      ),
    ).toEqual([]);
    const deployed = changes.filter((c) => c.deployment_id);
    expect(
      breaking(
        deployed,
        (c) => {
          const d = deployments.get(c.deployment_id!);
          return !!d && isProductionDeploy(d) && d.service === c.service && c.committed_at <= d.started_at && d.started_at < d.finished_at;
        },
        (c) => c.change_id,
      ),
    ).toEqual([]);
    const never = changes.length - deployed.length;
    expect(never).toBeGreaterThan(0); // a few commits never reach production
    expect(never).toBeLessThan(rows["core.changes"].length * 0.02);
  });

  it("ships each change in the first successful production deployment after it (no later deploy claims an earlier change)", () => {
    const byService = new Map<string, { finished: number; commit: number }[]>();
    const finished = new Map(rows["core.deployments"].map((d) => [d.deployment_id, d.finished_at.getTime()]));
    for (const c of rows["core.changes"].filter((c) => c.deployment_id)) {
      const list = byService.get(c.service) ?? [];
      list.push({ finished: finished.get(c.deployment_id!)!, commit: c.committed_at.getTime() });
      byService.set(c.service, list);
    }
    for (const [service, list] of byService) {
      list.sort((a, b) => a.commit - b.commit);
      const pairs = list.slice(1).map((c, i) => ({ c, previous: list[i]! }));
      expect(breaking(pairs, ({ c, previous }) => c.finished >= previous.finished, ({ c }) => `${service}@${c.commit}`)).toEqual([]);
    }
  });

  it("keeps pull requests consistent and mostly in working hours, with squash merges", () => {
    const prs = rows["core.pull_requests"];
    const consistent = (p: (typeof prs)[number]) =>
      p.first_commit_at <= p.opened_at &&
      (!p.first_review_at || p.opened_at <= p.first_review_at) &&
      (!p.approved_at || (p.first_review_at! <= p.approved_at && (!p.merged_at || p.approved_at <= p.merged_at))) &&
      (!p.merged_at || p.closed_at?.getTime() === p.merged_at.getTime());
    expect(breaking(prs, consistent, (p) => p.pr_id)).toEqual([]);
    const working = prs.filter((p) => isWorkingTime(p.opened_at)).length / prs.length;
    expect(working).toBeGreaterThan(0.85);
    expect(prs.filter((p) => !p.merged_at && p.closed_at).length).toBeGreaterThan(0); // abandoned
    expect(prs.filter((p) => p.is_hotfix && p.labels.includes("hotfix")).length).toBeGreaterThan(0);

    const changesPerPr = new Map<string, number>();
    for (const c of rows["core.changes"]) if (c.pr_id) changesPerPr.set(c.pr_id, (changesPerPr.get(c.pr_id) ?? 0) + 1);
    const squashed = rows["core.changes"].filter((c) => c.pr_id && changesPerPr.get(c.pr_id) === 1 && c.pr_first_commit_at! < c.committed_at);
    expect(squashed.length / rows["core.changes"].length).toBeGreaterThan(0.5);
    expect([...changesPerPr.values()].some((n) => n > 1)).toBe(true); // rebase merges keep their commits
    expect(rows["core.changes"].some((c) => c.pr_id === null)).toBe(true); // direct pushes to main
  });

  it("has staging and production deployments, failed and cancelled jobs, rollbacks to an older sha and hotfixes", () => {
    const all = rows["core.deployments"];
    const sane = (d: (typeof all)[number]) =>
      ["success", "failure", "cancelled"].includes(d.status) &&
      d.pipeline_started_at <= d.started_at &&
      d.started_at < d.finished_at &&
      d.is_production === (d.environment === "production");
    expect(breaking(all, sane, (d) => d.deployment_id)).toEqual([]);
    expect(all.some((d) => !d.is_production)).toBe(true);
    expect(all.some((d) => d.status === "failure")).toBe(true);
    expect(all.some((d) => d.status === "cancelled")).toBe(true);

    const prod = all.filter(isProductionDeploy);
    const rollbacks = prod.filter((d) => d.is_rollback);
    expect(rollbacks.length).toBeGreaterThan(10);
    for (const rb of rollbacks) {
      const earlier = prod.filter((d) => d.service === rb.service && d.finished_at < rb.started_at);
      const bad = earlier.at(-1)!;
      expect(bad.commit_sha).not.toBe(rb.commit_sha); // right after the bad one…
      expect(earlier.slice(0, -1).some((d) => d.commit_sha === rb.commit_sha)).toBe(true); // …back to an older sha
      expect(rb.started_at.getTime() - bad.finished_at.getTime()).toBeLessThan(24 * 3_600_000);
    }
    const rework = prod.filter((d) => d.is_rework);
    expect(rework.length).toBeGreaterThan(5);

    // One production deploy at a time per service: each starts after the previous one finished.
    const attempts = all.filter((d) => d.is_production).sort((a, b) => a.service.localeCompare(b.service) || a.started_at.getTime() - b.started_at.getTime());
    const overlapping = attempts.slice(1).filter((d, i) => d.service === attempts[i]!.service && d.started_at < attempts[i]!.finished_at);
    expect(overlapping.map((d) => d.deployment_id)).toEqual([]);
  });

  it("has incidents with sane times, both urgencies, some after hours and 1–2 still open at the end", () => {
    const incidents = rows["core.incidents"];
    const sane = (i: (typeof incidents)[number]) =>
      (!i.acknowledged_at || i.created_at <= i.acknowledged_at) &&
      (i.resolved_at
        ? i.created_at < i.resolved_at && !!i.acknowledged_at && i.acknowledged_at <= i.resolved_at && i.status === "resolved"
        : (i.status === "triggered" && !i.acknowledged_at) || (i.status === "acknowledged" && !!i.acknowledged_at));
    expect(breaking(incidents, sane, (i) => i.incident_id)).toEqual([]);
    const open = incidents.filter((i) => !i.resolved_at);
    expect(open.length).toBeGreaterThanOrEqual(1);
    expect(open.length).toBeLessThanOrEqual(2);
    for (const i of open) expect(DATA_END.getTime() - i.created_at.getTime()).toBeLessThan(3 * 24 * 3_600_000);
    expect(new Set(incidents.map((i) => i.urgency))).toEqual(new Set(["high", "low"]));
    const afterHours = incidents.filter((i) => !isWorkingTime(i.created_at)).length / incidents.length;
    expect(afterHours).toBeGreaterThan(0.15);
    expect(afterHours).toBeLessThan(0.6);
  });

  it("links some incidents explicitly to the deployment that caused them, leaves others for the heuristic", () => {
    const deployments = new Map(rows["core.deployments"].map((d) => [d.deployment_id, d]));
    const explicit = rows["core.incidents"].filter((i) => i.link_kind === "explicit");
    const none = rows["core.incidents"].filter((i) => i.link_kind === "none");
    expect(explicit.length).toBeGreaterThan(20);
    expect(none.length).toBeGreaterThan(explicit.length * 0.5);
    for (const i of explicit) {
      const d = deployments.get(i.caused_by_deployment_id!)!;
      expect(d && isProductionDeploy(d) && d.service === i.service, i.incident_id).toBe(true);
      expect(d.finished_at <= i.created_at, i.incident_id).toBe(true);
      expect(i.refs).toContain(d.deployment_id);
      expect(`${i.title} ${i.body}`).toContain(d.commit_sha.slice(0, 7));
      expect(i.body).toContain(d.deployment_id);
    }
    for (const i of none) {
      expect(i.caused_by_deployment_id).toBeNull();
      expect(i.refs).toEqual([]);
    }
    expect(none.some((i) => i.title.startsWith("Primary database failover"))).toBe(true); // unrelated to any deploy
  });

  it("writes cumulative, non-decreasing histogram buckets ending in +Inf", () => {
    const series = new Map<string, { le: number; count: number; seconds: number }[]>();
    for (const r of rows["core.latency_buckets"]) {
      const key = `${r.service}|${r.route}|${r.bucket_start.toISOString()}`;
      const list = series.get(key) ?? [];
      list.push({ le: r.le, count: r.count, seconds: r.bucket_seconds });
      series.set(key, list);
    }
    expect(series.size).toBe(18 * 426); // 6 services × 3 paths × 426 days
    const bounds = [...LATENCY_BOUNDS].join();
    const cumulative = ([, list]: [string, { le: number; count: number; seconds: number }[]]) =>
      list.map((b) => b.le).join() === bounds &&
      list.at(-1)!.le === Infinity &&
      list.every((b, i) => Number.isInteger(b.count) && (i === 0 || b.count >= list[i - 1]!.count)) &&
      list.at(-1)!.count > 0 &&
      [82_800, 86_400, 90_000].includes(list[0]!.seconds); // a local day: 23 h or 25 h on DST days
    expect(breaking([...series], cumulative, ([key]) => key)).toEqual([]);
    const seconds = new Set([...series.values()].map((list) => list[0]!.seconds));
    expect(seconds).toEqual(new Set([82_800, 86_400, 90_000]));
  });
});
