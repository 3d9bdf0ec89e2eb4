import { addDays, addMonths, Config } from "../../schemas/config.ts";
import { hash32 } from "./random.ts";
import { MILESTONES, PHASES } from "./story.ts";

export interface DemoOptions {
  /** Number of services, 1–500 (default 6). */
  services?: number;
  /** Plan length in months (default 12). */
  months?: number;
  /** Months of history before the plan starts (default 2). */
  monthsBefore?: number;
  /** Random seed (default 42): the same seed always gives the same warehouse. */
  seed?: number;
}

export const DEMO_DEFAULTS = { services: 6, months: 12, monthsBefore: 2, seed: 42 } as const;
/** Fixed, never the clock: a demo built today and one built next year are identical. */
export const DEMO_PLAN_START = "2025-12-01";
export const DEMO_TIMEZONE = "Europe/Berlin";
export const MAX_DEMO_SERVICES = 500;

interface KeyPathSpec {
  method: string;
  path: string;
  threshold: number;
  target: number;
}

/** The six services a newcomer sees first, with key paths a payments company would watch. */
const NAMED: readonly (readonly [string, readonly KeyPathSpec[]])[] = [
  [
    "payments-api",
    [
      { method: "POST", path: "/payments", threshold: 0.3, target: 0.99 },
      { method: "GET", path: "/payments/{id}", threshold: 0.1, target: 0.99 },
      { method: "POST", path: "/refunds", threshold: 0.5, target: 0.99 },
    ],
  ],
  [
    "checkout-web",
    [
      { method: "GET", path: "/checkout", threshold: 0.5, target: 0.99 },
      { method: "POST", path: "/checkout/submit", threshold: 1, target: 0.99 },
      { method: "GET", path: "/cart", threshold: 0.25, target: 0.995 },
    ],
  ],
  [
    "identity",
    [
      { method: "POST", path: "/oauth/token", threshold: 0.1, target: 0.999 },
      { method: "GET", path: "/userinfo", threshold: 0.05, target: 0.99 },
      { method: "POST", path: "/login", threshold: 0.25, target: 0.99 },
    ],
  ],
  [
    "search",
    [
      { method: "GET", path: "/search", threshold: 0.25, target: 0.99 },
      { method: "GET", path: "/suggest", threshold: 0.1, target: 0.99 },
      { method: "POST", path: "/index", threshold: 1, target: 0.95 },
    ],
  ],
  [
    "notifications",
    [
      { method: "POST", path: "/notifications", threshold: 0.25, target: 0.99 },
      { method: "GET", path: "/preferences/{userId}", threshold: 0.1, target: 0.99 },
      { method: "POST", path: "/webhooks/dispatch", threshold: 2.5, target: 0.95 },
    ],
  ],
  [
    "ledger",
    [
      { method: "POST", path: "/entries", threshold: 0.25, target: 0.99 },
      { method: "GET", path: "/accounts/{id}/balance", threshold: 0.1, target: 0.99 },
      { method: "POST", path: "/reconcile", threshold: 5, target: 0.95 },
    ],
  ],
];

// 42 domains × 12 suffixes; 43 is coprime with 12, so `generatedName` never repeats a pair (see there).
const DOMAINS = [
  "orders", "inventory", "shipping", "pricing", "catalog", "accounts", "billing", "invoices", "fraud", "risk",
  "loyalty", "reviews", "recommendations", "media", "geo", "tax", "fx", "kyc", "onboarding", "support",
  "chat", "email", "sms", "audit", "reports", "analytics", "exports", "imports", "settlements", "payouts",
  "disputes", "subscriptions", "coupons", "wallet", "merchants", "partners", "sessions", "profiles", "consent", "documents",
  "feeds", "scheduler",
] as const;
const SUFFIXES = ["api", "service", "worker", "web", "gateway", "sync", "jobs", "store", "events", "admin", "cache", "bridge"] as const;

function generatedName(i: number): string {
  const d = DOMAINS.length;
  // For a fixed domain (i mod d) the suffix index steps by d + 1 = 43, coprime with 12: all 12 suffixes.
  return `${DOMAINS[i % d]}-${SUFFIXES[(i + Math.floor(i / d)) % SUFFIXES.length]}`;
}

