import { readFileSync } from "node:fs";
import { comparisonWindows, localDate, parseTarget, resolvePlan, splitTargetKey, type Config } from "../schemas/config.ts";
import { GithubSource } from "../schemas/sources/github.ts";
import type { Warehouse } from "./warehouse.ts";

/**
 * seeds.*: the config facts transforms and reports need (plan windows, phases, milestones, services,
 * key paths, settings), rewritten from the config before every transform run, like dbt seeds.
 */
export async function writeSeeds(w: Warehouse, config: Config, fingerprint = ""): Promise<void> {
  const plan = resolvePlan(config.plan);
  // the report covers up to yesterday (the last complete day) unless report.as_of pins the day
  const windows = comparisonWindows(plan, config.report.as_of ?? localDate(config.timezone, 1));
  await w.run(`
    CREATE SCHEMA IF NOT EXISTS seeds;
    CREATE OR REPLACE TABLE seeds.settings (
      timezone VARCHAR, plan_start DATE, plan_end DATE, tier_year INTEGER, min_sample INTEGER,
      incident_window_hours DOUBLE, ack_target_minutes DOUBLE, work_start VARCHAR, work_end VARCHAR,
      work_days INTEGER[], report_title VARCHAR, config_fingerprint VARCHAR, failure_urgencies VARCHAR[]);
    CREATE OR REPLACE TABLE seeds.plan_windows (window_name VARCHAR, from_date DATE, to_date DATE);
    CREATE OR REPLACE TABLE seeds.comparison (window_kind VARCHAR, as_of DATE, baseline_from DATE, baseline_to DATE,
      compare_from DATE, compare_to DATE, final_from DATE, final_to DATE);
    CREATE OR REPLACE TABLE seeds.phases (ord INTEGER, name VARCHAR, from_date DATE, to_date DATE);
    CREATE OR REPLACE TABLE seeds.milestones (date DATE, label VARCHAR);
    CREATE OR REPLACE TABLE seeds.services (service VARCHAR);
    CREATE OR REPLACE TABLE seeds.key_paths (service VARCHAR, route VARCHAR, slo_threshold_seconds DOUBLE, slo_target DOUBLE);
    CREATE OR REPLACE TABLE seeds.explicit_patterns (pattern VARCHAR);
    CREATE OR REPLACE TABLE seeds.revert_patterns (source VARCHAR, pattern VARCHAR);
    CREATE OR REPLACE TABLE seeds.availability (service VARCHAR, target DOUBLE, slo_window_days INTEGER);
    CREATE OR REPLACE TABLE seeds.kpis (ord INTEGER, name VARCHAR, label VARCHAR, unit VARCHAR, direction VARCHAR, kind VARCHAR, service VARCHAR);
    CREATE OR REPLACE TABLE seeds.targets (metric VARCHAR, service VARCHAR, spec VARCHAR, op VARCHAR, value DOUBLE, target_of VARCHAR);
    CREATE OR REPLACE TABLE seeds.cost (currency VARCHAR);
  `);
  const wh = config.oncall.working_hours;
  await w.append("seeds.settings", [
    {
      timezone: config.timezone,
      plan_start: plan.start,
      plan_end: plan.end,
      tier_year: config.report.tier_year,
      min_sample: config.report.min_sample,
      incident_window_hours: config.failures.incident_window_hours,
      ack_target_minutes: config.oncall.ack_target_minutes,
      work_start: wh.start,
      work_end: wh.end,
      work_days: wh.days,
      report_title: config.report.title,
      config_fingerprint: fingerprint,
      failure_urgencies: config.failures.urgencies,
    },
  ]);
  await w.append("seeds.plan_windows", [
    { window_name: "plan", from_date: plan.start, to_date: plan.end },
    { window_name: "baseline", from_date: plan.baseline.from, to_date: plan.baseline.to },
    // the window compared with the baseline: the final window, or before it ends the latest complete
    // window of its length ("progress so far"); every window-tagging transform reads this row
    { window_name: "final", from_date: (windows.compare ?? plan.final).from, to_date: (windows.compare ?? plan.final).to },
  ]);
  await w.append("seeds.comparison", [
    {
      window_kind: windows.kind,
      as_of: windows.asOf,
      baseline_from: plan.baseline.from,
      baseline_to: plan.baseline.to,
      compare_from: windows.compare?.from ?? null,
      compare_to: windows.compare?.to ?? null,
      final_from: plan.final.from,
      final_to: plan.final.to,
    },
  ]);
  await w.append(
    "seeds.phases",
    config.plan.phases.map((p, i) => ({ ord: i + 1, name: p.name, from_date: p.from, to_date: p.to })),
  );
  await w.append("seeds.milestones", config.plan.milestones.map((m) => ({ date: m.date, label: m.label })));
  await w.append("seeds.services", Object.keys(config.services).map((service) => ({ service })));
  await w.append(
    "seeds.key_paths",
    Object.entries(config.services).flatMap(([service, s]) =>
      s.latency.map((k) => ({ service, route: k.route, slo_threshold_seconds: k.slo?.threshold_seconds ?? null, slo_target: k.slo?.target ?? null })),
    ),
  );
  await w.append("seeds.explicit_patterns", config.failures.explicit_patterns.map((pattern) => ({ pattern })));
  // a shipped commit whose title matches marks its deployment a rollback (intermediate.int_deployment_flags)
  await w.append("seeds.revert_patterns", [{ source: "github", pattern: (config.sources.github ?? GithubSource.parse({})).revert_pattern }]);
  await w.append(
    "seeds.availability",
    Object.entries(config.services).flatMap(([service, s]) =>
      s.availability ? [{ service, target: s.availability.target, slo_window_days: s.availability.slo_window_days }] : [],
    ),
  );
  await w.append(
    "seeds.kpis",
    config.kpis.map((k, i) => ({
      ord: i,
      name: k.name,
      label: k.label ?? k.name,
      unit: k.unit,
      direction: k.direction,
      kind: k.promql !== undefined ? "promql" : "sql",
      service: k.service,
    })),
  );
  await w.append("seeds.targets", targetRows(config));
  if (config.cost_per_transaction) await w.append("seeds.cost", [{ currency: config.cost_per_transaction.currency }]);
  await writePresentationSeeds(w, config);
}

