/**
 * The demo organisation's story, in one place: how each behaviour moves over the plan.
 *
 * Time is in *story months*: 0 = plan start, 12 = plan end, whatever the plan's real length (a
 * 6-month plan plays the same story twice as fast). Negative values are the months before the plan,
 * which behave like the baseline. Month N of the plan (1-based, as people say it) is [N-1, N).
 *
 *   months 1–2   Foundations & baseline: Tue/Thu release trains, ~4 day lead time, ~27 % CFR
 *   months 3–5   CI/CD: deploys on every working day, ~1 per merge; canaries from mid month 5 cut CFR
 *   month 6      the bad month: a database failover and a string of incidents
 *   months 7–8   incident playbooks: acknowledge in minutes, restore in about an hour
 *   months 9–10  SLOs and p99 latency: tails shrink on most key paths (one regressed in months 6–7)
 *   months 11–12 consolidation: the final window
 */

/** Piecewise-linear curve through [storyMonth, value] points, flat outside them. */
export type Curve = readonly (readonly [number, number])[];

export function at(curve: Curve, s: number): number {
  const first = curve[0]!;
  if (s <= first[0]) return first[1];
  for (let i = 1; i < curve.length; i++) {
    const [x1, y1] = curve[i]!;
    if (s <= x1) {
      const [x0, y0] = curve[i - 1]!;
      return y0 + ((y1 - y0) * (s - x0)) / (x1 - x0);
    }
  }
  return curve[curve.length - 1]![1];
}

/** Milestone dates in story months (month index + day within it, for a 12-month plan). */
export const CANARY_AT = 4 + 14 / 30; // month 5, the 15th
export const BAD_MONTH: readonly [number, number] = [5, 6]; // month 6
export const PLAYBOOKS: readonly [number, number] = [6, 8]; // months 7–8
/** A key path regresses for about five weeks around the bad month. */
export const REGRESSION: readonly [number, number] = [5 + 17 / 30, 6 + 20 / 30];

export const PHASES: readonly { name: string; from: number; to: number }[] = [
  { name: "Foundations & baseline", from: 0, to: 2 },
  { name: "CI/CD with canary releases and automated rollback", from: 2, to: 5 },
  { name: "Secrets management", from: 5, to: 6 },
  { name: "Incident response & playbooks", from: 6, to: 8 },
  { name: "SLOs and p99 latency", from: 8, to: 10 },
  { name: "Consolidation & handover", from: 10, to: 12 },
];

/** [month index (0-based), day of month, label] for a 12-month plan. */
export const MILESTONES: readonly (readonly [number, number, string])[] = [
  [1, 20, "Baseline dashboards and first DORA report"],
  [3, 2, "CI on every merge, trunk-based development"],
  [4, 15, "Canary releases in production"],
  [5, 27, "Secrets moved to Vault"],
  [6, 22, "Incident playbooks adopted"],
  [8, 17, "SLOs with error budgets on every key path"],
  [10, 12, "On-call handbook v2 and rotation review"],
];

export const story = {
  /** Production deploy slots per service per working day. */
  deployRate: [[2, 0.8], [3, 1.0], [4.5, 1.6], [6, 2.4], [9, 3.2], [12, 3.4]] as Curve,
  /** Pull requests started per service per working day. */
  prRate: [[2, 1.5], [10, 2.4]] as Curve,
  /** Median working hours from first commit to PR opened. */
  codingHours: [[2, 3], [5, 2.5], [9, 1.5]] as Curve,
  /** Median working hours from opened to first review. */
  pickupHours: [[2, 2.5], [6, 1], [9, 0.5]] as Curve,
  /** Median working hours from first review to merge. */
  reviewHours: [[2, 2.5], [6, 1], [9, 0.5]] as Curve,
  /** Minutes of CI between a merge and the earliest deploy that can contain it. */
  ciMinutes: [[2, 40], [5, 15]] as Curve,
  /** Median minutes a production deployment runs. */
  deployMinutes: [[2, 25], [6, 9]] as Curve,
  /** Share of deploy jobs that fail (or are cancelled) before shipping. */
  jobFailure: [[2, 0.08], [6, 0.04]] as Curve,
  /** Median minutes to acknowledge a page. */
  ackMinutes: [[PLAYBOOKS[0], 22], [PLAYBOOKS[1], 4]] as Curve,
  /** Median hours from page to resolution. */
  restoreHours: [[PLAYBOOKS[0], 4.5], [PLAYBOOKS[1], 1.0]] as Curve,
  /** Incidents not caused by a deployment, per service per month. */
  unrelatedIncidents: [[2, 1.3], [8, 0.6], [11, 0.45]] as Curve,
  /** Share of bad deployments that page someone (canaries catch more before users notice). */
  badDeployPages: [[CANARY_AT - 0.3, 0.8], [CANARY_AT, 0.6]] as Curve,
  /** Share of pages that name the deployment (playbooks ask for it). */
  explicitRefs: [[PLAYBOOKS[0], 0.4], [PLAYBOOKS[1], 0.75]] as Curve,
  /** Key-path latency: 0 = baseline shape, 1 = improved shape (the SLO phase does the work). */
  latencyProgress: [[2, 0], [5, 0.15], [8, 0.35], [10, 1]] as Curve,
} as const;

/** Probability that a successful production deployment is bad (to be rolled back, hot-fixed or paged). */
export function badDeployShare(s: number): number {
  if (s >= BAD_MONTH[0] && s < BAD_MONTH[1]) return 0.17;
  if (s < CANARY_AT) return 0.3;
  if (s < BAD_MONTH[0]) return 0.12;
  return at([[6, 0.1], [12, 0.09]], s);
}

/** How a bad deployment is remedied: before canaries mostly by hand, after them mostly automatically. */
export function remedyShares(s: number): { rollback: number; hotfix: number } {
  return s < CANARY_AT ? { rollback: 0.35, hotfix: 0.35 } : { rollback: 0.6, hotfix: 0.25 };
}

export function inBadMonth(s: number): boolean {
  return s >= BAD_MONTH[0] && s < BAD_MONTH[1];
}
