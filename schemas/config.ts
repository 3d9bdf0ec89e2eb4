import { z } from "zod";
import { Pattern, Url } from "./sources/common.ts";
import { GithubDeploymentsOverride, GithubSource } from "./sources/github.ts";
import { GitlabSource } from "./sources/gitlab.ts";
import { GitCloneRef, GitSource } from "./sources/git.ts";
import { PagerdutySource } from "./sources/pagerduty.ts";
import { PrometheusSource } from "./sources/prometheus.ts";
import { EventsSource } from "./sources/events.ts";
import { ArgocdSource } from "./sources/argocd.ts";
import { Notify } from "./sources/notify.ts";
import { FAMILIES, familyOf, isMetricKey, METRIC_KEYS } from "./metrics.ts";

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

/**
 * A counter selector (`http_requests_total{code!~"5.."}`): the collector takes `sum(increase(…[step]))`
 * itself, so functions are refused here rather than double-applied.
 */
export const CounterSelector = z
  .string()
  .min(1)
  .refine((s) => /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{.*\})?\s*$/s.test(s) && /[a-zA-Z_:{]/.test(s), {
    message: 'expected a counter selector like http_requests_total{service="api",code!~"5.."} (no functions: increase() is applied by the collector)',
  });

/** Availability of a service from request counters: good ÷ total, with an SLO target over a rolling window. */
export const Availability = z.strictObject({
  /** Counter of good requests, e.g. http_requests_total{service="api",code!~"5.."}. */
  good: CounterSelector,
  /** Counter of all requests, e.g. http_requests_total{service="api"}. */
  total: CounterSelector,
  /** SLO: share of good requests, e.g. 0.999 for "99.9 % uptime". */
  target: z.number().gt(0).lt(1).default(0.999),
  /** SLO window the error budget and the burn-rate pairs are read against (the SRE workbook's pairs assume 30). */
  slo_window_days: z.number().int().min(1).max(90).default(30),
});
export type Availability = z.infer<typeof Availability>;

/**
 * A target from the plan: a number (the final value must be at least as good, by the metric's
 * direction), a comparison in the metric's unit ("< 0.15", "< 15 %", ">= 99.9 %", "< 300 ms" for
 * seconds), or a signed change against the baseline ("-40 %", "+20%").
 */
export const TargetSpec = z.union([
  z.number(),
  z
    .string()
    .refine((s: string) => parseTarget(s) !== undefined, 'expected a target like 0.15, "< 0.15", ">= 0.999" or "-40 %" (change against the baseline)'),
]);
export type TargetSpec = number | string;

export interface ParsedTarget {
  op: "<" | "<=" | ">" | ">=";
  value: number;
  /** What the target is read against: the final window's value, or its % change from the baseline. */
  of: "final_value" | "change_pct";
}

/** Parses a target; a bare number takes its operator from the metric's direction. Undefined when malformed. */
export function parseTarget(spec: TargetSpec, direction: "lower" | "higher" = "lower"): ParsedTarget | undefined {
  const implied = direction === "lower" ? "<=" : ">=";
  if (typeof spec === "number") return Number.isFinite(spec) ? { op: implied, value: spec, of: "final_value" } : undefined;
  const s = spec.trim().replace(/≤/g, "<=").replace(/≥/g, ">=").replace(/\u2212/g, "-");
  // a signed percentage is a change against the baseline ("-40 %"); an unsigned one a share ("99.9 %" = 0.999)
  const pct = /^([<>]=?)?\s*([-+]\d+(?:\.\d+)?)\s*%$/.exec(s);
  if (pct) return { op: (pct[1] as ParsedTarget["op"] | undefined) ?? implied, value: Number(pct[2]), of: "change_pct" };
  const cmp = /^([<>]=?)?\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(%|ms|s)?$/i.exec(s);
  if (!cmp) return undefined;
  const scale = cmp[3] === "%" || cmp[3] === "ms" ? (cmp[3] === "%" ? 0.01 : 0.001) : 1;
  return { op: (cmp[1] as ParsedTarget["op"] | undefined) ?? implied, value: Number((Number(cmp[2]) * scale).toPrecision(12)), of: "final_value" };
}

/** Brackets and quotes balance: catches a truncated PromQL expression at load time, naming the KPI. */
export function promqlProblem(expr: string): string | undefined {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") {
      const end = expr.indexOf(c, i + 1);
      if (end < 0) return `unterminated ${c} string`;
      i = end;
    } else if (c === "(" || c === "[" || c === "{") stack.push(c);
    else if (c in pairs) {
      if (stack.pop() !== pairs[c]) return `unbalanced "${c}" at character ${i + 1}`;
    }
  }
  if (stack.length) return `"${stack[stack.length - 1]}" is never closed`;
  if (expr.trim() === "") return "empty expression";
  return undefined;
}

