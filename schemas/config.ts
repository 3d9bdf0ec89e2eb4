import { z } from "zod";
import { Pattern, Url } from "./sources/common.ts";
import { GithubDeploymentsOverride, GithubSource } from "./sources/github.ts";
import { GitlabSource } from "./sources/gitlab.ts";
import { GitSource } from "./sources/git.ts";
import { PagerdutySource } from "./sources/pagerduty.ts";
import { PrometheusSource } from "./sources/prometheus.ts";

/** An ISO calendar date (YYYY-MM-DD) that exists; read in the configured time zone. */
export const IsoDate = z
  .string({ error: 'expected a date like "2026-01-31"' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like "2026-01-31"')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, "not a real calendar date");

export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'unknown time zone (expected an IANA name like "Europe/Berlin")');

const DateRange = z
  .strictObject({ from: IsoDate, to: IsoDate })
  .refine((r) => r.from <= r.to, { message: "from must not be after to", path: ["to"] });

export const Slo = z.strictObject({
  threshold_seconds: z.number().positive(),
  target: z.number().gt(0).lt(1),
});

export const KeyPath = z.strictObject({
  route: z.string().min(1),
  metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "expected a Prometheus metric name").optional(),
  selector: z.string().default("{}"),
  slo: Slo.optional(),
});

const OwnerName = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected "owner/name"');

/** A GitHub repository: "owner/name", or an object with a per-repository deployment rule (issue #4). */
export const GithubRepoRef = z.union([
  OwnerName,
  z.strictObject({
    repo: OwnerName,
    /** Overrides sources.github.deployments for this repository (monorepo: one workflow or environment per service). */
    deployments: GithubDeploymentsOverride.optional(),
    /** Monorepo: only changes touching these paths belong to the service. */
    paths: z.array(z.string()).default([]),
  }),
]);

export const Service = z.strictObject({
  github: z.array(GithubRepoRef).default([]),
  gitlab: z.array(z.string().min(1)).default([]),
  git: z.array(z.string().min(1)).default([]),
  pagerduty: z.array(z.string().min(1)).default([]),
  /** Monorepos: only changes touching these paths (globs) belong to this service. */
  paths: z.array(z.string()).default([]),
  latency: z.array(KeyPath).default([]),
});
export type Service = z.infer<typeof Service>;

export const Plan = z
  .strictObject({
    start: IsoDate,
    months: z.number().int().min(2).max(60).default(12),
    baseline: DateRange.optional(),
    final: DateRange.optional(),
    phases: z.array(z.strictObject({ name: z.string().min(1), from: IsoDate, to: IsoDate })).default([]),
    milestones: z.array(z.strictObject({ date: IsoDate, label: z.string().min(1) })).default([]),
  })
  .superRefine((plan, ctx) => {
    plan.phases.forEach((p, i) => {
      if (p.from > p.to) ctx.addIssue({ code: "custom", message: "from must not be after to", path: ["phases", i, "to"] });
    });
  });

export const DemoSource = z.strictObject({
  seed: z.number().int().default(42),
  services: z.number().int().min(1).max(500).default(6),
  months_before: z.number().int().min(0).max(24).default(2),
});

export const Config = z.strictObject({
  timezone: TimeZone.default("UTC"),
  warehouse: z.string().min(1).default("data/warehouse.duckdb"),
  plan: Plan,
  services: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, "service names are letters, digits, . _ -"), Service),
  sources: z
    .strictObject({
      github: GithubSource.optional(),
      gitlab: GitlabSource.optional(),
      git: GitSource.optional(),
      pagerduty: PagerdutySource.optional(),
      prometheus: PrometheusSource.optional(),
      demo: DemoSource.optional(),
    })
    .default({}),
  failures: z
    .strictObject({
      /** Heuristic link: the last production deployment of the service within this many hours before the incident. */
      incident_window_hours: z.number().positive().default(24),
      /** Explicit link: patterns in an incident's title/body/notes that name a deployment, commit or PR. */
      explicit_patterns: z
        .array(
          Pattern.refine((p) => !/\(\?<?[=!]|\\[1-9]/.test(p), "lookaround and back-references are not supported (patterns run in DuckDB's RE2 engine)"),
        )
        .default([]),
      /** Count only these incident urgencies as failures (empty = all). */
      urgencies: z.array(z.string()).default([]),
    })
    .default({ incident_window_hours: 24, explicit_patterns: [], urgencies: [] }),
  oncall: z
    .strictObject({
      working_hours: z.strictObject({
        start: z.string().regex(/^\d{2}:\d{2}$/).default("09:00"),
        end: z.string().regex(/^\d{2}:\d{2}$/).default("18:00"),
        /** ISO weekdays, 1 = Monday. */
        days: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
      }).default({ start: "09:00", end: "18:00", days: [1, 2, 3, 4, 5] }),
      ack_target_minutes: z.number().positive().default(5),
    })
    .default({ working_hours: { start: "09:00", end: "18:00", days: [1, 2, 3, 4, 5] }, ack_target_minutes: 5 }),
  monitoring: z
    .strictObject({
      /** Prometheus textfile for node_exporter's textfile collector (e.g. /var/lib/node_exporter/dora.prom). */
      textfile: z.string().optional(),
      /** Optional Pushgateway base URL; the job is pushed as `job="dora"`. */
      pushgateway_url: Url.optional(),
    })
    .default({}),
  report: z
    .strictObject({
      title: z.string().default("Development plan review"),
      tier_year: z.union([z.literal(2023), z.literal(2024)]).default(2024),
      /** Below this many observations in either window the verdict is "insufficient data". */
      min_sample: z.number().int().min(1).default(8),
      out: z.string().default("report"),
    })
    .default({ title: "Development plan review", tier_year: 2024, min_sample: 8, out: "report" }),
});
export type Config = z.infer<typeof Config>;

/** Plan windows with defaults filled: baseline = first two months, final = last two months. */
export interface ResolvedPlan {
  start: string;
  end: string; // inclusive last day
  baseline: { from: string; to: string };
  final: { from: string; to: string };
}

export function resolvePlan(plan: Config["plan"]): ResolvedPlan {
  const end = addDays(addMonths(plan.start, plan.months), -1);
  return {
    start: plan.start,
    end,
    baseline: plan.baseline ?? { from: plan.start, to: addDays(addMonths(plan.start, 2), -1) },
    final: plan.final ?? { from: addMonths(plan.start, plan.months - 2), to: end },
  };
}

export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  t.setUTCDate(Math.min(d, last));
  return t.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  return t.toISOString().slice(0, 10);
}