/** `count` distinct service names: the six named ones first, then generated ones. */
export function demoServiceNames(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_DEMO_SERVICES) {
    throw new Error(`demo: services must be an integer from 1 to ${MAX_DEMO_SERVICES}, got ${count}`);
  }
  const names = NAMED.slice(0, count).map(([name]) => name);
  for (let i = 0; names.length < count; i++) names.push(generatedName(i));
  return names;
}

function keyPathSpecs(service: string): readonly KeyPathSpec[] {
  const named = NAMED.find(([name]) => name === service);
  if (named) return named[1];
  const domain = service.slice(0, service.lastIndexOf("-"));
  const thresholds = [0.1, 0.25, 0.3, 0.5, 1];
  const h = hash32(service);
  return [
    { method: "GET", path: `/${domain}`, threshold: thresholds[h % 5]!, target: 0.99 },
    { method: "GET", path: `/${domain}/{id}`, threshold: thresholds[(h >>> 3) % 3]!, target: 0.99 },
    { method: "POST", path: `/${domain}`, threshold: thresholds[2 + ((h >>> 6) % 3)]!, target: 0.99 },
  ];
}

/** A date `months` (fractional, in 12-month story terms) after the plan start, scaled to the plan's length. */
function storyDate(start: string, planMonths: number, monthIndex: number, day = 1): string {
  const real = ((monthIndex + (day - 1) / 30) * planMonths) / 12;
  const whole = Math.floor(real);
  const first = addMonths(start, whole);
  const daysInMonth = Number(addDays(addMonths(first, 1), -1).slice(8, 10));
  return addDays(first, Math.min(Math.round((real - whole) * 30), daysInMonth - 1));
}

/** The demo's custom KPIs: one from PromQL (collected samples), one from SQL over the warehouse. */
const DEMO_KPIS = [
  {
    name: "flaky_test_share",
    label: "Share of CI runs retried for a flaky test",
    promql: "sum(increase(ci_test_retries_total[$step])) / sum(increase(ci_test_runs_total[$step]))",
    unit: "share",
    direction: "lower",
    target: "< 2 %",
  },
  {
    name: "merged_prs_per_day",
    label: "Pull requests merged per working day",
    sql: "SELECT date_trunc('day', merged_at) AS period_start, count(*) AS value FROM core.pull_requests WHERE merged_at IS NOT NULL AND isodow(timezone(getvariable('tz'), merged_at)) <= 5 GROUP BY 1",
    unit: "PRs/day",
    direction: "higher",
  },
] as const;

/** [month index, day, item]: the demo engineer's evidence (game days, workshops, postmortems, SOPs). */
const DEMO_EVIDENCE: readonly (readonly [number, number, { title: string; link?: string; number?: number; unit?: string; metric?: string; notes?: string }])[] = [
  [0, 18, { title: "Baseline interviews with all six teams", number: 6, unit: "teams", link: "https://wiki.acme.example/platform/baseline" }],
  [2, 24, { title: "Trunk-based development workshop", number: 23, unit: "attendees", metric: "lead_time" }],
  [4, 8, { title: "Rollback SOP approved", link: "https://wiki.acme.example/sop/rollback", metric: "change_failure_rate" }],
  [5, 12, { title: "Postmortem: database failover", link: "https://wiki.acme.example/postmortems/db-failover", metric: "time_to_restore", notes: "**Cause:** a replica promoted without its connection pool drained.\n\n- paging rota extended to the database team\n- failover runbook rewritten" }],
  [6, 16, { title: "Game day: payments database failover", number: 38, unit: "min to restore", metric: "time_to_restore", notes: "Restored in 38 min against a 60 min goal; *two* alerts fired late." }],
  [7, 20, { title: "Incident commander training", number: 11, unit: "engineers", metric: "time_to_acknowledge" }],
  [8, 25, { title: "SLO review with product owners", number: 18, unit: "key paths", metric: "availability" }],
  [10, 20, { title: "Game day: region evacuation", number: 22, unit: "min to restore", metric: "time_to_restore" }],
];