/** A custom KPI: a PromQL expression or a SQL query over the warehouse, compared baseline versus final. */
export const Kpi = z
  .strictObject({
    /** Key in metrics.* (`kpi:<name>` in metrics.pdp_comparison). */
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, "KPI names are lower-case letters, digits and _ (e.g. queue_lag_minutes)"),
    /** Card title; default: the name. */
    label: z.string().optional(),
    /**
     * PromQL evaluated at the end of every step (local midnights for the default day); its value is stored
     * for the step before it, so write it over the step, e.g. `sum(increase(orders_total[$step]))` ($step is
     * replaced by the step, e.g. 24h). Several series are summed.
     */
    promql: z.string().optional(),
    /**
     * A read-only SELECT over the warehouse returning `period_start` (DATE or TIMESTAMPTZ, read in the
     * configured zone), `value` and optionally `service`; one row per observation.
     */
    sql: z.string().optional(),
    /** Unit shown on the card: share, hours, minutes, seconds, or any word (e.g. EUR, orders/day). */
    unit: z.string().default(""),
    /** Which direction is better. */
    direction: z.enum(["lower", "higher"]),
    target: TargetSpec.optional(),
    /** Service the PromQL values belong to ('*' = the organisation). */
    service: z.string().default("*"),
    /** PromQL only: seconds between evaluations (divides a day). */
    step_seconds: z
      .number()
      .int()
      .min(60)
      .refine((s) => 86_400 % s === 0, "step_seconds must divide a day")
      .default(86_400),
  })
  .superRefine((k, ctx) => {
    if ((k.promql === undefined) === (k.sql === undefined)) {
      ctx.addIssue({ code: "custom", message: `KPI "${k.name}": give exactly one of promql or sql`, path: ["promql"] });
    }
    if (k.promql !== undefined) {
      const problem = promqlProblem(k.promql);
      if (problem) ctx.addIssue({ code: "custom", message: `KPI "${k.name}": bad PromQL: ${problem}`, path: ["promql"] });
    }
    if (k.sql !== undefined) {
      const sql = k.sql.trim().replace(/;\s*$/, "");
      if (!/^(select|with|from)\b/i.test(sql)) ctx.addIssue({ code: "custom", message: `KPI "${k.name}": the SQL must be one SELECT (read-only)`, path: ["sql"] });
      else if (sql.replace(/'(?:[^']|'')*'/g, "''").includes(";")) {
        ctx.addIssue({ code: "custom", message: `KPI "${k.name}": the SQL must be a single statement (no ";")`, path: ["sql"] });
      }
    }
    if (k.target !== undefined && typeof k.target === "string" && parseTarget(k.target, k.direction) === undefined) {
      ctx.addIssue({ code: "custom", message: `KPI "${k.name}": bad target`, path: ["target"] });
    }
  });
export type Kpi = z.infer<typeof Kpi>;

/** Cost per transaction: a cost series divided by a request count, per day, week and month. */
export const CostPerTransaction = z.strictObject({
  /**
   * PromQL of the cost accrued over each step (value at the step's end), e.g. OpenCost's hourly gauges:
   * `sum(avg_over_time(node_total_hourly_cost[$step])) * 24`. $step is replaced by the step (24h).
   */
  cost: z.string().min(1),
  /** Counter selector of transactions (requests), e.g. http_requests_total{job="api"}. */
  transactions: CounterSelector,
  /** Shown with the value (EUR, USD …). */
  currency: z.string().default("USD"),
  target: TargetSpec.optional(),
  step_seconds: z
    .number()
    .int()
    .min(60)
    .refine((s) => 86_400 % s === 0, "step_seconds must divide a day")
    .default(86_400),
});
export type CostPerTransaction = z.infer<typeof CostPerTransaction>;

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
  /** Local clones: a path, or { path, tag_pattern, paths } for one tag family of a monorepo. */
  git: z.array(z.union([z.string().min(1), GitCloneRef])).default([]),
  pagerduty: z.array(z.string().min(1)).default([]),
  /** Argo CD applications (needs sources.argocd): `name`, or `namespace/name` for an application outside Argo CD's own namespace. */
  argocd: z.array(z.string().regex(/^([a-z0-9][a-z0-9.-]*\/)?[a-z0-9][a-z0-9.-]*$/, 'expected an application name, or "namespace/name"')).default([]),
  /** Monorepos: only changes touching these paths (globs) belong to this service. */
  paths: z.array(z.string()).default([]),
  latency: z.array(KeyPath).default([]),
  /** Availability from request counters (needs sources.prometheus, or the demo). */
  availability: Availability.optional(),
});
export type Service = z.infer<typeof Service>;