/**
 * The report's presentation inputs: the engineer's evidence, Markdown notes per phase (read here, so the
 * report needs only the warehouse) and what comes next.
 */
async function writePresentationSeeds(w: Warehouse, config: Config): Promise<void> {
  await w.run(`
    CREATE OR REPLACE TABLE seeds.evidence (ord INTEGER, date DATE, phase INTEGER, title VARCHAR, link VARCHAR, number DOUBLE, unit VARCHAR, metric VARCHAR, markdown VARCHAR);
    CREATE OR REPLACE TABLE seeds.phase_notes (phase INTEGER, markdown VARCHAR);
    CREATE OR REPLACE TABLE seeds.next (ord INTEGER, title VARCHAR, metric VARCHAR, target VARCHAR, by_date DATE);
  `);
  const phases = config.plan.phases;
  const phaseIndex = (p: number | string | undefined) => (p === undefined ? null : typeof p === "number" ? p - 1 : phases.findIndex((x) => x.name === p));
  await w.append(
    "seeds.evidence",
    config.evidence.map((e, ord) => ({ ord, date: e.date, phase: phaseIndex(e.phase), title: e.title, link: e.link ?? null, number: e.number ?? null, unit: e.unit ?? null, metric: e.metric ?? null, markdown: e.notes ?? null })),
  );
  const notes: { phase: number; markdown: string }[] = [];
  phases.forEach((p, phase) => {
    if (!p.notes) return;
    try {
      notes.push({ phase, markdown: readFileSync(p.notes, "utf8") });
    } catch (error) {
      throw new Error(`plan.phases[${phase}].notes: cannot read ${p.notes} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
    }
  });
  await w.append("seeds.phase_notes", notes);
  await w.append("seeds.next", config.next.map((n, ord) => ({ ord, title: n.title, metric: n.metric ?? null, target: n.target ?? null, by_date: n.by ?? null })));
}

/**
 * Every target as (metric, service, op, value, target_of); service NULL = every service row of the metric.
 * A bare number's operator follows the metric's direction, which only the comparison knows: op is NULL then.
 */
export function targetRows(config: Config): Record<string, unknown>[] {
  const row = (metric: string, service: string | null, spec: number | string, direction?: "lower" | "higher") => {
    const parsed = parseTarget(spec, direction ?? "lower");
    const implied = typeof spec === "number" || !/^\s*[<>≤≥]/.test(spec);
    return { metric, service, spec: String(spec), op: implied && !direction ? null : (parsed?.op ?? null), value: parsed?.value ?? null, target_of: parsed?.of ?? null };
  };
  const out = Object.entries(config.targets).map(([key, spec]) => {
    const [metric, service] = splitTargetKey(key);
    return row(metric, service ?? null, spec);
  });
  for (const k of config.kpis) {
    if (k.target !== undefined && !out.some((t) => t.metric === `kpi:${k.name}`)) out.push(row(`kpi:${k.name}`, k.service, k.target, k.direction));
  }
  const cost = config.cost_per_transaction;
  if (cost?.target !== undefined && !out.some((t) => t.metric === "cost_per_transaction")) out.push(row("cost_per_transaction", "*", cost.target, "lower"));
  for (const [service, s] of Object.entries(config.services)) {
    if (s.availability && !out.some((t) => t.metric === "availability" && (t.service === service || t.service === null))) {
      out.push(row("availability", service, s.availability.target, "higher"));
    }
    for (const k of s.latency) {
      const metric = `slo:${k.route}`;
      if (k.slo && !out.some((t) => t.metric === metric && (t.service === service || t.service === null))) out.push(row(metric, service, k.slo.target, "higher"));
    }
  }
  return out;
}