/** Targets for the coming year, shown on the closing slide. */
const DEMO_NEXT = [
  { title: "Deploy on demand, several times a day per service", metric: "deployment_frequency", target: "≥ 50 per week" },
  { title: "Lead time under one day for 90 % of changes", metric: "lead_time", target: "p90 < 24 h" },
  { title: "Change failure rate under 10 %", metric: "change_failure_rate", target: "< 10 %" },
  { title: "Availability 99.95 % on every key path", metric: "availability", target: "≥ 99.95 %" },
] as const;

/**
 * The demo organisation's config: a valid `Config` (parsed, defaults filled) with fixed dates, so
 * the same options always describe the same organisation.
 */
export function demoConfig(options: DemoOptions = {}): Config {
  const services = options.services ?? DEMO_DEFAULTS.services;
  const months = options.months ?? DEMO_DEFAULTS.months;
  const monthsBefore = options.monthsBefore ?? DEMO_DEFAULTS.monthsBefore;
  const seed = options.seed ?? DEMO_DEFAULTS.seed;
  if (!Number.isInteger(months) || months < 2 || months > 60) throw new Error(`demo: months must be an integer from 2 to 60, got ${months}`);

  const start = DEMO_PLAN_START;
  const phases = PHASES.map((p) => ({
    name: p.name,
    from: storyDate(start, months, p.from),
    to: addDays(storyDate(start, months, p.to), -1),
  })).filter((p) => p.from <= p.to); // a very short plan has no room for every phase
  const milestones = MILESTONES.map(([month, day, label]) => ({ date: storyDate(start, months, month, day), label }));

  const serviceEntries = demoServiceNames(services).map((name) => [
    name,
    {
      latency: keyPathSpecs(name).map((k) => ({
        route: `${k.method} ${k.path}`,
        metric: "http_request_duration_seconds",
        selector: `{service="${name}",method="${k.method}",route="${k.path}"}`,
        slo: { threshold_seconds: k.threshold, target: k.target },
      })),
      availability: {
        good: `http_requests_total{service="${name}",code!~"5.."}`,
        total: `http_requests_total{service="${name}"}`,
        target: 0.999,
      },
    },
  ]);
  const firstService = demoServiceNames(services)[0]!;
  const firstPath = keyPathSpecs(firstService)[0]!;

  // The engineer's own evidence: work no API measures, placed by story month like the milestones.
  const phaseAt = (month: number) => {
    const date = storyDate(start, months, month);
    const i = phases.findIndex((p) => p.from <= date && date <= p.to);
    return i >= 0 ? i + 1 : undefined;
  };
  const evidence = DEMO_EVIDENCE.map(([month, day, item]) => ({ date: storyDate(start, months, month, day), phase: phaseAt(month + (day - 1) / 30), ...item }));

  // the default windows (first and last two months) overlap in a plan of three months or less:
  // there, the first month against the last
  const windows =
    months <= 3
      ? { baseline: { from: start, to: addDays(addMonths(start, 1), -1) }, final: { from: addMonths(start, months - 1), to: addDays(addMonths(start, months), -1) } }
      : {};
  return Config.parse({
    timezone: DEMO_TIMEZONE,
    evidence,
    next: DEMO_NEXT,
    plan: { start, months, ...windows, phases, milestones },
    services: Object.fromEntries(serviceEntries),
    sources: { demo: { seed, services, months_before: monthsBefore } },
    failures: { incident_window_hours: 24 },
    oncall: { working_hours: { start: "09:00", end: "18:00", days: [1, 2, 3, 4, 5] }, ack_target_minutes: 5 },
    report: { title: "Acme Payments — platform development plan review (demo data)" },
    kpis: DEMO_KPIS,
    cost_per_transaction: {
      cost: "sum(sum_over_time(node_total_hourly_cost[$step:1h]))",
      transactions: "http_requests_total",
      currency: "EUR",
      target: "-20 %",
    },
    targets: {
      availability: ">= 99.9 %",
      change_failure_rate: "< 15 %",
      lead_time: "< 24",
      pipeline_time: "-40 %",
      // "p99 < 300 ms" for the busiest key path
      [`latency_p99:${firstPath.method} ${firstPath.path}@${firstService}`]: `< ${firstPath.threshold * 1000} ms`,
    },
  });
}