export const Plan = z
  .strictObject({
    start: IsoDate,
    months: z.number().int().min(2).max(60).default(12),
    baseline: DateRange.optional(),
    final: DateRange.optional(),
    phases: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          from: IsoDate,
          to: IsoDate,
          /** A Markdown file of notes for this phase (path relative to the working directory), shown on the report and slides. */
          notes: z.string().min(1).optional(),
        }),
      )
      .default([]),
    milestones: z.array(z.strictObject({ date: IsoDate, label: z.string().min(1) })).default([]),
  })
  .superRefine((plan, ctx) => {
    plan.phases.forEach((p, i) => {
      if (p.from > p.to) ctx.addIssue({ code: "custom", message: "from must not be after to", path: ["phases", i, "to"] });
    });
    // a day in both windows would be counted in one and divided by the length of the other: the
    // comparison needs two disjoint windows, the baseline first
    const { baseline, final, start, end } = resolvePlan(plan);
    // the final window is what the plan delivered: outside the plan it would judge other months
    if (plan.final && (final.from < start || final.to > end)) {
      ctx.addIssue({
        code: "custom",
        path: ["final"],
        message: `the final window (${final.from} … ${final.to}) lies outside the plan (${start} … ${end}, plan.start and plan.months); move it inside the plan`,
      });
    }
    if (baseline.to >= final.from) {
      const explicit = plan.baseline !== undefined && plan.final !== undefined;
      ctx.addIssue({
        code: "custom",
        path: [plan.final ? "final" : plan.baseline ? "baseline" : "months"],
        message:
          `the baseline window (${baseline.from} … ${baseline.to}${plan.baseline ? "" : ", the default: the plan's first two months"}) and the final window ` +
          `(${final.from} … ${final.to}${plan.final ? "" : ", the default: the plan's last two months"}) ` +
          (baseline.from > final.to ? "are in the wrong order: the baseline must end before the final window starts" : "overlap: a day can be in only one of them") +
          (explicit ? "" : "; give plan.baseline and plan.final explicitly, without overlap (a baseline before plan.start is allowed)"),
      });
    }
  });

/**
 * The engineer's own evidence for the plan, work no API measures: game days, workshops, postmortems,
 * approved SOPs. `phase` is the phase's number (1-based) or its exact name.
 */
export const EvidenceItem = z.strictObject({
  date: IsoDate,
  phase: z.union([z.number().int().min(1), z.string().min(1)]).optional(),
  title: z.string().min(1),
  link: z.string().regex(/^https?:\/\/\S+$/, "link must be an http(s) URL").optional(),
  /** A measured number, e.g. a game day's time to restore. */
  number: z.number().optional(),
  unit: z.string().optional(),
  /** The metric this evidence supports (a key of metrics.pdp_comparison), shown beside it. */
  metric: z.string().optional(),
  /** Short notes in Markdown (rendered sanitised: no HTML, no images, http(s) links only). */
  notes: z.string().optional(),
});

/** What comes next, for the closing slide: targets for the coming period. */
export const NextItem = z.strictObject({
  title: z.string().min(1),
  metric: z.string().optional(),
  target: z.string().optional(),
  by: IsoDate.optional(),
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
      /** Deployments and incidents from any pipeline: `dora record`, `dora serve`, event files (issue 24). */
      events: EventsSource.optional(),
      /** Deployments from Argo CD applications' sync history (issue 24). */
      argocd: ArgocdSource.optional(),
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
  /** Chat digest after each `dora run` (issue 24 §4). */
  notify: Notify.optional(),
  /** Custom KPIs, compared baseline versus final like the DORA metrics. */
  kpis: z.array(Kpi).default([]),
  cost_per_transaction: CostPerTransaction.optional(),
  /**
   * Targets from the plan, by metric key of metrics.pdp_comparison (e.g. change_failure_rate: "< 0.15",
   * "latency_p99:POST /payments": "< 0.3", pipeline_time: "-40 %"); `<metric>@<service>` for one service.
   */
  targets: z.record(z.string(), TargetSpec).default({}),
  evidence: z.array(EvidenceItem).default([]),
  next: z.array(NextItem).default([]),
  report: z
    .strictObject({
      title: z.string().default("Development plan review"),
      tier_year: z.union([z.literal(2023), z.literal(2024)]).default(2024),
      /** Below this many observations in either window the verdict is "insufficient data". */
      min_sample: z.number().int().min(1).default(8),
      out: z.string().default("report"),
      /** Last day the report covers (default: yesterday in the configured zone); before the final window ends the comparison is interim. */
      as_of: IsoDate.optional(),
    })
    .default({ title: "Development plan review", tier_year: 2024, min_sample: 8, out: "report" }),
}).superRefine((c, ctx) => {
  const seen = new Map<string, number>();
  c.kpis.forEach((k, i) => {
    const first = seen.get(k.name);
    if (first !== undefined) ctx.addIssue({ code: "custom", message: `KPI "${k.name}" is already defined at kpis[${first}]`, path: ["kpis", i, "name"] });
    else seen.set(k.name, i);
    if (k.service !== "*" && !(k.service in c.services)) {
      ctx.addIssue({ code: "custom", message: `KPI "${k.name}": service "${k.service}" is not under services`, path: ["kpis", i, "service"] });
    }
  });
  // Argo CD has no default server: applications listed without sources.argocd would be ignored silently.
  if (!c.sources.argocd) {
    for (const [name, service] of Object.entries(c.services)) {
      if (service.argocd.length) ctx.addIssue({ code: "custom", message: "lists Argo CD applications, but sources.argocd (base_url, token_env) is not configured", path: ["services", name, "argocd"] });
    }
  }
  c.evidence.forEach((e, i) => {
    if (e.phase === undefined) return;
    const ok = typeof e.phase === "number" ? e.phase <= c.plan.phases.length : c.plan.phases.some((p) => p.name === e.phase);
    if (!ok) ctx.addIssue({ code: "custom", message: `evidence "${e.title}": phase ${JSON.stringify(e.phase)} is not one of plan.phases (1–${c.plan.phases.length} or a phase name)`, path: ["evidence", i, "phase"] });
  });
  for (const key of Object.keys(c.targets)) {
    const [metric, service] = splitTargetKey(key);
    const family = familyOf(metric);
    const known = isMetricKey(metric) || family === "latency_p99" || family === "slo" || (family === "kpi" && seen.has(metric.slice(4)));
    if (!known) {
      ctx.addIssue({
        code: "custom",
        message: `unknown metric "${metric}" (expected one of ${METRIC_KEYS.join(", ")}, ${Object.keys(FAMILIES).map((f) => `${f}:<${f === "kpi" ? "name" : "route"}>`).join(", ")})`,
        path: ["targets", key],
      });
    }
    if (service !== undefined && service !== "*" && !(service in c.services)) {
      ctx.addIssue({ code: "custom", message: `service "${service}" is not under services`, path: ["targets", key] });
    }
  }
});
export type Config = z.infer<typeof Config>;

/** "metric@service" → [metric, service]; "metric" → [metric, undefined]. Routes may hold "@", so the last one splits. */
export function splitTargetKey(key: string): [string, string | undefined] {
  const at = key.lastIndexOf("@");
  if (at <= 0 || /[\s/]/.test(key.slice(at + 1))) return [key, undefined];
  return [key.slice(0, at), key.slice(at + 1)];
}

/** Plan windows with defaults filled: baseline = first two months, final = last two months. */
export interface ResolvedPlan {
  start: string;
  end: string; // inclusive last day
  baseline: { from: string; to: string };
  final: { from: string; to: string };
}

export function resolvePlan(plan: Pick<Config["plan"], "start" | "months" | "baseline" | "final">): ResolvedPlan {
  const end = addDays(addMonths(plan.start, plan.months), -1);
  return {
    start: plan.start,
    end,
    baseline: plan.baseline ?? { from: plan.start, to: addDays(addMonths(plan.start, 2), -1) },
    final: plan.final ?? { from: addMonths(plan.start, plan.months - 2), to: end },
  };
}

/**
 * What the report compares as of a day (the last day with data the report covers):
 * - `final`: the final window has ended, baseline against final;
 * - `interim`: the plan runs and the final window is not complete: baseline against the latest complete
 *   window of the final window's length ("progress so far"), provided it starts after the baseline;
 * - `too early`: that window would reach into the baseline, so there is nothing to compare yet;
 * - `not started`: the plan starts after the day; no comparison.
 * `compare` is the window the report compares the baseline with (null without a comparison).
 */
export interface ComparisonWindows {
  kind: "final" | "interim" | "too early" | "not started";
  asOf: string;
  baseline: { from: string; to: string };
  compare: { from: string; to: string } | null;
  /** The configured final window, for the sentence saying when the final verdict comes. */
  final: { from: string; to: string };
}

export function comparisonWindows(plan: ResolvedPlan, asOf: string): ComparisonWindows {
  const base = { asOf, baseline: plan.baseline, final: plan.final };
  if (asOf >= plan.final.to) return { ...base, kind: "final", compare: plan.final };
  if (asOf < plan.start) return { ...base, kind: "not started", compare: null };
  const length = daysBetween(plan.final.from, plan.final.to) + 1;
  const from = addDays(asOf, -(length - 1));
  if (from <= plan.baseline.to) return { ...base, kind: "too early", compare: null };
  return { ...base, kind: "interim", compare: { from, to: asOf } };
}

/** Whole days from `a` to `b` (ISO dates). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** Today's date in a time zone, minus `back` days (ISO). */
export function localDate(timeZone: string, back = 0, now = new Date()): string {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  return addDays(today, -back);
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
